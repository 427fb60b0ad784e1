/**
 * A config in upstream rigkit 0.3's style: several workflows from one `workflow()` builder,
 * imports from "@rigkit/sdk", `.step()`, operation titles and `local.command`. It runs
 * unchanged on this rig (the test suite applies, creates, runs, removes and type-checks it).
 *
 *   rig plan --all                 both workflows
 *   rig create --workflow dev ws1  a workspace of "dev"
 *   rig run ws1 status --json      its status operation
 */
import { local } from "rigkit";
import { sequence, z, workflow, type WorkflowNodeOutput, type WorkflowProviderMap } from "@rigkit/sdk";

const app = workflow("demo");
const localProvider = local();

// A reusable node: not exported, so not a workflow of its own.
const toolchain = app
  .sequence("toolchain")
  .configure({ node: "22", packageManager: "npm" })
  .task("resolve-toolchain", { cacheTTL: "7d", version: "1" }, async ({ config, step }) => {
    step.metadata({ resolvedBy: "example" });
    return { ctx: { toolchain: { node: String(config.node), packageManager: String(config.packageManager) } } };
  });

type Toolchain = WorkflowNodeOutput<typeof toolchain>;

// Upstream's fragment typing: providers first, context second.
const checkout = sequence<WorkflowProviderMap, Toolchain>("checkout").step(
  "checkout",
  {
    output: z.object({ toolchain: z.object({ node: z.string(), packageManager: z.string() }), repoPath: z.string() }),
  },
  async ({ step }) => ({ ctx: { ...step.ctx, repoPath: "app" } }),
);

const docs = app.sequence<Toolchain & { repoPath: string }>("docs").task("build-docs", async ({ step }) => ({
  ctx: { ...step.ctx, docsPath: `${step.ctx.repoPath}/docs` },
}));

const cache = app.sequence<Toolchain & { repoPath: string }>("warm-cache").task("warm-cache", async ({ step }) => ({
  ctx: { ...step.ctx, cacheKey: `${step.ctx.toolchain.node}-${step.ctx.toolchain.packageManager}` },
}));

export const dev = app
  .sequence("dev")
  .addProvider("local", localProvider)
  .add(toolchain)
  .add(checkout)
  .parallel({ docs, cache })
  .task("join", async ({ step, providers }) => {
    const dir = providers.local.prepareDir("prepared", { fresh: true });
    return { ctx: { dir, docsPath: step.ctx.docs.docsPath, cacheKey: step.ctx.cache.cacheKey } };
  })
  .task("check", { cacheTTL: 0 }, async ({ step }) => {
    // A health check on every apply; `step.invalidate("join")` would rebuild from "join".
    if (!step.ctx.dir) return step.invalidate("join");
    return { ctx: step.ctx };
  })
  .workspace({
    create: async ({ workflow, workspace, providers }) => {
      const { dir } = await providers.local.createWorkspace({ from: providers.local.dirRef(workflow.ctx.dir) });
      return { dir, name: workspace.name, cacheKey: workflow.ctx.cacheKey };
    },
    remove: async ({ workspace, providers }) => {
      await providers.local.removeWorkspace(workspace.ctx.dir);
    },
  })
  .workspaceOperation("status", {
    title: "Status",
    description: "Return workspace details",
    run: async ({ workspace }) => ({ workspace: workspace.name, dir: workspace.ctx.dir, cacheKey: workspace.ctx.cacheKey }),
  })
  .workspaceOperation("dev", {
    title: "Start dev server",
    input: z.object({
      port: z.number().default(3000).describe("Port to use"),
      mode: z.enum(["local", "tunnel"]).default("local").describe("Dev mode"),
    }),
    run: async ({ input, workspace }) => ({ workspace: workspace.name, port: input.port, mode: input.mode }),
  })
  .workspaceOperation("host-echo", {
    title: "Echo on the host",
    input: z.object({ text: z.string() }),
    run: async ({ input, local, workspace }) => {
      const result = await local.command({ argv: ["echo", input.text], cwd: workspace.ctx.dir, mode: "capture", reason: "show the text" });
      return { ok: result.ok, stdout: result.stdout };
    },
  })
  .operation("list-toolchain", {
    title: "List toolchain",
    run: async ({ workflow }) => ({ cacheKey: workflow.ctx.cacheKey }),
  });

// A second workflow from the same builder.
export const ci = app
  .sequence("ci")
  .add(toolchain)
  .step("lint", async ({ step }) => ({ ctx: { ...step.ctx, lint: "ok" } }));
