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
 * Finding a fresh build is main.ts's part; building one is this file's, with what main.ts
 * hands it (so this file imports nothing of main.ts, which loads it: no import cycle).
 * npm's postinstall builds through main.ts too: `bun src/cli/main.ts __build-bundle`.
 */
import type { BunPlugin } from "bun";

/** What main.ts shares with the build: where the package is, its entries, how a build is named. */
export interface BundleLayout {
  ROOT: string;
  ENTRIES: Readonly<Record<string, string>>;
  SOURCES_LIST: string;
  keyOf(sources: readonly string[]): string;
  debug(message: string): void;
}

const fs = (): typeof import("node:fs") => require("node:fs") as typeof import("node:fs");

/** Every file a build depends on: all of src/ and package.json (the version is inlined). */
function listSources({ ROOT }: BundleLayout): string[] {
  const files = [...new Bun.Glob("src/**").scanSync({ cwd: ROOT, dot: true })].sort();
  return [...files, "package.json"];
}

/**
 * npm packages stay outside the bundle, their imports resolved now to absolute paths so
 * the bundle finds them from whichever cache directory it is kept in.
 */
function externals({ ROOT }: BundleLayout): BunPlugin {
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
export async function buildBundle(dir: string, layout: BundleLayout): Promise<string | null> {
  const { ROOT, ENTRIES, SOURCES_LIST, keyOf, debug } = layout;
  const { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } = fs();
  const remove = (path: string) => {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // not there, or not ours to remove
    }
  };
  const sources = listSources(layout);
  const key = keyOf(sources);
  const final = `${dir}/${key}`;
  const tmp = `${dir}/.tmp-${process.pid}-${Date.now()}`;
  const started = performance.now();
  try {
    mkdirSync(tmp, { recursive: true });
    const entrypoints = Object.values(ENTRIES).map((entry) => `${ROOT}/${entry}`);
    const result = await Bun.build({ entrypoints, outdir: tmp, root: `${ROOT}/src/cli`, target: "bun", format: "cjs", bytecode: true, naming: "[name].js", plugins: [externals(layout)] });
    if (!result.success) throw new AggregateError(result.logs, "the build failed");
    try {
      renameSync(tmp, final);
    } catch {
      remove(tmp); // another rig built the same one first
    }
    writeFileSync(`${tmp}.list`, `${sources.join("\n")}\n`);
    renameSync(`${tmp}.list`, `${dir}/${SOURCES_LIST}`);
    debug(`built ${final} in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    debug(`cannot build in ${dir}: ${(error as Error).message}`);
    remove(tmp);
    return null;
  }
  // Older builds go once nothing can still be loading them.
  for (const name of readdirSync(dir)) {
    const path = `${dir}/${name}`;
    if (name !== key && name !== SOURCES_LIST && Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 60_000) remove(path);
  }
  return final;
}

/** Builds in the first of `dirs` that can take it; null when none can. */
export async function buildInFirst(dirs: readonly string[], layout: BundleLayout): Promise<string | null> {
  for (const dir of dirs) {
    const built = await buildBundle(dir, layout);
    if (built) return built;
  }
  return null;
}
