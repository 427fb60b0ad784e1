import { collect, gcView } from "../../../engine/api/gc.ts";
import { type Cli, engineCall, projectOptions } from "../../context.ts";
import { ago, emit, err, out } from "../../ui.ts";

/** `rig gc [--dry-run] [--yes]`: see src/engine/api/gc.ts. */
export default async function gcCommand(cli: Cli, opts: { dryRun?: boolean; yes?: boolean }): Promise<void> {
  const call = engineCall(cli);
  const view = await gcView(projectOptions(cli.globals), opts, call);
  const { garbage, expired } = view;
  const c = out.colors;
  const lines = [
    ...garbage.orphans.map((o) => `  ${c.yellow("orphan")}  ${o.provider}: ${o.id}`),
    ...garbage.unused.map((o) => `  ${c.yellow("unused")}  ${o.provider}: ${o.id} (no cached run uses it)`),
    ...garbage.stale.map((w) => `  ${c.yellow("finish")}  workspace ${w.name} (${w.workflow}): interrupted while ${w.status}; destroy what it recorded and forget it`),
    ...expired.map((w) => `  ${c.yellow("expired")} workspace ${w.name} (${w.workflow}, lease ended ${ago(w.expires_at as number)}): ${w.on_expiry ?? "remove"}`),
  ];
  const result = await collect(view, opts, call, () => err.line(lines.join("\n")));
  if (lines.length === 0) emit(result, () => "Nothing to collect: every resource has a workspace, every workspace its resources.");
  else if (!result.removed) emit(result, () => `Would remove:\n${lines.join("\n")}\n${c.dim("Run `rig gc --yes` to remove them.")}`);
  else emit(result, () => `${c.green("✓")} Removed:\n${lines.join("\n")}`);
}
