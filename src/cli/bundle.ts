/**
 * The prebuilt CLI. Run from source, every command parses and links some sixty modules
 * (~25 ms, more than half of a workspace action); the bundle is all of src/ in one
 * CommonJS file with Bun bytecode beside it, which Bun loads without parsing. The npm
 * dependencies stay outside it and load from node_modules on first use, as they do
 * from source.
 *
 * A stale bundle is never used. Each build lives in a directory named by a hash of the
 * package root, the Bun build, and the size and mtime of every file it was built from;
 * each start hashes those again (~0.3 ms) and uses the directory only when it matches.
 * A command that finds no match builds one first (about a second, once; `npm install`
 * does it in postinstall), in the package's node_modules/.cache or else the user's cache
 * directory, and runs from source when neither can be written or the build fails.
 * RIGKIT_BUNDLE=0 always runs from source (stack traces then point into src/).
 */
import type { BunPlugin } from "bun";

/** The package root (this file is always run from source, so import.meta.dir is true). */
const ROOT = import.meta.dir.slice(0, -"/src/cli".length);
/** What the bundle holds: the CLI (run.ts), and completion (complete.ts) on its own, since a TAB press needs none of the rest. */
const ENTRIES = { run: "src/cli/run.ts", complete: "src/cli/complete.ts" } as const;
type Entry = keyof typeof ENTRIES;
/** The list of files the newest build was made from, relative to ROOT. */
const LIST = "sources";
const fs = (): typeof import("node:fs") => require("node:fs") as typeof import("node:fs");
const debug = (message: string) => process.env.RIGKIT_DEBUG === "1" && process.stderr.write(`rig: bundle: ${message}\n`);

/**
 * Where bundles may be kept: the package's own cache, then the user's. One directory per
 * package root, since checkouts may share a node_modules (a symlink, a workspace).
 */
export function cacheDirs(): string[] {
  const cache = process.env.XDG_CACHE_HOME || (process.env.HOME ? `${process.env.HOME}/.cache` : "");
  const name = `cli-${Bun.hash(ROOT).toString(36)}`;
  return [`${ROOT}/node_modules/.cache/rigkit/${name}`, ...(cache ? [`${cache}/rigkit/${name}`] : [])];
}

/** Which CLI this process runs, for `rig doctor`: the bundle's path when it is the bundle. */
const LOADED = Symbol.for("rigkit.cli.bundle");

/**
 * The name of a build from these sources as they are now on disk (a missing one counts as
 * changed). Through Bun.file, not node:fs: `rig exec`, `ls` and `log` never load node:fs
 * (~2.5 ms) otherwise.
 */
export function keyOf(sources: readonly string[]): string {
  let text = `${ROOT}\0${Bun.version}\0${Bun.revision}`;
  for (const path of sources) {
    const file = Bun.file(`${ROOT}/${path}`);
    text += `\0${path}\0${file.size}\0${file.lastModified}`;
  }
  return Bun.hash(text).toString(36);
}

/** Every file a build depends on: all of src/ and package.json (the version is inlined). */
function listSources(): string[] {
  const files = [...new Bun.Glob("src/**").scanSync({ cwd: ROOT, dot: true })].sort();
  return [...files, "package.json"];
}

/** The fresh build in `dir`, if there is one. */
async function freshIn(dir: string): Promise<string | null> {
  const list = Bun.file(`${dir}/${LIST}`);
  if (!(await list.exists())) return null;
  const sources = (await list.text()).split("\n").filter(Boolean);
  const build = `${dir}/${keyOf(sources)}`;
  return (await Bun.file(`${build}/run.js`).exists()) ? build : null;
}

/**
 * npm packages stay outside the bundle, their imports resolved now to absolute paths so
 * the bundle finds them from whichever cache directory it is kept in.
 */
function externals(): BunPlugin {
  const pkg = JSON.parse(fs().readFileSync(`${ROOT}/package.json`, "utf8")) as { dependencies?: Record<string, string> };
  const names = Object.keys(pkg.dependencies ?? {}).map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
  const filter = new RegExp(`^(${names.join("|")})(/|$)`);
  return {
    name: "rigkit-externals",
    setup(build) {
      build.onResolve({ filter }, (args) => ({ path: Bun.resolveSync(args.path, ROOT), external: true }));
    },
  };
}

/** Builds the bundle into `dir`; the build's directory, or null when that failed. */
export async function buildBundle(dir: string): Promise<string | null> {
  const { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } = fs();
  const remove = (path: string) => {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // not there, or not ours to remove
    }
  };
  const sources = listSources();
  const key = keyOf(sources);
  const final = `${dir}/${key}`;
  const tmp = `${dir}/.tmp-${process.pid}-${Date.now()}`;
  const started = performance.now();
  try {
    mkdirSync(tmp, { recursive: true });
    const entrypoints = Object.values(ENTRIES).map((entry) => `${ROOT}/${entry}`);
    const result = await Bun.build({ entrypoints, outdir: tmp, root: `${ROOT}/src/cli`, target: "bun", format: "cjs", bytecode: true, naming: "[name].js", plugins: [externals()] });
    if (!result.success) throw new AggregateError(result.logs, "the build failed");
    try {
      renameSync(tmp, final);
    } catch {
      remove(tmp); // another rig built the same one first
    }
    writeFileSync(`${tmp}.list`, `${sources.join("\n")}\n`);
    renameSync(`${tmp}.list`, `${dir}/${LIST}`);
    debug(`built ${final} in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    debug(`cannot build in ${dir}: ${(error as Error).message}`);
    remove(tmp);
    return null;
  }
  // Older builds go once nothing can still be loading them.
  for (const name of readdirSync(dir)) {
    const path = `${dir}/${name}`;
    if (name !== key && name !== LIST && Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 60_000) remove(path);
  }
  return final;
}

/** A fresh build's directory: found, or (with `build`) built now; null to run from source. */
export async function bundleDir(build = true): Promise<string | null> {
  const dirs = cacheDirs();
  for (const dir of dirs) {
    const found = await freshIn(dir);
    if (found) return found;
  }
  if (!build) return null;
  for (const dir of dirs) {
    const built = await buildBundle(dir);
    if (built) return built;
  }
  return null;
}

/**
 * An entry module, from the bundle when there is a fresh one, else from source. Only the
 * CLI builds a missing bundle; completion (a TAB press) never waits for a build.
 */
export async function loadBundled<T>(entry: Entry, source: () => Promise<T>): Promise<T> {
  if (process.env.RIGKIT_BUNDLE !== "0") {
    const dir = await bundleDir(entry === "run");
    if (dir) {
      const path = `${dir}/${entry}.js`;
      try {
        const loaded = require(path) as T;
        (globalThis as Record<symbol, unknown>)[LOADED] = path;
        return loaded;
      } catch (error) {
        debug(`cannot load ${path}: ${(error as Error).message}`);
      }
    }
  }
  return source();
}

// `bun src/cli/bundle.ts`: build now (npm's postinstall); never fails the install.
if (import.meta.main) {
  const built = await bundleDir();
  console.log(built ? `rig: CLI bundle ready (${built})` : "rig: no CLI bundle (rig runs from source)");
}
