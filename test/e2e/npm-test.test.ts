/**
 * `npm test` (scripts/test.sh) on a machine without the services: it names what is
 * missing and fails, or skips only when RIGKIT_TEST_SKIP_SERVICES=1 says so. Run as an
 * unprivileged user (nobody) when possible, so it can neither install nor start anything
 * and never touches the services running for everyone.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO, tempDir } from "../helpers.ts";

const SCRIPT = join(REPO, "scripts", "test.sh");
const asRoot = process.getuid?.() === 0;

function npmTest(env: Record<string, string>, args: string[]) {
  const home = tempDir();
  Bun.spawnSync(["chmod", "755", home]);
  const base = { PATH: process.env.PATH ?? "", HOME: home, RIGKIT_TEST_SERVICES: join(home, "no-services.env"), ...env };
  const argv = asRoot
    ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", ...Object.entries(base).map(([k, v]) => `${k}=${v}`), "bash", SCRIPT, ...args]
    : ["env", "-i", ...Object.entries(base).map(([k, v]) => `${k}=${v}`), "bash", SCRIPT, ...args];
  const r = Bun.spawnSync(argv, { cwd: home, stdout: "pipe", stderr: "pipe" });
  return { exitCode: r.exitCode, out: `${r.stdout}${r.stderr}` };
}

describe("npm test without the services", () => {
  test("fails, naming what is missing and how to skip", () => {
    const r = npmTest({}, ["test/unit/names.test.ts"]);
    expect(r.exitCode).toBe(1);
    expect(r.out).toContain("test services are not running");
    expect(r.out).toContain("RIGKIT_TEST_SKIP_SERVICES=1 npm test");
    expect(r.out).not.toContain(" pass");
  });

  test("RIGKIT_TEST_SKIP_SERVICES=1 runs the tests and says what it skips", () => {
    const r = npmTest({ RIGKIT_TEST_SKIP_SERVICES: "1" }, ["test/unit/names.test.ts"]);
    expect(r.out).toContain("RIGKIT_TEST_SKIP_SERVICES=1: tests needing Docker, sshd, shells, tmux or strace are SKIPPED");
    expect(r.out).toMatch(/\d+ pass/);
    expect(r.exitCode).toBe(0);
  });
});
