/**
 * `rig diff` / `rig merge` on an LXD workspace (providers' `exportFiles`, docs/providers.md):
 * its working directory as a tar stream through the exec API, unpacked here by
 * host/untar.ts. A running workspace is read in place; a stopped one, and the files it was
 * made from (its base's snapshot, the image, or the snapshot a fork took of itself), are
 * read from a temporary copy — created where the cluster places it, labelled `export`
 * like everything rig makes (so `rig gc` finds one a crash left) and always deleted.
 */
import { type TarProducer, untarFrom } from "../../host/untar.ts";
import type { ProjectInfo } from "../../sdk/provider.ts";
import { type LxdClient, isNotFound } from "./api.ts";
import { execStreams } from "./exec.ts";
import { buildName, findInstance, instancePath, removeOwned } from "./owner.ts";

/** An LXD create `source`: a copy of `<instance>[/<snapshot>]`, or an image. */
export type LxdSource = { type: "copy"; source: string; instance_only?: boolean } | { type: "image"; alias?: string; fingerprint?: string };

/**
 * What a workspace was made from, as its resource records it. Kept apart from the
 * `<instance>/<snapshot>` ref on purpose: `rig gc` treats a base whose ref is named in a
 * record as in use, and a workspace (an independent copy) does not need its base.
 */
export type MadeFrom = { instance: string; snapshot: string } | { image: string };

export const sourceOfMade = (made: MadeFrom): LxdSource =>
  "image" in made
    ? /^[0-9a-f]{12,64}$/.test(made.image)
      ? { type: "image", fingerprint: made.image }
      : { type: "image", alias: made.image }
    : { type: "copy", source: `${made.instance}/${made.snapshot}` };

export interface ExportContext {
  client: LxdClient;
  project: ProjectInfo;
  /** Creates an instance from `source` with `kind: "export"` keys and starts it. */
  createTemporary(name: string, source: LxdSource, signal: AbortSignal): Promise<void>;
}

/** `tar -cf - .` of `workdir` in a running instance. */
const tarOf =
  (client: LxdClient, instance: string, workdir: string): TarProducer =>
  async (write, signal) => {
    const errors: Uint8Array[] = [];
    const exitCode = await execStreams(client, instance, { argv: ["tar", "-C", workdir, "-cf", "-", "."], signal }, { onStdout: write, onStderr: (c) => errors.push(c) });
    return { exitCode, stderr: Buffer.concat(errors).toString() };
  };

/** Whether the source still exists (a collected base's snapshot does not). */
async function sourceExists(client: LxdClient, source: LxdSource, signal: AbortSignal): Promise<boolean> {
  try {
    if (source.type === "image") {
      await client.get(source.fingerprint ? `/1.0/images/${encodeURIComponent(source.fingerprint)}` : `/1.0/images/aliases/${encodeURIComponent(source.alias ?? "")}`, signal);
      return true;
    }
    const [instance = "", snapshot] = source.source.split("/");
    await client.get(snapshot ? `${instancePath(instance)}/snapshots/${encodeURIComponent(snapshot)}` : instancePath(instance), signal);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * The files of `workdir` in the workspace `instance` (what: "workspace") or in what it was
 * made from (`madeFrom`; null when unknown or gone: rig diff then says so).
 */
export async function exportWorkdir(
  context: ExportContext,
  options: { instance: string; workdir: string; madeFrom: MadeFrom | undefined; what: "workspace" | "base"; into: string; signal: AbortSignal; label: string },
): Promise<string | null> {
  const { client, project } = context;
  const { what, into, signal } = options;
  const untar = (instance: string) => untarFrom(tarOf(client, instance, options.workdir), into, { signal, what: options.label });
  let source: LxdSource;
  if (what === "workspace") {
    const live = await findInstance(client, options.instance, signal);
    if (live?.status === "Running") {
      await untar(options.instance);
      return into;
    }
    source = { type: "copy", source: options.instance, instance_only: true };
  } else {
    if (!options.madeFrom) return null;
    source = sourceOfMade(options.madeFrom);
    if (!(await sourceExists(client, source, signal))) return null;
  }
  const name = buildName(project);
  try {
    await context.createTemporary(name, source, signal);
    await untar(name);
  } finally {
    await removeOwned(client, project, name).catch(() => {}); // rig gc collects it if this fails
  }
  return into;
}
