/**
 * Output of several workspaces at once (`rig exec --all`, `rig run -w a,b test`): each
 * line prefixed with its workspace's name, padded to a common width, coloured on a
 * terminal and plain otherwise. stdout lines of a command stay on stdout, except with
 * --json, where stdout holds the one document and everything live goes to stderr.
 */
import { terminal } from "../host/terminal.ts";
import { type Colors, err, out } from "./ui.ts";

const PALETTE = ["cyan", "magenta", "yellow", "blue", "green"] as const;

/** A workspace as the many-workspace events name it. */
export interface Named {
  workflow: string;
  name: string;
}

export interface Prefixed {
  label(row: Named): string;
  line(row: Named, stream: "stdout" | "stderr", text: string): void;
}

/** A writer for these workspaces; a name two workflows share is shown as `name (workflow)`. */
export function prefixed(rows: readonly Named[]): Prefixed {
  const shared = new Set(rows.filter((r, i) => rows.findIndex((o) => o.name === r.name) !== i).map((r) => r.name));
  const label = (row: Named) => (shared.has(row.name) ? `${row.name} (${row.workflow})` : row.name);
  const width = Math.max(...rows.map((r) => label(r).length));
  const index = (row: Named) => Math.max(0, rows.findIndex((r) => r.workflow === row.workflow && r.name === row.name));
  const colour = (row: Named, colors: Colors) => colors[PALETTE[index(row) % PALETTE.length] as (typeof PALETTE)[number]];
  return {
    label,
    line(row, stream, text) {
      const toOut = stream === "stdout" && !terminal.json;
      const target = toOut ? out : err;
      const colors = target.colors;
      target.line(`${colour(row, colors)(label(row).padEnd(width))} ${colors.dim("|")} ${text}`);
    },
  };
}
