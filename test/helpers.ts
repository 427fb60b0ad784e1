/** Test helpers: temp projects, running the real bin/rig, and in-process engine projects. */
import { Database } from "bun:sqlite";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { compileWorkflow } from "../src/engine/graph/compile.ts";
import type { Project } from "../src/engine/project/project.ts";
import { ProviderRegistry } from "../src/engine/project/providers.ts";
import type { AnySequence } from "../src/sdk/sequence.ts";
import { Stores } from "../src/engine/project/run-stores.ts";
import { Store } from "../src/state/store.ts";

export const REPO = resolve(import.meta.dir, "..");
export const RIG = join(REPO, "bin", "rig");

const made: string[] = [];
/** Removes the temp directories made so far; run once after all test files (test/preload.ts). */
export function cleanUp(): void {
  for (const dir of made.splice(0)) {
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Detaches mounts left under a temp dir (overlay workspaces a test did not `rig rm`), so none leak. */
function unmountUnder(dir: string): void {
  let info = "";
  try {
    info = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return;
  }
  for (const line of info.split("\n")) {
    const point = line.split(" ")[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
    if (point?.startsWith(`${dir}/`)) Bun.spawnSync(["umount", "-l", point], { stdout: "ignore", stderr: "ignore" });
  }
}

/** A fresh temp directory (outside the repo, so configs import "rigkit" with nothing installed), removed after the file's tests. */
export function tempDir(prefix = "rigkit-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A temp project with the given files (paths relative to its root). */
export function project(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

export interface RigResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws when it is not exactly one document). */
  json<T = any>(): T;
  /** The JSON error document on stderr's last line. */
  error(): { code: string; message: string };
}

/** Runs the real `bin/rig` with no stdin (never a TTY) and a private RIGKIT_HOME. */
export async function rig(args: string[], options: { cwd: string; env?: Record<string, string | undefined>; stdin?: string }): Promise<RigResult> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", RIGKIT_HOME: join(options.cwd, ".rigkit-home"), ...options.env };
  delete env.FORCE_COLOR;
  const proc = Bun.spawn([RIG, ...args], {
    cwd: options.cwd,
    env: env as Record<string, string>,
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return {
    exitCode,
    stdout,
    stderr,
    json: () => JSON.parse(stdout),
    error: () => JSON.parse(stderr.trimEnd().split("\n").at(-1) ?? "").error,
  };
}

/** An in-process project for engine tests: workflows built in the test, a real temp state file. */
export function engineProject(workflows: AnySequence[], dir = tempDir()): Project {
  const store = Store.open(join(dir, ".rigkit", "state.sqlite"), { projectDir: dir });
  const info = { id: store.projectId(), root: dir, dir, stateDir: join(dir, ".rigkit") };
  const keys = new Map();
  return {
    location: { path: join(dir, "rigkit.config.ts"), root: dir },
    info,
    store,
    stores: new Stores(store),
    registry: new ProviderRegistry(info, store),
    workflows: workflows.map((w) => compileWorkflow(w, keys)),
  };
}

/** The same state file with new workflow definitions, as after editing the config. */
export function reload(previous: Project, workflows: AnySequence[]): Project {
  const keys = new Map();
  return {
    ...previous,
    registry: new ProviderRegistry(previous.info, previous.store),
    workflows: workflows.map((w) => compileWorkflow(w, keys)),
  };
}

/**
 * Starts the real bin/rig in the background and resolves once its stderr shows `marker`
 * (a task saying it started), for tests that interrupt, kill or race it. Fails if rig
 * ends before saying it.
 */
export async function rigUntil(args: string[], marker: string, options: { cwd: string; env?: Record<string, string | undefined> }) {
  const proc = Bun.spawn([RIG, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env } as Record<string, string>,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stderr.getReader();
  let seen = "";
  while (!seen.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`rig ${args.join(" ")} ended before printing "${marker}":\n${seen}`);
    seen += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return proc;
}

/**
 * A project with `config`, applied, whose state file then holds everything in its main
 * file (WAL checkpointed, rollback journal): ready to be read or damaged byte by byte.
 * `pragmas` run on it before it is closed (e.g. a newer user_version).
 */
export async function settledState(config: string, pragmas: string[] = []): Promise<{ dir: string; path: string }> {
  const dir = project({ "rigkit.config.ts": config });
  const applied = await rig(["apply"], { cwd: dir });
  if (applied.exitCode !== 0) throw new Error(`rig apply failed: ${applied.stderr}`);
  const path = join(dir, ".rigkit", "state.sqlite");
  const db = new Database(path);
  db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  db.run("PRAGMA journal_mode = DELETE");
  for (const pragma of pragmas) db.run(`PRAGMA ${pragma}`);
  db.close();
  return { dir, path };
}
