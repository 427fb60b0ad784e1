/**
 * Work on several workspaces at once (`rig exec --all`, `rig run -w a,b test`; README,
 * "Many at once"): one batched live status check of all of them first (one query per
 * engine or host), so nothing starts on a workspace that is not ready; then the work on
 * the ready ones, at most `concurrency` at a time. Each workspace gets its own outcome;
 * one failing never stops the others (an interrupt stops all).
 */
import { RigError, isRigError, messageOf } from "../../errors.ts";
import type { WorkspaceRow } from "../../state/store.ts";
import type { Project } from "../project/project.ts";
import { Slots } from "../slots.ts";
import { findWorkspaces, resolveWorkspace } from "./lifecycle.ts";
import { READY_TIMEOUT_MS, notReady, workspaceStates } from "./status.ts";

export interface Outcome<T> {
  row: WorkspaceRow;
  /** The command's or operation's exit code; a failure's (1, 130 interrupted) when it threw. */
  exitCode: number;
  value?: T;
  error?: RigError;
}

/**
 * The workspaces `--all` or `-w a,b` name: every workspace (of `workflow` when given), or
 * each name (unknown: UNKNOWN_WORKSPACE before anything runs), without repeats.
 */
export async function selectWorkspaces(project: Pick<Project, "store">, options: { all: boolean; names: string[]; workflow?: string }): Promise<WorkspaceRow[]> {
  if (options.all) {
    const rows = project.store.workspaces().filter((r) => options.workflow === undefined || r.workflow === options.workflow);
    if (rows.length === 0) {
      // (USAGE, not UNKNOWN_WORKSPACE: that code always names the workspace it did not find.)
      throw new RigError("USAGE", `There are no workspaces${options.workflow ? ` in workflow ${options.workflow}` : ""} to run on`, {
        detail: ["Create one with `rig create <name>`."],
      });
    }
    return rows;
  }
  for (const name of options.names) findWorkspaces(project, name, options.workflow); // every unknown name fails first
  const rows: WorkspaceRow[] = [];
  for (const name of options.names) {
    const row = await resolveWorkspace(project, name, options.workflow);
    if (!rows.some((r) => r.workflow === row.workflow && r.name === row.name)) rows.push(row);
  }
  return rows;
}

/**
 * Runs `work` on each ready workspace, at most `concurrency` at once; a workspace that is
 * not ready gets WORKSPACE_NOT_READY (exit 1) and nothing runs on it. `onNotReady` hears
 * of those as soon as the check answers.
 */
export async function onEachReady<T>(
  project: Project,
  rows: WorkspaceRow[],
  options: { concurrency: number; signal: AbortSignal; onNotReady?: (row: WorkspaceRow, error: RigError) => void },
  work: (row: WorkspaceRow) => Promise<{ exitCode: number; value: T }>,
): Promise<Outcome<T>[]> {
  const states = await workspaceStates(project, rows, { live: true, timeoutMs: READY_TIMEOUT_MS });
  const slots = new Slots(options.concurrency);
  return Promise.all(
    rows.map(async (row): Promise<Outcome<T>> => {
      const state = states.get(row);
      if (state !== "ready") {
        const error = notReady(row, state ?? "unreachable");
        options.onNotReady?.(row, error);
        return { row, exitCode: error.exitCode, error };
      }
      return slots.run(async () => {
        // Queued behind --concurrency when Ctrl-C came: it never starts.
        if (options.signal.aborted) return { row, exitCode: 130, error: new RigError("INTERRUPTED", "Interrupted", { workspace: row.name }) };
        try {
          const { exitCode, value } = await work(row);
          return { row, exitCode, value };
        } catch (thrown) {
          const error = isRigError(thrown) ? thrown : new RigError("EXEC_FAILED", messageOf(thrown), { workspace: row.name, cause: thrown });
          return { row, exitCode: error.exitCode, error };
        }
      });
    }),
  );
}

/** One exit code for many: 0 when all are 0, 130 when interrupted, else the highest. */
export function worstExitCode(codes: number[], interrupted: boolean): number {
  if (interrupted) return 130;
  return codes.reduce((worst, code) => Math.max(worst, code), 0);
}
