/**
 * env.secret values never reach the state file (WAL included), logs, log files, --json
 * output or error messages: not when a task prints them, throws with them, or tries to
 * return them.
 */
import { expect, test } from "bun:test";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { project, rig } from "../helpers.ts";

const SECRET = "hunter2-the-secret-value-5f3a";

const config = (task: string) => `import { workflow, defineProvider, env } from "rigkit";
const vault = defineProvider<{ token: unknown }, { token: string }>({
  id: "vault",
  create: ({ config }) => ({ runtime: () => ({ token: String(config.token) }) }),
});
export default workflow("s")
  .addProvider("vault", vault({ token: env.secret("VAULT_TOKEN") }))
  .task("t", async ({ providers }) => { ${task} })
  .operation("leak", { run: async ({ providers }) => ({ token: providers.vault.token }) });`;

/** Every file rig wrote in the project, as bytes. */
function everything(dir: string): Buffer[] {
  const out: Buffer[] = [];
  const walk = (p: string) => {
    for (const entry of readdirSync(p)) {
      const full = join(p, entry);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (stat?.isDirectory() && entry !== "sdk") walk(full);
      else if (stat?.isFile()) out.push(readFileSync(full));
    }
  };
  walk(join(dir, ".rigkit"));
  return out;
}

const cases: [string, string, number][] = [
  ["printing it", `console.log("token:", providers.vault.token); return { ctx: { ok: true } };`, 0],
  ["throwing with it", `console.error("about to fail with", providers.vault.token); throw new Error("bad token " + providers.vault.token);`, 1],
  ["returning it", `return { ctx: { token: providers.vault.token } };`, 1],
];

for (const [name, task, code] of cases) {
  test(`a task ${name}`, async () => {
    const dir = project({ "rigkit.config.ts": config(task) });
    const env = { VAULT_TOKEN: SECRET };
    for (const json of [false, true]) {
      const r = await rig(["apply", ...(json ? ["--json"] : [])], { cwd: dir, env });
      expect(r.exitCode).toBe(code);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      if (code === 0 && !json) expect(r.stderr).toContain("[secret]"); // the first run prints it, masked
    }
    for (const file of everything(dir)) expect(file.includes(Buffer.from(SECRET))).toBe(false);
  });
}

test("an operation returning it fails instead of printing it", async () => {
  const dir = project({ "rigkit.config.ts": config("return undefined;") });
  const r = await rig(["leak", "--json"], { cwd: dir, env: { VAULT_TOKEN: SECRET } });
  expect(r.exitCode).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.error().message).toContain("contains the value of a secret");
  expect(r.stderr).not.toContain(SECRET);
  for (const file of everything(dir)) expect(file.includes(Buffer.from(SECRET))).toBe(false);
});

test("a missing secret is named, never guessed", async () => {
  const dir = project({ "rigkit.config.ts": config("return undefined;") });
  const r = await rig(["apply", "--json"], { cwd: dir });
  expect(r.exitCode).toBe(1);
  expect(r.error().message).toContain("secret VAULT_TOKEN is not set");
});

test("a secret never shows in checks messages, plan, doctor (text and --json) or RIGKIT_DEBUG=1 traces", async () => {
  const dir = project({
    "rigkit.config.ts": `import { workflow, defineProvider, env } from "rigkit";
const vault = defineProvider<{ token: unknown; host: unknown }, { token: string }>({
  id: "vault",
  create: ({ config }) => ({
    runtime: () => ({ token: String(config.token) }),
    checks: async () => [{ name: "login " + String(config.host), ok: false, message: "token " + String(config.token) + " rejected by " + String(config.host) }],
  }),
});
export default workflow("s")
  .addProvider("vault", vault({ token: env.secret("VAULT_TOKEN"), host: env.secret("VAULT_HOST") }))
  .task("t", async ({ providers }) => { throw new Error("bad token " + providers.vault.token); });`,
  });
  const env = { VAULT_TOKEN: SECRET, VAULT_HOST: "unix:///secret-host.sock", RIGKIT_DEBUG: "1" };
  const outputs: string[] = [];
  for (const args of [["plan"], ["plan", "--json"], ["doctor"], ["doctor", "--json"], ["apply"], ["apply", "--json"]]) {
    const r = await rig(args, { cwd: dir, env });
    outputs.push(r.stdout, r.stderr);
    expect(r.stdout + r.stderr).toContain("[secret]");
  }
  for (const text of outputs) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("secret-host.sock");
  }
  for (const file of everything(dir)) {
    expect(file.includes(SECRET)).toBe(false);
    expect(file.includes("secret-host.sock")).toBe(false);
  }
}, 60_000);
