/** Projects and a running `rig serve` for the dashboard tests (test/e2e/dashboard*.test.ts). */
import { join } from "node:path";
import { RIG } from "../helpers.ts";

/**
 * Local project: a parallel block, a task that streams slowly (its key follows input.txt)
 * and fails when input.txt says "fail", a workspace operation with inputs.
 */
export const DASHBOARD_CONFIG = `
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { workflow, local, z } from "rigkit";

export default workflow("app")
  .addProvider("local", local())
  .task("tools", async ({ providers }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    console.log("tools ready");
    return { ctx: { base: providers.local.dirRef(dir) } };
  })
  .parallel({
    lint: (s) => s.task("eslint", async () => {}),
    deps: (s) => s.task("install", async ({ step }) => { console.log("installed 3 packages"); }),
  })
  .task("build", { inputs: ["input.txt"] }, async ({ step }) => {
    const text = readFileSync(join(import.meta.dir, "input.txt"), "utf8").trim();
    for (let i = 1; i <= 6; i++) {
      console.log("tick " + i + " of " + text);
      await new Promise((r) => setTimeout(r, Number(process.env.TICK_MS ?? 250)));
    }
    if (text === "fail") { console.log("about to fail: bad input"); throw new Error("the build failed on purpose"); }
    return { ctx: { ...step.ctx, built: text } };
  })
  .workspace({
    create: async ({ workflow, providers }) => {
      const { dir } = await providers.local.createWorkspace({ from: workflow.ctx.base });
      return { dir };
    },
    remove: async ({ workspace, providers }) => providers.local.removeWorkspace(workspace.ctx.dir),
  })
  .workspaceOperation("greet", {
    description: "Say hello",
    input: z.object({ who: z.string(), loud: z.boolean().default(false) }),
    run: async ({ input }) => ({ said: (input.loud ? "HELLO " : "hello ") + input.who }),
  });
`;

export interface Served {
  url: string;
  token: string;
  stop(): Promise<void>;
}

/** Starts `bin/rig serve --port 0 --json` in `cwd` and resolves with its URL and token. */
export async function serve(cwd: string, env: Record<string, string> = {}): Promise<Served> {
  const proc = Bun.spawn([RIG, "serve", "--port", "0", "--json"], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", RIGKIT_HOME: join(cwd, ".rigkit-home"), ...env } as Record<string, string>,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stdout.getReader();
  let seen = "";
  while (!seen.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`rig serve ended: ${seen}${await new Response(proc.stderr).text()}`);
    seen += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const info = JSON.parse(seen) as { url: string; tokenFile: string };
  const token = (await Bun.file(info.tokenFile).text()).trim();
  return {
    url: info.url,
    token,
    async stop() {
      proc.kill("SIGINT");
      await proc.exited;
    },
  };
}
