/**
 * Editor and `tsc` support for configs outside this package: `.rigkit/sdk` links to the
 * running rigkit, and the tsconfig.json `rig init` writes maps "rigkit" through it. rig
 * refreshes the link whenever it loads a config, so it follows upgrades and moves.
 */
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** The root of the rigkit package that is running. */
export const RIGKIT_ROOT = resolve(import.meta.dir, "..", "..");

export function ensureSdkLink(stateDir: string): void {
  const link = join(stateDir, "sdk");
  let current: string | null = null;
  try {
    current = readlinkSync(link);
  } catch {
    // missing (or not a link): made below
  }
  if (current === RIGKIT_ROOT) return;
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    rmSync(link, { force: true, recursive: false });
    symlinkSync(RIGKIT_ROOT, link);
  } catch {
    // A read-only checkout or an odd filesystem: types are a convenience, never a failure.
  }
}

/** The tsconfig.json `rig init` writes next to a new config (only when there is none). */
export const PROJECT_TSCONFIG = {
  compilerOptions: {
    target: "ESNext",
    module: "Preserve",
    moduleResolution: "bundler",
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    types: ["bun"],
    typeRoots: ["./.rigkit/sdk/node_modules/@types"],
    paths: { rigkit: ["./.rigkit/sdk/src/index.ts"], "@rigkit/sdk": ["./.rigkit/sdk/src/index.ts"] },
  },
  include: ["rigkit.config.ts", "rigkit"],
};

/** What `rig init` did to tsconfig.json; `manual` holds the lines to add by hand. */
export type TsconfigResult = { action: "written" | "merged" | "unchanged" } | { action: "manual"; lines: string };

/**
 * Writes tsconfig.json, or merges the "rigkit" and "@rigkit/sdk" path mappings into an existing
 * one (paths relative to its `baseUrl` when it has one). A file that is not plain JSON
 * (comments, trailing commas) is left alone: rewriting it would lose them.
 */
export function ensureTsconfig(file: string): TsconfigResult {
  if (!existsSync(file)) {
    writeFileSync(file, `${JSON.stringify(PROJECT_TSCONFIG, null, 2)}\n`);
    return { action: "written" };
  }
  const text = readFileSync(file, "utf8");
  let config: { compilerOptions?: { baseUrl?: string; paths?: Record<string, string[]> } } | null = null;
  try {
    config = JSON.parse(text);
  } catch {
    // not plain JSON: below
  }
  const baseUrl = typeof config?.compilerOptions?.baseUrl === "string" ? config.compilerOptions.baseUrl : ".";
  const target = `./${relative(resolve(dirname(file), baseUrl), join(dirname(file), ".rigkit/sdk/src/index.ts"))}`.replace(/^\.\/\.\.\//, "../");
  const wanted = { rigkit: [target], "@rigkit/sdk": [target] };
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    return { action: "manual", lines: `"compilerOptions": { "paths": ${JSON.stringify(wanted)} }` };
  }
  const options = (config.compilerOptions ??= {});
  const paths = (options.paths ??= {});
  if (Object.entries(wanted).every(([k, v]) => JSON.stringify(paths[k]) === JSON.stringify(v))) return { action: "unchanged" };
  Object.assign(paths, wanted);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return { action: "merged" };
}
