/**
 * Environment errors (README "Scripting", issue 10): a full disk is one clear line without a stack,
 * and `rig run` with an invalid workspace name is a usage error naming the rule.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { project, rig, tempDir } from "../helpers.ts";

const mounts: string[] = [];
afterAll(() => {
  for (const dir of mounts) {
    execFileSync("umount", [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a disk that fills up during apply is one clear line, no stack, exit 1", async () => {
  // A real full file system: a 600 KB tmpfs (needs root, as in the test container; fails loudly otherwise).
  const dir = mkdtempSync(join(tmpdir(), "rigkit-full-disk-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=600k", "tmpfs", dir]);
  mounts.push(dir);
  writeFileSync(
    join(dir, "rigkit.config.ts"),
    `import { workflow } from "rigkit";
import { writeFileSync } from "node:fs";
export default workflow("d").task("fill", { cacheTTL: 0 }, async () => {
  try { writeFileSync("filler", Buffer.alloc(2_000_000)); } catch {}
  return { ctx: { big: "y".repeat(200_000) } };
});`,
  );
  for (const json of [false, true]) {
    const r = await rig(["apply", ...(json ? ["--json"] : [])], { cwd: dir, env: { RIGKIT_HOME: join(tempDir(), "home") } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain("SQLiteError");
    if (json) {
      expect(r.stdout).toBe("");
      expect(r.error().code).toBe("STATE_ERROR");
      expect(r.error().message).toContain("No space left on the device");
    } else {
      expect(r.stderr).toContain("error No space left on the device");
    }
  }
}, 30_000);

test("rig run with an invalid workspace name is exit 2 naming the rule", async () => {
  const dir = project({
    "rigkit.config.ts": `import { workflow } from "rigkit";
export default workflow("w").task("t", async () => {}).workspace({ create: async () => ({}) })
  .workspaceOperation("info", { run: async () => 1 });`,
  });
  for (const args of [["run", "../x", "info"], ["run", "a/b", "info"], ["a@b/info"]]) {
    const r = await rig([...args, "--json"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.error().code).toBe("INVALID_NAME");
    expect(r.error().message).toContain("use letters, digits");
  }
});

test("--json errors name the task and the provider involved, with detail (a killed command's signal and stderr tail)", async () => {
  const dir = project({
    "rigkit.config.ts": `import { workflow, local } from "rigkit";
export default workflow("w").addProvider("local", local())
  .task("t", async ({ providers }) => { await providers.local.exec(["sh", "-c", "echo last words >&2; kill -9 $$"]); });`,
  });
  const r = await rig(["apply", "--json"], { cwd: dir });
  expect(r.exitCode).toBe(1);
  expect(r.stdout).toBe("");
  const error = r.error() as { code: string; message: string; detail: string[]; task: string; provider: string };
  expect(error).toMatchObject({ code: "TASK_FAILED", task: "w/t", provider: "local" });
  expect(error.message).toContain("killed by SIGKILL");
  expect(error.detail).toContain("last words");
});

test("process.exit() called by a task fails the task instead of a silent success", async () => {
  const dir = project({
    "rigkit.config.ts": `import { workflow } from "rigkit";
export default workflow("x").task("t", async () => { process.exit(0); });`,
  });
  const r = await rig(["apply", "--json"], { cwd: dir });
  expect(r.exitCode).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.error()).toMatchObject({ code: "TASK_FAILED", task: "x/t" });
  expect(r.error().message).toContain("process.exit(0)");
});
