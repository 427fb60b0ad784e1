/**
 * Live progress of an apply on stderr, one line per event. On a TTY the lines carry
 * symbols and colour; otherwise (or with NO_COLOR / RIGKIT_RENDER=0) they are plain and
 * stable: `cached <path>`, `run <path>`, `done <path> <time>`, `failed <path> <time>`.
 */
import type { ApplyObserver } from "../engine/apply.ts";
import { formatDuration } from "../engine/duration.ts";
import { err } from "./ui.ts";

export function progress(): ApplyObserver {
  const c = err.colors;
  if (!err.fancy) {
    return {
      cached: (node) => err.line(`cached ${node.path}`),
      running: (node) => err.line(`run ${node.path}`),
      output: (node, line) => err.line(`  ${node.path} | ${line}`),
      done: (node, ms) => err.line(`done ${node.path} ${formatDuration(ms)}`),
      failed: (node, ms) => err.line(`failed ${node.path} ${formatDuration(ms)}`),
      cancelled: (node) => err.line(`cancelled ${node.path}`),
    };
  }
  return {
    cached: (node) => err.line(`  ${c.dim("○")} ${node.path} ${c.dim("cached")}`),
    running: (node) => err.line(`  ${c.cyan("●")} ${node.path} ${c.dim("running…")}`),
    output: (node, line) => err.line(`    ${c.dim(`${node.path} │`)} ${line}`),
    done: (node, ms) => err.line(`  ${c.green("✓")} ${node.path} ${c.dim(formatDuration(ms))}`),
    failed: (node, ms) => err.line(`  ${c.red("✗")} ${node.path} ${c.red(`failed after ${formatDuration(ms)}`)}`),
    cancelled: (node) => err.line(`  ${c.yellow("■")} ${node.path} ${c.yellow("cancelled")}`),
  };
}

/** Live output of workspace hooks and operations. */
export const hookOutput = (workspace: string, line: string): void =>
  err.line(err.fancy ? `    ${err.colors.dim(`${workspace} │`)} ${line}` : `  ${workspace} | ${line}`);
