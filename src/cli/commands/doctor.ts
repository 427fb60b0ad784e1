/**
 * `rig doctor`: the runtime, the config, the state file (schema, integrity, permissions,
 * lock, stuck workspaces), RIGKIT_HOME, and every provider's own checks. Problems are
 * reported as failed checks, not as an error: the command exits 0 and `--json` carries
 * `"ok": false` (scripts: `rig doctor --json | jq -e .ok`).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type ConfigLocation, findConfig, projectDirOf, statePath } from "../../engine/locate.ts";
import { rigkitHome } from "../../host/home.ts";
import { messageOf } from "../../errors.ts";
import { describeHolder, type LockHolder } from "../../state/lock.ts";
import { SCHEMA_VERSION } from "../../state/schema.ts";
import { Store } from "../../state/store.ts";
import { type Cli, projectOptions } from "../context.ts";
import { emit, out } from "../ui.ts";
import { VERSION } from "../version.ts";

interface Check {
  name: string;
  ok: boolean;
  message: string;
}

/** Total size of the files under a directory (not following symlinks). */
function sizeOf(path: string): number {
  let total = 0;
  const walk = (p: string) => {
    const stat = statSync(p, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) for (const entry of readdirSync(p)) walk(join(p, entry));
    else if (stat.isFile()) total += stat.size;
  };
  walk(path);
  return total;
}

const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 ** 2).toFixed(1)} MB`);

export default async function doctorCommand(cli: Cli): Promise<void> {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, message: string) => checks.push({ name, ok, message });
  check("runtime", true, `rig ${VERSION}, bun ${Bun.version}, ${process.platform}/${process.arch}`);
  const home = rigkitHome();
  const fragments = existsSync(join(home, "fragments")) ? readdirSync(join(home, "fragments")).length : 0;
  check(
    "rigkit home",
    true,
    existsSync(home) ? `${home} (${bytes(sizeOf(home))}, ${fragments} shared fragment${fragments === 1 ? "" : "s"})` : `${home} (not created yet)`,
  );

  const options = projectOptions(cli.globals);
  let location: ConfigLocation | null = null;
  try {
    location = await findConfig(options);
    check("config", true, location.path);
  } catch (error) {
    check("config", false, messageOf(error));
  }

  if (location) {
    const path = statePath(location, options);
    if (!existsSync(path)) check("state", true, `${path} (not created yet)`);
    else {
      try {
        const store = Store.open(path, { projectDir: projectDirOf(location) });
        const integrity = (store.db.query("PRAGMA integrity_check").get() as Record<string, string>)["integrity_check"];
        const mode = statSync(path).mode & 0o777;
        const dirMode = statSync(join(location.root, ".rigkit")).mode & 0o777;
        check("state", integrity === "ok", `${path}: schema v${store.schemaVersion()} of ${SCHEMA_VERSION}, ${bytes(statSync(path).size)}, integrity ${integrity}`);
        check("permissions", mode === 0o600 && dirMode === 0o700, `state file ${mode.toString(8)}, .rigkit/ ${dirMode.toString(8)} (want 600 and 700)`);
        const holder = store.db.query("SELECT pid, host, command, acquired_at FROM lock WHERE id = 1").get() as LockHolder | null;
        check("lock", true, holder ? `held by ${describeHolder(holder)}` : "free");
        const rows = store.workspaces();
        const stuck = rows.filter((w) => w.status !== "ready");
        check(
          "workspaces",
          stuck.length === 0,
          `${rows.length} recorded${stuck.length ? `; stuck: ${stuck.map((w) => `${w.name} (${w.status})`).join(", ")}; retry \`rig rm <name>\`` : ""}`,
        );
        store.close();
      } catch (error) {
        check("state", false, messageOf(error));
      }
    }
    try {
      const { openProject } = await import("../../engine/project.ts");
      const project = await openProject(options);
      check("workflows", true, project.workflows.map((w) => `${w.name} (${w.tasks.length} task${w.tasks.length === 1 ? "" : "s"})`).join(", "));
      const { providerChecks } = await import("../../engine/checks.ts");
      for (const r of await providerChecks(project, project.workflows)) check(`provider ${r.provider}: ${r.name}`, r.ok, r.message);
      try {
        const { findGarbage } = await import("../../engine/gc.ts");
        const garbage = await findGarbage(project);
        const count = garbage.orphans.length + garbage.stale.length;
        check(
          "orphans",
          count === 0,
          count === 0
            ? "none: every resource has a workspace"
            : `${garbage.orphans.length} orphaned resource(s), ${garbage.stale.length} stale record(s); see \`rig gc --dry-run\``,
        );
      } catch (error) {
        check("orphans", false, `cannot look: ${messageOf(error)}`);
      }
    } catch (error) {
      check("workflows", false, messageOf(error));
    }
  }

  const ok = checks.every((c) => c.ok);
  const c = out.colors;
  const failed = checks.filter((k) => !k.ok).length;
  emit({ ok, checks }, () =>
    [
      ...checks.map((k) => `${k.ok ? c.green("✓") : c.red("✗")} ${k.name.padEnd(14)} ${k.ok ? c.dim(k.message) : k.message}`),
      "",
      ok ? c.green("No problems found.") : c.red(`${failed} problem${failed === 1 ? "" : "s"} found.`),
    ].join("\n"),
  );
}
