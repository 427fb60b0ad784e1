/**
 * `doctor` through the API: the runtime, the config, the state file (schema, integrity,
 * permissions, lock, interrupted runs), RIGKIT_HOME, the workspaces as they are now,
 * every provider's own checks, leftovers gc would remove, and where workspaces live.
 * Problems are failed checks, not errors (`ok: false`; README "rig doctor").
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { messageOf } from "../../errors.ts";
import { localDirsFor, rigkitHome } from "../../host/home.ts";
import { processGone } from "../../host/pids.ts";
import { type LockHolder, describeHolder } from "../../state/lock.ts";
import { SCHEMA_VERSION } from "../../state/schema.ts";
import { type OplogRow, Store, projectIdOf } from "../../state/store.ts";
import { VERSION } from "../../version.ts";
import { type ConfigLocation, type ProjectOptions, findConfig, projectDirOf, statePath } from "../project/locate.ts";
import { oplogStatus } from "../project/recovery.ts";
import { type ProjectRef, optionsOf } from "./call.ts";

export interface DoctorCheck {
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

export interface DoctorInput {
  /** Upstream's `--cli`: rig itself and the tools it calls; no project needed. */
  cli?: boolean;
}

export interface DoctorResult {
  /** No check failed. */
  ok: boolean;
  checks: DoctorCheck[];
  /** Where this project's local workspaces live (README "Workspaces are independent"). */
  paths: { workspaces?: string };
}

type Check = (name: string, ok: boolean, message: string) => void;

/** The state file: schema, integrity, permissions, the lock, runs a killed rig left. */
function stateChecks(check: Check, path: string, location: ConfigLocation): void {
  if (!existsSync(path)) return check("state", true, `${path} (not created yet)`);
  try {
    const store = Store.open(path, { projectDir: projectDirOf(location) });
    const integrity = (store.db.query("PRAGMA integrity_check").get() as Record<string, string>)["integrity_check"];
    const mode = statSync(path).mode & 0o777;
    const dirMode = statSync(join(location.root, ".rigkit")).mode & 0o777;
    check("state", integrity === "ok", `${path}: schema v${store.schemaVersion()} of ${SCHEMA_VERSION}, ${bytes(statSync(path).size)}, integrity ${integrity}`);
    check("permissions", mode === 0o600 && dirMode === 0o700, `state file ${mode.toString(8)}, .rigkit/ ${dirMode.toString(8)} (want 600 and 700)`);
    const holder = store.db.query("SELECT pid, host, command, acquired_at FROM lock WHERE id = 1").get() as LockHolder | null;
    const deadHolder = holder !== null && processGone(holder.pid, holder.host);
    check(
      "lock",
      !deadHolder,
      !holder ? "free" : deadHolder ? `held by ${describeHolder(holder)}, which is no longer running; the next command takes it over` : `held by ${describeHolder(holder)}`,
    );
    // Interrupted runs not since redone (the newest entry for the same thing was interrupted).
    const seen = new Set<string>();
    const interrupted = store.oplog(undefined, 1000).filter((r) => {
      const key = `${r.kind}\0${r.workflow}\0${r.target}`;
      const first = !seen.has(key);
      seen.add(key);
      return first && oplogStatus(r) === "interrupted";
    });
    if (interrupted.length > 0) {
      const latest = interrupted[0] as OplogRow;
      check("interrupted", false, `${interrupted.length} run${interrupted.length === 1 ? "" : "s"} stopped by a killed rig (latest: ${latest.kind}${latest.target ? ` ${latest.target}` : ""}, ${new Date(latest.started_at).toISOString()}); see \`rig log\``);
    }
    store.close();
  } catch (error) {
    check("state", false, messageOf(error));
  }
}

/** The config's workflows, the workspaces as they are now, the providers' own checks, what gc would remove. */
async function projectChecks(check: Check, options: ProjectOptions): Promise<void> {
  try {
    const { openProject } = await import("../project/project.ts");
    const project = await openProject(options);
    check("workflows", true, project.workflows.map((w) => `${w.name} (${w.tasks.length} task${w.tasks.length === 1 ? "" : "s"})`).join(", "));
    // Each workspace as it is now, asked of its providers (a record is a claim, not a fact).
    const { workspaceStates } = await import("../workspaces/status.ts");
    const states = [...(await workspaceStates(project, project.store.workspaces(), { live: true }))];
    const bad = states.filter(([, state]) => state === "missing" || state === "unreachable" || state === "interrupted" || state === "expired");
    check(
      "workspaces",
      bad.length === 0,
      `${states.length} recorded${bad.length ? `; ${bad.map(([row, state]) => `${row.name} ${state}`).join(", ")}; see \`rig ls\`, then \`rig gc\` or \`rig rm <name>\`` : ""}`,
    );
    const { providerChecks } = await import("../project/checks.ts");
    for (const r of await providerChecks(project, project.workflows)) check(`provider ${r.provider}: ${r.name}`, r.ok, r.message);
    try {
      const { findGarbage } = await import("../workspaces/gc.ts");
      const garbage = await findGarbage(project);
      // Unused artifacts are not a problem (a cache clear leaves them by design), just worth knowing.
      const unused = garbage.unused.length ? `; ${garbage.unused.length} unused artifact(s) \`rig gc\` would remove` : "";
      const count = garbage.orphans.length + garbage.stale.length;
      check(
        "orphans",
        count === 0,
        count === 0
          ? `none: every resource has a workspace${unused}`
          : `${garbage.orphans.length} orphaned resource(s), ${garbage.stale.length} interrupted workspace(s)${unused}; see \`rig gc --dry-run\``,
      );
    } catch (error) {
      check("orphans", false, `cannot look: ${messageOf(error)}`);
    }
  } catch (error) {
    check("workflows", false, messageOf(error));
  }
}

/** `rig doctor`'s document. It never throws for a problem it finds: each is a failed check. */
export async function doctor(ref: ProjectRef, input: DoctorInput = {}): Promise<DoctorResult> {
  const checks: DoctorCheck[] = [];
  const check: Check = (name, ok, message) => checks.push({ name, ok, message });
  check("runtime", true, `rig ${VERSION}, bun ${Bun.version}, ${process.platform}/${process.arch}`);
  // Set by src/cli/bundle.ts when this process runs the prebuilt CLI.
  const bundle = (globalThis as Record<symbol, unknown>)[Symbol.for("rigkit.cli.bundle")];
  const why = process.env.RIGKIT_BUNDLE === "0" ? "RIGKIT_BUNDLE=0" : "no bundle could be built or loaded; RIGKIT_DEBUG=1 says why";
  check("cli", true, typeof bundle === "string" ? `prebuilt bundle ${bundle}` : `from source (${why})`);
  const home = rigkitHome();
  const fragments = existsSync(join(home, "fragments")) ? readdirSync(join(home, "fragments")).length : 0;
  check(
    "rigkit home",
    true,
    existsSync(home) ? `${home} (${bytes(sizeOf(home))}, ${fragments} shared fragment${fragments === 1 ? "" : "s"})` : `${home} (not created yet)`,
  );

  if (input.cli) {
    // `--cli` (upstream's flag): this rig and the tools it calls, no project needed.
    check("bun", true, process.execPath);
    for (const [tool, why] of [["git", "rig diff and rig merge"], ["tar", "rig diff of containers and ssh workspaces"], ["docker", "the docker provider"], ["ssh", "the ssh provider"]] as const) {
      const found = Bun.which(tool);
      check(tool, found !== null || tool === "docker" || tool === "ssh", found ? found : `not on PATH (${why} need${why.startsWith("the") ? "s" : ""} it)`);
    }
  }

  const options = optionsOf(ref);
  let location: ConfigLocation | null = null;
  try {
    location = await findConfig(options);
    check("config", true, location.path);
  } catch (error) {
    // Without a project, `--cli` still reports on rig itself.
    check("config", input.cli === true, messageOf(error));
  }

  if (location && !input.cli) {
    stateChecks(check, statePath(location, options), location);
    await projectChecks(check, options);
  }

  // Where this project's local workspaces live (outside the project tree): its id is the
  // state file's, or for a project without one yet the id rig will derive from its path.
  const paths: { workspaces?: string } = {};
  if (location) {
    try {
      const store = existsSync(statePath(location, options)) ? await Store.openReadOnly(statePath(location, options)) : null;
      const id = store?.projectId() ?? projectIdOf(projectDirOf(location));
      store?.close();
      paths.workspaces = localDirsFor(id, projectDirOf(location)).workspaces;
      check("workspace dir", true, paths.workspaces);
    } catch (error) {
      check("workspace dir", false, messageOf(error));
    }
  }

  return { ok: checks.every((c) => c.ok), checks, paths };
}
