/** Runs tsc over the project: type-level tests (test/types/*.typecheck.ts) and every source file. */
import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, tempDir } from "../helpers.ts";

const TSC = join(REPO, "node_modules", ".bin", "tsc");

const tsc = (...args: string[]) => Bun.spawnSync([TSC, "--noEmit", ...args], { cwd: REPO, stdout: "pipe", stderr: "pipe" });

test("the project, its templates and the type-level tests type-check", () => {
  const result = tsc("-p", REPO);
  expect(result.stdout.toString() + result.stderr.toString()).toBe("");
  expect(result.exitCode).toBe(0);
}, 120_000);

test("control: reading a context key no upstream task produced fails to compile", () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, "bad.ts"),
    `import { workflow } from "rigkit";\nworkflow("w").task("a", async () => ({ ctx: { x: 1 } })).task("b", async ({ step }) => { step.ctx.y; });\n`,
  );
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ extends: join(REPO, "tsconfig.json"), compilerOptions: { paths: { rigkit: [join(REPO, "src/index.ts")] }, typeRoots: [join(REPO, "node_modules", "@types")] }, include: ["bad.ts"] }),
  );
  const result = tsc("-p", join(dir, "tsconfig.json"));
  expect(result.exitCode).not.toBe(0);
  expect(result.stdout.toString()).toContain("Property 'y' does not exist");
}, 120_000);

test("the README's config example type-checks", () => {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toContain('from "rigkit"');
  const dir = tempDir();
  writeFileSync(join(dir, "rigkit.config.ts"), example as string);
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: join(REPO, "tsconfig.json"),
      compilerOptions: { paths: { rigkit: [join(REPO, "src/index.ts")] }, typeRoots: [join(REPO, "node_modules", "@types")] },
      include: ["rigkit.config.ts"],
    }),
  );
  const result = tsc("-p", join(dir, "tsconfig.json"));
  expect(result.stdout.toString()).toBe("");
  expect(result.exitCode).toBe(0);
}, 120_000);
