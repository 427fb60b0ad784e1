import { manyOptions, workflowOption } from "../shared.ts";
import type { CommandSpec } from "../spec.ts";

export const run = {
  name: "run",
  description: "run a workspace operation: rig run <workspace> <operation> [flags]",
  summary: "run a workspace operation",
  args: [
    { name: "<workspace>", description: "the workspace (or --all / -w a,b, then only the operation)", completes: "workspace" },
    { name: "[operation]", completes: "operation" },
  ],
  options: [
    workflowOption(),
    ...manyOptions("run it on every workspace whose workflow has it, concurrently", "run it on these workspaces (comma-separated), concurrently"),
  ],
  examples: [
    "rig run ws1 test --filter unit",
    "rig run --all test                   # on every workspace at once; exits with the worst code",
    "rig run -w ws1,ws2 test --filter unit",
  ],
  passThrough: true,
} as const satisfies CommandSpec;
