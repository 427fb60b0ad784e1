import type { CommandSpec } from "../spec.ts";

export const serve = {
  name: "serve",
  description: "serve the project's HTTP API (and dashboard) on 127.0.0.1 or a unix socket until Ctrl-C",
  summary: "the HTTP API and dashboard",
  options: [
    { flags: "--port <n>", description: "the TCP port on 127.0.0.1 (default: a free one)", completes: "none" },
    { flags: "--socket <path>", description: "listen on a unix socket instead", completes: "files" },
    { flags: "--dashboard-url", description: "also print the dashboard's sign-in URL (it carries the token: keep it out of logs)" },
  ],
  examples: ["rig serve", "rig serve --port 7070", "rig serve --socket /tmp/rig.sock", 'curl -H "Authorization: Bearer $(cat .rigkit/serve.token)" http://127.0.0.1:7070/workspaces'],
  // `rig ws1/serve` is the project's own: configs with a `serve` action keep loading.
  workspaceOperationMayShadow: true,
} as const satisfies CommandSpec;
