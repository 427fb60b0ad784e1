/**
 * The prebuilt CLI bundle (src/cli/bundle.ts), in a copy of the package so that its
 * cache is the test's own: built by the first command (never by completion), reused, rebuilt as soon as a
 * source file changes (a stale bundle is never used), kept in the user's cache when the
 * package's cannot be written, skipped with RIGKIT_BUNDLE=0 or when nothing can be
 * written, and built once by many first commands at the same time.
 */
import { describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, tempDir } from "../helpers.ts";

/** A copy of the package: bin, src, templates and package.json, node_modules entries linked. */
function copyPackage(): string {
  const root = join(tempDir("rigkit-bundle-"), "rigkit");
  mkdirSync(join(root, "node_modules"), { recursive: true });
  for (const part of ["bin", "src", "templates", "package.json"]) cpSync(join(REPO, part), join(root, part), { recursive: true });
  for (const entry of readdirSync(join(REPO, "node_modules"))) {
    if (entry !== ".cache") symlinkSync(join(REPO, "node_modules", entry), join(root, "node_modules", entry));
  }
  return root;
}

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function rigIn(root: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const cwd = tempDir();
  const proc = Bun.spawn([join(root, "bin", "rig"), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", RIGKIT_DEBUG: "1", RIGKIT_BUNDLE: "1", XDG_CACHE_HOME: join(cwd, "cache"), ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { exitCode, stdout, stderr };
}

const built = (r: Run) => r.stderr.includes("rig: bundle: built");
/** The `cli` line of `rig doctor --json`. */
async function cliCheck(root: string, env: Record<string, string> = {}): Promise<string> {
  const r = await rigIn(root, ["doctor", "--json"], env);
  expect(r.exitCode).toBe(0);
  return (JSON.parse(r.stdout) as { checks: { name: string; message: string }[] }).checks.find((c) => c.name === "cli")?.message ?? "";
}
const buildsIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n !== "sources") : []);

describe("the prebuilt CLI bundle", () => {
  test("built by the first command, reused, rebuilt when a source changes", async () => {
    const root = copyPackage();
    // A TAB press never waits for a build: completion without a bundle runs from source.
    const tab = await rigIn(root, ["__complete", "--", "ver"]);
    expect(tab.exitCode).toBe(0);
    expect(tab.stdout).toContain("version");
    expect(built(tab)).toBe(false);
    const first = await rigIn(root, ["version", "--json"]);
    expect(first.exitCode).toBe(0);
    expect(built(first)).toBe(true);
    expect(JSON.parse(first.stdout).rig).toBe(JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version);

    const again = await rigIn(root, ["version", "--json"]);
    expect(again.exitCode).toBe(0);
    expect(built(again)).toBe(false);
    expect(await cliCheck(root)).toStartWith(`prebuilt bundle ${join(root, "node_modules", ".cache", "rigkit")}/`);

    // A changed package.json (the version is inlined) and a changed source file both show at once.
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    writeFileSync(join(root, "package.json"), JSON.stringify({ ...pkg, version: "9.9.9" }));
    const bumped = await rigIn(root, ["version", "--json"]);
    expect(built(bumped)).toBe(true);
    expect(JSON.parse(bumped.stdout).rig).toBe("9.9.9");

    const file = join(root, "src", "cli", "commands", "version.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace("`rig ${VERSION} (bun", "`rig ${VERSION} edited (bun"));
    const edited = await rigIn(root, ["version"]);
    expect(built(edited)).toBe(true);
    expect(edited.stdout).toContain("rig 9.9.9 edited (bun");
  });

  test("npm's postinstall (bun src/cli/main.ts __build-bundle) builds it, and the first command uses it", async () => {
    const root = copyPackage();
    const proc = Bun.spawn([join(REPO, "node_modules", ".bin", "bun"), "src/cli/main.ts", "__build-bundle"], { cwd: root, env: { ...process.env, RIGKIT_DEBUG: "1" }, stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000); // it once waited on itself forever
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    clearTimeout(timer);
    expect(exitCode).toBe(0);
    expect(stdout).toStartWith(`rig: CLI bundle ready (${join(root, "node_modules", ".cache", "rigkit")}/`);
    expect(stderr).toContain("rig: bundle: built");
    const first = await rigIn(root, ["version"]);
    expect(first.exitCode).toBe(0);
    expect(built(first)).toBe(false);
  });

  test("the user's cache when the package's cannot be written; source when neither can", async () => {
    const root = copyPackage();
    writeFileSync(join(root, "node_modules", ".cache"), "not a directory");
    const cwdCache = tempDir();
    const env = { XDG_CACHE_HOME: cwdCache };
    const r = await rigIn(root, ["version"], env);
    expect(r.exitCode).toBe(0);
    expect(built(r)).toBe(true);
    expect(await cliCheck(root, env)).toStartWith(`prebuilt bundle ${cwdCache}/rigkit/`);

    const blocked = join(tempDir(), "file");
    writeFileSync(blocked, "");
    const nowhere = { XDG_CACHE_HOME: blocked };
    const plain = await rigIn(root, ["version"], nowhere);
    expect(plain.exitCode).toBe(0);
    expect(plain.stderr).toContain("rig: bundle: cannot build");
    expect(await cliCheck(root, nowhere)).toStartWith("from source");
    expect(await cliCheck(root, { ...env, RIGKIT_BUNDLE: "0" })).toBe("from source (RIGKIT_BUNDLE=0)");
  });

  test("many first commands at once all run, and leave one build", async () => {
    const root = copyPackage();
    const runs = await Promise.all(Array.from({ length: 6 }, () => rigIn(root, ["version", "--json"])));
    for (const r of runs) expect(r.exitCode).toBe(0);
    const [cacheDir] = readdirSync(join(root, "node_modules", ".cache", "rigkit"));
    const dir = join(root, "node_modules", ".cache", "rigkit", cacheDir as string);
    expect(buildsIn(dir).filter((n) => !n.startsWith(".tmp-"))).toHaveLength(1);
    expect(buildsIn(dir).filter((n) => n.startsWith(".tmp-"))).toEqual([]);
    rmSync(root, { recursive: true, force: true });
  });
});
