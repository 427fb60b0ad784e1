/**
 * Type-level tests, checked by `tsc --noEmit` (test/types/typecheck.test.ts). Every
 * `@ts-expect-error` must meet an error, or tsc fails: reading context no upstream task
 * produced is a compile error.
 */
import { defineProvider, local, sequence, workflow, z } from "rigkit";

workflow("ok")
  .task("a", async () => ({ ctx: { dir: "/x" } }))
  .task("b", async ({ step }) => {
    const dir: string = step.ctx.dir;
    // @ts-expect-error: no upstream task produced `port`
    step.ctx.port;
    return { ctx: { ...step.ctx, port: 3000 } };
  })
  .task("c", async ({ step }) => {
    const port: number = step.ctx.port;
    // @ts-expect-error: `port` is a number
    const wrong: string = step.ctx.port;
  })
  // A task that returns nothing keeps the incoming context type.
  .task("d", async ({ step }) => {
    step.ctx.dir;
    step.ctx.port;
  });

workflow("first")
  .task("a", async ({ step }) => {
    // @ts-expect-error: the first task receives an empty context
    step.ctx.anything;
  });

// Parallel branches join under their names.
workflow("par")
  .task("base", async () => ({ ctx: { base: true } }))
  .parallel({
    db: (s) => s.task("migrate", async ({ step }) => ({ ctx: { migrated: step.ctx.base } })),
    web: sequence("web").task("bundle", async () => ({ ctx: { bundle: "app.js" } })),
  })
  .task("after", async ({ step }) => {
    const migrated: boolean = step.ctx.db.migrated;
    const bundle: string = step.ctx.web.bundle;
    // @ts-expect-error: the web branch produced no `migrated`
    step.ctx.web.migrated;
  });

// Providers are typed by name, and only in scope after addProvider.
workflow("prov")
  .task("before", async ({ providers }) => {
    // @ts-expect-error: no provider added yet
    providers.local;
  })
  .addProvider("local", local())
  .task("after", async ({ providers }) => {
    await providers.local.exec(["true"]);
  });

// Config is typed from .configure().
workflow("cfg")
  .configure({ repo: "." })
  .task("t", async ({ config }) => {
    const repo: string = config.repo;
    // @ts-expect-error: not configured
    config.missing;
  });

// Fragments declare what they expect; adding one where it is missing is an error.
const needsRepo = sequence<{ repo: string }>("needs-repo").task("use", async ({ step }) => ({ ctx: { len: step.ctx.repo.length } }));
workflow("frag-ok")
  .task("t", async () => ({ ctx: { repo: "x" } }))
  .add(needsRepo)
  .task("u", async ({ step }) => {
    const len: number = step.ctx.len;
  });
// @ts-expect-error: the chain has no `repo` for the fragment
workflow("frag-bad").task("t", async () => ({ ctx: { other: 1 } })).add(needsRepo);

// Workspace context flows from create into remove and operations; inputs are typed from zod.
workflow("ws")
  .task("t", async () => ({ ctx: { base: "/b" } }))
  .workspace({
    create: async ({ workflow }) => ({ dir: workflow.ctx.base }),
    remove: async ({ workspace }) => {
      const dir: string = workspace.ctx.dir;
    },
  })
  .workspaceOperation("test", {
    input: z.object({ filter: z.string().optional(), watch: z.boolean().default(false) }),
    run: async ({ input, workspace }) => {
      const dir: string = workspace.ctx.dir;
      const watch: boolean = input.watch;
      // @ts-expect-error: not an input
      input.nope;
      return { ok: true };
    },
  });

// defineProvider: config and runtime types flow to tasks.
const counter = defineProvider<{ start: number }, { next(): number }>({
  id: "counter",
  create: ({ config }) => {
    let n = config.start;
    return { runtime: () => ({ next: () => n++ }) };
  },
});
workflow("custom")
  .addProvider("counter", counter({ start: 1 }))
  .task("t", async ({ providers }) => ({ ctx: { n: providers.counter.next() } }));
// @ts-expect-error: start must be a number
counter({ start: "one" });
