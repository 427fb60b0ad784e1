/**
 * `rig cache <workflow> ls | explain [task] | invalidate <task>|--all | clear [--local|--global]`.
 * Only `explain` loads the config (it must compute current keys); the rest use the state
 * file and the manifest saved by the last config load.
 */
import { cacheClear, cacheExplain, cacheInvalidate, cacheLs, cacheWorkflow } from "../../../engine/api/cache.ts";
import { RigError } from "../../../errors.ts";
import { didYouMean } from "../../../suggest.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { ago, emit, out, table } from "../../ui.ts";

export interface CacheOptions {
  all?: boolean;
  local?: boolean;
  global?: boolean;
  yes?: boolean;
}

const ACTIONS = ["ls", "explain", "invalidate", "clear"];

export default async function cacheCommand(
  cli: Cli,
  first: string | undefined,
  second: string | undefined,
  third: string | undefined,
  opts: CacheOptions,
): Promise<void> {
  // `rig cache <action> [task]` leaves the workflow out.
  const leftOut = first !== undefined && ACTIONS.includes(first) && (second === undefined || !ACTIONS.includes(second));
  if (leftOut && third !== undefined) throw new RigError("USAGE", `too many arguments for cache ${first}`);
  // One word that is no action (`rig cache lss`) is a mistyped action, not a workflow.
  const action = leftOut ? (first as string) : second === undefined ? first : second;
  if (action === undefined || !ACTIONS.includes(action)) {
    throw new RigError("USAGE", action === undefined ? "cache needs an action" : `Unknown cache action "${action}"`, {
      detail: [...(action ? didYouMean(action, ACTIONS) : []), `Actions: ${ACTIONS.join(", ")}`, "Usage: rig cache [workflow] <action> [task]"],
    });
  }
  const ref = projectOptions(cli.globals);
  const call = engineCall(cli);
  const workflow = leftOut ? await cacheWorkflow(ref, call) : (first as string);
  const task = leftOut ? second : third;
  const c = out.colors;
  switch (action) {
    case "explain": {
      const result = await cacheExplain(ref, { workflow, task }, call);
      emit(result, () =>
        result.tasks
          .map((t) => `${t.status === "cached" ? c.green("✓") : c.yellow("•")} ${t.path} ${c.dim(t.reason ?? "cached")}\n${t.changes.map((ch) => `    ${ch}`).join("\n")}`)
          .join("\n"),
      );
      return;
    }
    case "ls": {
      if (task !== undefined) throw new RigError("USAGE", "cache ls takes no task");
      const { entries } = await cacheLs(ref, { workflow });
      emit({ entries }, () =>
        entries.length === 0
          ? `No cache entries for ${workflow}.`
          : `${c.bold(workflow)}: ${entries.length} cache entr${entries.length === 1 ? "y" : "ies"}\n${table(
              entries.map((e) => [e.path, c.dim(e.runId), e.scope === "local" ? c.dim("local") : c.cyan("global"), c.dim(ago(Date.parse(e.createdAt))), e.invalidated ? c.yellow("invalidated") : ""]),
            )}`,
      );
      return;
    }
    case "invalidate": {
      const result = await cacheInvalidate(ref, { workflow, task, all: opts.all, yes: opts.yes }, call);
      const { invalidated: targets } = result;
      emit(result, () => `${c.green("✓")} Invalidated ${targets.join(", ")}: the next apply reruns ${targets.length === 1 ? "it" : "them"} and what follows`);
      return;
    }
    case "clear": {
      if (task !== undefined) throw new RigError("USAGE", "cache clear takes no task");
      const result = await cacheClear(ref, { workflow, local: opts.local, global: opts.global }, call);
      const { cleared, left } = result;
      const local = opts.local || !opts.global;
      const global = opts.global || !opts.local;
      emit(result, () =>
        `${c.green("✓")} Cleared ${cleared} cache entr${cleared === 1 ? "y" : "ies"} of ${workflow}${local && global ? "" : local ? " (local)" : " (global fragments)"}\n${c.dim(left)}`,
      );
      return;
    }
    default:
      throw new RigError("USAGE", `Unknown cache action "${action}"`, { detail: ["Actions: ls, explain, invalidate, clear"] });
  }
}
