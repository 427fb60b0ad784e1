import type { CommandSpec } from "../spec.ts";

export const mcp = {
  name: "mcp",
  description: "a Model Context Protocol server on stdio, for coding agents",
  summary: "MCP server for coding agents",
  examples: ["rig mcp", "claude mcp add rig -- rig mcp --chdir /path/to/project"],
  // `rig ws1/serve` is the project's own: configs with a `serve` action keep loading.
  workspaceOperationMayShadow: true,
} as const satisfies CommandSpec;
