import { createWorkspaces } from "../../../engine/api/create.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { renderCreated } from "../../render.ts";
import { emit } from "../../ui.ts";

interface CreateOptions {
  workflow?: string;
  from?: string;
  ttl?: string;
  onExpiry?: "stop" | "remove";
  concurrency?: string;
  name?: string;
}

/** `rig create <name…>`: see createWorkspaces (src/engine/api/create.ts). */
export default async function createCommand(cli: Cli, names: string[], opts: CreateOptions): Promise<void> {
  const started = performance.now();
  const result = await createWorkspaces(
    projectOptions(cli.globals),
    { names: opts.name === undefined ? names : [...names, opts.name], workflow: opts.workflow, from: opts.from, ttl: opts.ttl, onExpiry: opts.onExpiry, concurrency: opts.concurrency },
    engineCall(cli),
  );
  emit(result, () => renderCreated(result.workspaces, performance.now() - started));
}
