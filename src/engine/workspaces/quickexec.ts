/**
 * The quick path of `rig exec`: scripts and agents call it in loops, and loading the
 * config (the SDK, zod, every provider) costs more than the command often does. When the
 * state file alone says the workspace is ready and its provider recorded how to reach it
 * (`access` in its claimed resource, see ResourceAccess), the command runs from that
 * recipe. Anything unusual (no recipe, several providers, a terminal wanting `-t`, an
 * ambiguous name) returns null and `rig exec` takes the full path.
 */
import { attach, enterDir } from "../../host/attach.ts";
import { isTTY } from "../../host/io.ts";
import { script } from "../../host/stoppable.ts";
import type { AccessRunner, ResourceAccess, WorkspaceResource } from "../../sdk/provider.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import { type ProjectOptions, openState } from "../project/locate.ts";
import { recordedState } from "./status.ts";

export interface QuickExec {
  row: WorkspaceRow;
  exitCode: number;
  stdout?: string;
  stderr?: string;
}

export async function quickExec(
  options: ProjectOptions,
  name: string,
  workflow: string | undefined,
  argv: string[],
  run: { capture: boolean; signal: AbortSignal; onOutput?: (stream: "stdout" | "stderr", text: string) => void },
): Promise<QuickExec | null> {
  if (!run.capture && isTTY(0)) return null; // interactive: the provider adds -t
  const { store } = await openState(options, { readOnly: true }).catch(() => ({ store: null }));
  if (!store) return null;
  try {
    const rows = store.workspacesNamed(name).filter((r) => workflow === undefined || r.workflow === workflow);
    const row = rows[0];
    if (rows.length !== 1 || !row || recordedState(row) !== "ready") return null;
    const resources = store.resources(row.workflow, row.name);
    if (new Set(resources.map((r) => r.provider)).size !== 1) return null;
    const access = resources.map((r) => (JSON.parse(r.data) as WorkspaceResource).access).find((a): a is ResourceAccess => a !== undefined);
    if (!access) return null;
    if (access.dirs?.length || (!access.argv && access.cwd)) {
      const fs = require("node:fs") as typeof import("node:fs"); // only then: node:fs costs a few ms to load
      // A local directory that is gone: the full path says so (not "command not found").
      if (!access.argv && access.cwd && !fs.existsSync(access.cwd)) return null;
      for (const dir of access.dirs ?? []) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    }
    // A provider's own runner, loaded alone (no config, no SDK): e.g. lxd's exec websocket.
    if (access.module) {
      const runner = (await import(access.module).catch(() => null)) as { runAccess?: AccessRunner } | null;
      const result = runner?.runAccess ? await runner.runAccess(access, argv, run) : null;
      if (result) return { row, ...result };
    }
    const command = !access.argv
      ? argv
      : access.shell
        ? [...access.argv, `${access.cwd ? `${enterDir(access.cwd)} && ` : ""}exec ${script(argv)}`]
        : [...access.argv, ...argv];
    const result = await attach(command, { cwd: access.argv ? undefined : access.cwd, env: access.env, capture: run.capture, signal: run.signal, isolate: access.isolate, onOutput: run.onOutput });
    return { row, ...result };
  } finally {
    store.close();
  }
}
