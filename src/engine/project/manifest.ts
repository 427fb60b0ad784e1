/**
 * The completion manifest: workflows, task paths, operations and their flags, saved in
 * the state file whenever the config is loaded, so completion answers without importing
 * the config.
 */
import type { Store } from "../../state/store.ts";
import type { CompiledWorkflow, OperationNode } from "../graph/compile.ts";
import { hash } from "../graph/fingerprint.ts";
import { type InputField, inputFields } from "../operations/inputs.ts";

export interface ManifestOperation {
  id: string;
  title?: string;
  description: string | null;
  inputs: InputField[];
}

export interface Manifest {
  version: 1;
  workflows: {
    name: string;
    tasks: string[];
    /** Tasks whose runs live in a `.global()` fragment's shared cache. */
    global?: { path: string; hash: string; cachePath: string }[];
    workspaceOperations: ManifestOperation[];
    operations: ManifestOperation[];
  }[];
}

const operations = (map: Map<string, OperationNode>): ManifestOperation[] =>
  [...map.values()].map((op) => ({ id: op.id, ...(op.title ? { title: op.title } : {}), description: op.description ?? null, inputs: inputFields(op.input) }));

export function buildManifest(workflows: CompiledWorkflow[]): Manifest {
  return {
    version: 1,
    workflows: workflows.map((wf) => {
      // One pass over the tasks (a config may have 10,000; every plan saves the manifest).
      const tasks: string[] = [];
      const global: { path: string; hash: string; cachePath: string }[] = [];
      for (const t of wf.tasks) {
        tasks.push(t.path);
        if (t.fragment) global.push({ path: t.path, hash: t.fragment.hash, cachePath: t.cacheKey.path });
      }
      return { name: wf.name, tasks, global, workspaceOperations: operations(wf.workspaceOperations), operations: operations(wf.operations) };
    }),
  };
}

/** Writes the manifest only when it changed, so read-only commands rarely write. */
export function saveManifest(store: Store, manifest: Manifest): void {
  const body = JSON.stringify(manifest);
  const digest = hash(body);
  if (store.manifestHash() !== digest) store.saveManifest(digest, body);
}

export function readManifest(store: Store): Manifest | null {
  const body = store.manifest();
  return body ? (JSON.parse(body) as Manifest) : null;
}
