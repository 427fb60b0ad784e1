import { collectGarbage, findGarbage } from "../../engine/workspaces/gc.ts";
import { endLease, expiredWorkspaces, expiryAction } from "../../engine/workspaces/expiry.ts";
import { messageOf } from "../../errors.ts";
import { hookOutput } from "../progress.ts";
import { openProject } from "../../engine/project/project.ts";
import { RigError } from "../../errors.ts";
import { prompt } from "../../host/local.ts";
import { terminal } from "../../host/terminal.ts";
import { type Cli, lockProject, projectOptions } from "../context.ts";
import { ago, emit, err, out } from "../ui.ts";

/** `rig gc [--dry-run] [--yes]`: removes provider resources no workspace owns, and finishes interrupted creates and removes. */
export default async function gcCommand(cli: Cli, opts: { dryRun?: boolean; yes?: boolean }): Promise<void> {
  const project = await openProject(projectOptions(cli.globals));
  // Looking only reads: --dry-run never waits for the lock.
  if (!opts.dryRun) await lockProject(cli, project.store, "gc");
  const garbage = await findGarbage(project);
  const expired = expiredWorkspaces(project);
  const report = {
    orphans: garbage.orphans.map((o) => ({ provider: o.provider, id: o.id })),
    stale: garbage.stale.map((w) => ({ name: w.name, workflow: w.workflow, status: w.status })),
    unused: garbage.unused.map((o) => ({ provider: o.provider, id: o.id })),
    expired: expired.map((w) => ({ name: w.name, workflow: w.workflow, expiresAt: new Date(w.expires_at as number).toISOString(), action: expiryAction(w) })),
  };
  const c = out.colors;
  const lines = [
    ...garbage.orphans.map((o) => `  ${c.yellow("orphan")}  ${o.provider}: ${o.id}`),
    ...garbage.unused.map((o) => `  ${c.yellow("unused")}  ${o.provider}: ${o.id} (no cached run uses it)`),
    ...garbage.stale.map((w) => `  ${c.yellow("finish")}  workspace ${w.name} (${w.workflow}): interrupted while ${w.status}; destroy what it recorded and forget it`),
    ...expired.map((w) => `  ${c.yellow("expired")} workspace ${w.name} (${w.workflow}, lease ended ${ago(w.expires_at as number)}): ${expiryAction(w)}`),
  ];
  if (lines.length === 0) {
    emit({ ...report, removed: false }, () => "Nothing to collect: every resource has a workspace, every workspace its resources.");
    return;
  }
  if (opts.dryRun) {
    emit({ ...report, removed: false }, () => `Would remove:\n${lines.join("\n")}\n${c.dim("Run `rig gc --yes` to remove them.")}`);
    return;
  }
  if (!opts.yes) {
    if (!terminal.canPrompt()) throw new RigError("CONFIRMATION_REQUIRED", `Removing ${lines.length} orphaned item(s) needs confirmation: pass --yes`);
    err.line(lines.join("\n"));
    if (!(await prompt.confirm(`Remove these ${lines.length}?`))) throw new RigError("INTERRUPTED", "Cancelled: nothing removed");
  }
  const failures = await collectGarbage(project, garbage);
  // Expired leases end through the workspaces' own hooks; one failing does not stop the others.
  for (const row of expired) {
    await endLease(project, row, { signal: cli.signal, output: hookOutput }).catch((error) => failures.push(`${row.name}: ${messageOf(error)}`));
  }
  if (failures.length > 0) {
    throw new RigError("PROVIDER_FAILED", `Could not collect ${failures.length} of ${lines.length} items`, { detail: failures });
  }
  emit({ ...report, removed: true }, () => `${c.green("✓")} Removed:\n${lines.join("\n")}`);
}
