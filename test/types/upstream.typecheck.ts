/**
 * Upstream rigkit 0.3's typed documentation patterns (written here in our own words, no
 * vendor providers), checked by tsc: builders from `workflow()`, `sequence<Providers,
 * Context>`, `WorkflowNodeOutput`, `.step`, titles, `local.command`.
 */
import { sequence, workflow, z, type WorkflowNodeOutput, type WorkflowProviderMap } from "@rigkit/sdk";

const app = workflow("site");

// A context contract between builder nodes: `repo` needs `image`.
const base = app.sequence("base").task("install-tools", async () => ({ ctx: { image: "img_1" } }));
const repo = app.sequence<{ image: string }>("repo").step("clone", async ({ step }) => ({ ctx: { ...step.ctx, path: "/w" } }));
export const site = app.sequence("site").add(base).add(repo);
// @ts-expect-error: `repo` cannot come before a node that produces `image`
app.sequence("broken").add(repo);

// A fragment factory typed upstream's way.
export const toolchain = sequence("toolchain")
  .configure({ node: "22", pm: "pnpm" })
  .task("resolve", async ({ config }) => ({ ctx: { toolchain: { node: String(config.node), pm: String(config.pm) } } }));
type Toolchain = WorkflowNodeOutput<typeof toolchain>;
type MyProviders = WorkflowProviderMap & { extra?: unknown };

export function service(id: string) {
  const setup = sequence<WorkflowProviderMap, Toolchain>(`${id}-setup`)
    .configure({ dir: `services/${id}` })
    .task("install", async ({ config, step }) => {
      const node: string = step.ctx.toolchain.node;
      // @ts-expect-error: not in the context
      step.ctx.nothing;
      return { ctx: { ...step.ctx, service: { id, dir: String(config.dir), node } } };
    });
  const check = sequence<MyProviders, WorkflowNodeOutput<typeof setup>>(`${id}-check`)
    .local()
    .task("check", { cacheTTL: 0 }, async ({ step }) => {
      if (!step.ctx.service.id) return step.invalidate("install");
      return { ctx: step.ctx };
    });
  return sequence(id).add(toolchain.global()).add(setup).add(check);
}

export const api = service("api")
  .workspace({
    create: async ({ workflow, workspace }) => ({ name: workspace.name, dir: workflow.ctx.service.dir }),
    remove: async ({ workspace }) => {
      const dir: string = workspace.ctx.dir;
      void dir;
    },
  })
  .workspaceOperation("status", {
    title: "Status",
    description: "Where it is",
    run: async ({ workspace }) => ({ dir: workspace.ctx.dir }),
  })
  .workspaceOperation("dev", {
    title: "Start dev server",
    input: z.object({ port: z.number().default(3000).describe("Port"), mode: z.enum(["local", "tunnel"]).default("local") }),
    run: async ({ input, local }) => {
      const port: number = input.port;
      const r = await local.command({ argv: ["echo", String(port), input.mode], mode: "capture", reason: "show the port" });
      const ok: boolean = r.ok;
      return { ok, out: r.stdout };
    },
  })
  .operation("list", { title: "List", run: async ({ workflow }) => ({ node: workflow.ctx.toolchain.node }) });
