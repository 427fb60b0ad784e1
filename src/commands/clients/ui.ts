import type { CommandSpec } from "../spec.ts";

export const ui = {
  name: "ui",
  description: "open the dashboard in the browser (the running rig serve's, or one started until Ctrl-C)",
  summary: "the dashboard in the browser",
  options: [{ flags: "--port <n>", description: "the TCP port, when it starts the server (default: a free one)", completes: "none" }],
  examples: ["rig ui", "RIGKIT_NO_BROWSER=1 rig ui    # print the sign-in link instead"],
} as const satisfies CommandSpec;
