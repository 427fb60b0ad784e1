/**
 * The `rig` entry point. `--version` answers from here with nothing else loaded; the
 * completion endpoint runs complete.ts and every other command run.ts, each from the
 * prebuilt bundle when there is a fresh one (what it is and how it is built: bundle.ts).
 *
 * The bundle is found here, not in a module of its own: every module of ours that loads
 * before the bundle costs about 1 ms, a tenth of a TAB press. bundle.ts gets what it
 * shares with this file as arguments, so it imports nothing of it.
 */

/** The package root (this file always runs from source, so import.meta.dir is true). */
export const ROOT = import.meta.dir.slice(0, -"/src/cli".length);
/** The list of files the newest build was made from, relative to ROOT. */
export const SOURCES_LIST = "sources";
/** The bundle's entries: the CLI (run.ts), and completion on its own (a TAB press needs none of the rest). */
export const ENTRIES = { run: "src/cli/run.ts", complete: "src/cli/complete.ts" } as const;
/** Which CLI this process runs, for `rig doctor`: the bundle's path when it is the bundle. */
const LOADED = Symbol.for("rigkit.cli.bundle");

export const debugBundle = (message: string) => process.env.RIGKIT_DEBUG === "1" && process.stderr.write(`rig: bundle: ${message}\n`);

/**
 * Where bundles may be kept: the package's own cache, then the user's. One directory per
 * package root, since checkouts may share a node_modules (a symlink, a workspace).
 */
export function cacheDirs(): string[] {
  const cache = process.env.XDG_CACHE_HOME || (process.env.HOME ? `${process.env.HOME}/.cache` : "");
  const name = `cli-${Bun.hash(ROOT).toString(36)}`;
  return [`${ROOT}/node_modules/.cache/rigkit/${name}`, ...(cache ? [`${cache}/rigkit/${name}`] : [])];
}

/**
 * The name of a build from these sources as they are now on disk (a missing one counts as
 * changed). Through Bun.file, not node:fs: `rig exec`, `ls` and completion never load
 * node:fs (~2.5 ms) otherwise.
 */
export function keyOf(sources: readonly string[]): string {
  let text = `${ROOT}\0${Bun.version}\0${Bun.revision}`;
  for (const path of sources) {
    const file = Bun.file(`${ROOT}/${path}`);
    text += `\0${path}\0${file.size}\0${file.lastModified}`;
  }
  return Bun.hash(text).toString(36);
}

/** The fresh build in `dir`, if there is one. */
async function freshIn(dir: string): Promise<string | null> {
  const list = Bun.file(`${dir}/${SOURCES_LIST}`);
  if (!(await list.exists())) return null;
  const sources = (await list.text()).split("\n").filter(Boolean);
  const build = `${dir}/${keyOf(sources)}`;
  return (await Bun.file(`${build}/run.js`).exists()) ? build : null;
}

/** A fresh build's directory: found, or (with `build`) built now; null to run from source. */
export async function bundleDir(build = true): Promise<string | null> {
  const dirs = cacheDirs();
  for (const dir of dirs) {
    const found = await freshIn(dir);
    if (found) return found;
  }
  if (!build) return null;
  const { buildInFirst } = await import("./bundle.ts");
  return buildInFirst(dirs, { ROOT, ENTRIES, SOURCES_LIST, keyOf, debug: debugBundle });
}

/**
 * An entry module, from the bundle when there is a fresh one, else from source. Only the
 * CLI builds a missing bundle; completion (a TAB press) never waits for a build.
 */
async function loadBundled<T>(entry: keyof typeof ENTRIES, source: () => Promise<T>): Promise<T> {
  if (process.env.RIGKIT_BUNDLE !== "0") {
    const dir = await bundleDir(entry === "run");
    if (dir) {
      const path = `${dir}/${entry}.js`;
      try {
        const loaded = require(path) as T;
        (globalThis as Record<symbol, unknown>)[LOADED] = path;
        return loaded;
      } catch (error) {
        debugBundle(`cannot load ${path}: ${(error as Error).message}`);
      }
    }
  }
  return source();
}

if (import.meta.main) {
  const argv = process.argv.slice(2);

  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
    // package.json straight away: a module of our own more costs ~1 ms, most of this command.
    console.log((require("../../package.json") as { version: string }).version);
    process.exit(0);
  }

  // npm's postinstall: build now unless a fresh build is there; never fails the install.
  if (argv[0] === "__build-bundle") {
    const built = (await bundleDir(false)) ?? (await bundleDir(true));
    console.log(built ? `rig: CLI bundle ready (${built})` : "rig: no CLI bundle (rig runs from source)");
    process.exit(0);
  }

  // The completion endpoint reads the state file only and must stay this light.
  if (argv[0] === "__complete") {
    const { runComplete } = await loadBundled("complete", () => import("./complete.ts"));
    await runComplete(argv.slice(1));
    process.exit(0);
  }

  const { run } = await loadBundled("run", () => import("./run.ts"));
  await run(argv);
}
