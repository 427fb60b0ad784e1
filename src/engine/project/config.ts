/**
 * Finding and loading `rigkit.config.ts`. The config imports "rigkit"; a Bun runtime
 * plugin answers that import with this CLI's own SDK module, so nothing needs to be
 * installed next to the config.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { plugin } from "bun";
import { RigError, isRigError, messageOf } from "../../errors.ts";
import * as sdk from "../../index.ts";
import { type AnySequence, isSequence } from "../../sdk/sequence.ts";
import { formatDuration, parseDuration } from "../duration.ts";
import type { ConfigLocation } from "./locate.ts";

const DEFAULT_CONFIG_TIMEOUT_MS = 30_000;

/** `RIGKIT_CONFIG_TIMEOUT`: a duration (30s, 2m) or whole seconds. */
function configTimeoutMs(): number {
  const raw = process.env.RIGKIT_CONFIG_TIMEOUT;
  if (raw === undefined || raw === "") return DEFAULT_CONFIG_TIMEOUT_MS;
  const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : parseDuration(raw);
  if (ms === null) throw new RigError("USAGE", `RIGKIT_CONFIG_TIMEOUT: "${raw}" is not a duration`, { detail: ["Use e.g. 30s, 2m."] });
  return ms;
}

/**
 * Imports the config under a time limit, with `process.exit` turned into an error while
 * its top level runs: a config that exits would otherwise end rig with a silent success
 * (and break the --json contract).
 */
async function importGuarded(location: ConfigLocation): Promise<Record<string, unknown>> {
  const file = relative(process.cwd(), location.path) || location.path;
  const limit = configTimeoutMs();
  const realExit = process.exit;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let exited: RigError | null = null;
  process.exit = ((code?: number | string | null) => {
    exited = new RigError("CONFIG_ERROR", `${file} called process.exit(${code ?? ""}) while loading`, {
      detail: ["A config must not exit the process; throw an Error to report a problem."],
    });
    throw exited;
  }) as typeof process.exit;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RigError("CONFIG_ERROR", `${file} did not finish loading within ${formatDuration(limit)}`, {
              detail: ["Look for a top-level await that never resolves; RIGKIT_CONFIG_TIMEOUT sets the limit."],
            }),
          ),
        limit,
      );
    });
    const mod = await Promise.race([import(location.path) as Promise<Record<string, unknown>>, timeout]).catch((error) => {
      throw exited ?? error;
    });
    // Even when the config caught the error it got from process.exit().
    if (exited) throw exited;
    return mod;
  } finally {
    clearTimeout(timer);
    process.exit = realExit;
  }
}

/** Loads the project's `.env` into process.env, never overriding variables already set. */
export function loadDotEnv(root: string): void {
  const file = join(root, ".env");
  if (!existsSync(file)) return;
  let parsed: Record<string, string>;
  try {
    // node:util (~15 ms to load) only for projects that have a .env.
    const { parseEnv } = require("node:util") as typeof import("node:util");
    parsed = parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
  } catch (error) {
    throw new RigError("CONFIG_ERROR", `Cannot read ${file}: ${messageOf(error)}`);
  }
  for (const [key, value] of Object.entries(parsed)) if (process.env[key] === undefined) process.env[key] = value;
}

let pluginInstalled = false;

function installSdkPlugin(): void {
  if (pluginInstalled) return;
  pluginInstalled = true;
  plugin({
    name: "rigkit-sdk",
    setup(build) {
      // "@rigkit/sdk": upstream rigkit's package name, so its configs load unchanged.
      for (const name of ["rigkit", "@rigkit/sdk"]) {
        build.module(name, () => ({ exports: sdk as unknown as Record<string, unknown>, loader: "object" }));
      }
    },
  });
}

/** Where a build error points, as `file:line:column`. */
function position(error: unknown, root: string): string | null {
  const pos = (error as { position?: { file?: string; line?: number; column?: number } } | null)?.position;
  if (!pos?.file) return null;
  return `${relative(root, pos.file) || pos.file}:${pos.line ?? 0}:${pos.column ?? 0}`;
}

/** For an error thrown while the config ran: the config's own line in the stack. */
function thrownAt(error: unknown, location: ConfigLocation): string | null {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  for (const line of stack.split("\n")) {
    const at = line.indexOf(`${location.path}:`);
    if (at >= 0) {
      const match = /^:(\d+):(\d+)/.exec(line.slice(at + location.path.length));
      if (match) return `${relative(location.root, location.path)}:${match[1]}:${match[2]}`;
    }
  }
  return null;
}

function loadError(location: ConfigLocation, error: unknown): RigError {
  const errors = error instanceof AggregateError ? error.errors : [error];
  const file = relative(process.cwd(), location.path) || location.path;
  const first = errors[0];
  const where = position(first, location.root) ?? thrownAt(first, location);
  return new RigError("CONFIG_ERROR", `Cannot load ${file}: ${messageOf(first)}`, {
    detail: [
      // "in", not "at": a location, never mistaken for a stack frame.
      ...(where ? [`in ${where}`] : []),
      ...errors.slice(1, 4).map((e) => `also: ${messageOf(e)}${position(e, location.root) ? ` (${position(e, location.root)})` : ""}`),
    ],
    cause: error,
  });
}

/** Imports the config and returns its workflows: the default export and every named workflow export. */
export async function loadWorkflows(location: ConfigLocation): Promise<AnySequence[]> {
  loadDotEnv(location.root);
  installSdkPlugin();
  let mod: Record<string, unknown>;
  try {
    mod = await importGuarded(location);
  } catch (error) {
    if (isRigError(error) && error.code === "CONFIG_ERROR") throw error;
    throw loadError(location, error);
  }
  const found: AnySequence[] = [];
  const file = relative(process.cwd(), location.path) || location.path;
  for (const [name, value] of Object.entries(mod)) {
    const candidates = name === "default" && Array.isArray(value) ? value : [value];
    for (const candidate of candidates) {
      // Exported `workflow(…).sequence(…)` builders are workflows; so is any default-exported sequence.
      const isWorkflow = isSequence(candidate) && (candidate.isWorkflow !== false || name === "default");
      if (isWorkflow && !found.includes(candidate)) found.push(candidate);
      // Named exports may be anything (fragments, helpers); the default export must be workflows.
      if (!isWorkflow && name === "default") {
        throw new RigError("CONFIG_ERROR", `${file}: the default export is not a workflow`, {
          detail: ['Export `workflow("name")…`, or an array of workflows.'],
        });
      }
    }
  }
  if (found.length === 0) {
    throw new RigError("CONFIG_ERROR", `${file} exports no workflow`, {
      detail: ['Add `export default workflow("app")…`.'],
    });
  }
  // An exported upstream-style builder (`export const app = workflow("site")`, nothing added)
  // gives way to the workflow its `.sequence("site")` made under the same name.
  const builders = found.filter((wf) => wf.isWorkflow === true && wf.items.length === 0 && found.some((o) => o.name === wf.name && o.isWorkflow === "when-exported"));
  for (const builder of builders) found.splice(found.indexOf(builder), 1);
  const names = new Set<string>();
  for (const wf of found) {
    if (names.has(wf.name)) throw new RigError("CONFIG_ERROR", `Two workflows are named "${wf.name}"`, { detail: ["Workflow names must be unique."] });
    names.add(wf.name);
  }
  return found;
}
