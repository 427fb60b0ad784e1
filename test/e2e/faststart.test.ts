/**
 * Fast start: commands that need no config open neither the config nor zod, clack,
 * execa or provider code, and every command but `--version` runs the prebuilt bundle
 * (src/cli/bundle.ts) unless RIGKIT_BUNDLE=0: completion its own small part of it. Proven with strace: the
 * files the process actually opens.
 * (`rig ls` asks the providers for live status, so only `ls --cached` is here.)
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RIG, project, rig, tempDir } from "../helpers.ts";
import { requireTool } from "../services.ts";
import { APP_CONFIG } from "./fixtures.ts";

const hasStrace = requireTool("strace", "fast-start tests");

const HEAVY = [/node_modules\/zod\//, /node_modules\/@clack\//, /node_modules\/execa\//, /\/src\/providers\//, /\/src\/index\.ts/, /rigkit\.config\.ts/];

describe.if(hasStrace)("commands that need no config stay light", () => {
  const dir = project({ "rigkit.config.ts": APP_CONFIG });

  test("setup: a project with state and a workspace", async () => {
    expect((await rig(["create", "ws1"], { cwd: dir })).exitCode).toBe(0);
  });

  // Plain `rig ls` asks the providers for live status, so it loads the config; `--cached` does not.
  const commands = [["--version"], ["help"], ["completion", "bash"], ["__complete", "--", "ws1/"], ["ls", "--json", "--cached"], ["ls", "--cached"], ["log", "--json"], ["version"]];
  // `--version` answers in main.ts; completion runs the bundle's complete.js and everything
  // else its run.js, or src/ with RIGKIT_BUNDLE=0.
  const entry = (argv: string[]) => (argv[0] === "--version" ? null : argv[0] === "__complete" ? "complete" : "run");
  for (const bundle of [true, false]) {
    for (const argv of commands) {
      test(`rig ${argv.join(" ")}${bundle ? "" : " (RIGKIT_BUNDLE=0)"}`, () => {
        const trace = join(tempDir(), "trace");
        const result = Bun.spawnSync(["strace", "-f", "-qq", "-e", "trace=openat,open", "-o", trace, RIG, ...argv], {
          cwd: dir,
          env: { ...process.env, NO_COLOR: "1", RIGKIT_BUNDLE: bundle ? "1" : "0" },
          stdout: "pipe",
          stderr: "pipe",
        });
        expect(result.exitCode).toBe(0);
        const opened = readFileSync(trace, "utf8")
          .split("\n")
          .filter((l) => !l.includes("ENOENT"))
          .map((l) => /"([^"]+)"/.exec(l)?.[1] ?? "");
        expect(opened.some((p) => p.endsWith("src/cli/main.ts"))).toBe(true); // the trace saw rig at all
        const runs = entry(argv);
        for (const name of ["run", "complete"]) {
          expect(opened.some((p) => p.endsWith(`/${name}.js`))).toBe(bundle && runs === name);
          expect(opened.some((p) => p.endsWith(`src/cli/${name}.ts`))).toBe(!bundle && runs === name);
        }
        for (const heavy of HEAVY) expect(opened.filter((p) => heavy.test(p))).toEqual([]);
      });
    }
  }
});
