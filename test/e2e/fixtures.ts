/** Config files used by the end-to-end tests. */

/** A small but complete project on the local provider. */
export const APP_CONFIG = `
import { workflow, local, z } from "rigkit";

export default workflow("app")
  .addProvider("local", local())
  .configure({ greeting: "hello" })
  .task("tools", async ({ step }) => ({ ctx: { tools: true } }))
  .task("base", async ({ step, providers }) => {
    const dir = providers.local.prepareDir("base", { fresh: true });
    await providers.local.exec(["sh", "-c", "echo prepared > marker.txt"], { cwd: dir });
    console.log("base prepared");
    return { ctx: { ...step.ctx, base: providers.local.dirRef(dir) } };
  })
  .workspace({
    create: async ({ workflow, providers }) => {
      const { dir } = await providers.local.createWorkspace({ from: workflow.ctx.base });
      return { dir };
    },
    remove: async ({ workspace, providers }) => {
      await providers.local.removeWorkspace(workspace.ctx.dir);
    },
  })
  .workspaceOperation("cat", {
    description: "Print the marker file",
    run: async ({ workspace, providers }) => {
      const out = await providers.local.exec(["cat", "marker.txt"], { cwd: workspace.ctx.dir });
      return { marker: out.stdout };
    },
  })
  .workspaceOperation("test", {
    description: "Pretend to run tests",
    input: z.object({
      filter: z.string().describe("only tests matching this"),
      retries: z.number().default(0),
      watch: z.boolean().default(false),
      level: z.enum(["unit", "e2e"]).default("unit"),
      dryRun: z.boolean().optional(),
    }),
    run: async ({ input, workspace }) => ({ input, workspace: workspace.name }),
  })
  .workspaceOperation("nothing", { run: async () => {} })
  .workspaceOperation("explode", { run: async () => { throw new Error("kaboom"); } })
  .operation("hello", {
    description: "Say hello",
    input: z.object({ name: z.string().default("world") }),
    run: async ({ input, workflow }) => ({ message: \`\${workflow.config.greeting} \${input.name}\` }),
  });
`;

/** Two workflows, each with workspaces, to exercise --workflow selection. */
export const TWO_WORKFLOWS = `
import { workflow, sequence } from "rigkit";

const make = (name: string) =>
  workflow(name)
    .task("t", async () => ({ ctx: { from: name } }))
    .workspace({ create: async ({ workspace }) => ({ made: workspace.name }), remove: async () => {} })
    .workspaceOperation("where", { run: async ({ workflow }) => workflow.name })
    .operation("shared", { run: async ({ workflow }) => workflow.name });

export const a = make("a");
export const b = make("b");
export const helper = sequence("not-a-workflow");
export default [a, b, a];
`;

/** A Docker workflow whose workspaces are containers of an empty build; `more` chains further calls. */
export const dockerWorkspaceConfig = (more = "") => `import { workflow, docker, env } from "rigkit";
export default workflow("d")
  .addProvider("docker", docker({ host: env("RIGKIT_TEST_DOCKER_HOST"), network: "none" }))
  .task("image", async ({ providers }) => ({ ctx: { image: await providers.docker.build({ from: process.env.RIGKIT_TEST_DOCKER_IMAGE! }, async () => {}) } }))
  .workspace({
    create: async ({ workflow, providers }) => providers.docker.createWorkspace({ image: workflow.ctx.image }),
    remove: async ({ workspace, providers }) => providers.docker.removeWorkspace(workspace.ctx.container),
  })${more};
`;
