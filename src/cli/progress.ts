/**
 * Live progress of an apply, on stderr.
 *
 * On a terminal: a timeline. Finished tasks are printed once (✓ with duration, ✗ with
 * the last lines of their output); runs of cached tasks fold into one line; running
 * tasks stay in a live region at the bottom with a spinner, elapsed time and their latest
 * output lines.
 *
 * Otherwise (a pipe, NO_COLOR, RIGKIT_RENDER=0): plain, stable lines —
 * `cached <path>`, `run <path>`, `  <path> | <output>`, `done <path> <time>`,
 * `failed <path> <time>`, `cancelled <path>`, `retry <path> attempt 2/3 in 1.0s`,
 * `waiting <path>` (queued behind --concurrency).
 */
import type { ApplyObserver } from "../engine/graph/apply.ts";
import { formatDuration } from "../engine/duration.ts";
import type { TaskNode } from "../engine/graph/compile.ts";
import { writeErr } from "../host/io.ts";
import { terminal } from "../host/terminal.ts";
import { err } from "./ui.ts";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const TAIL_LINES = 3;
const FAILURE_LINES = 12;

export function progress(): ApplyObserver {
  return err.fancy ? new Timeline() : plain();
}

function plain(): ApplyObserver {
  return {
    cached: (node) => err.line(`cached ${node.path}`),
    running: (node) => err.line(`run ${node.path}`),
    output: (node, line) => err.line(`  ${node.path} | ${line}`),
    done: (node, ms) => err.line(`done ${node.path} ${formatDuration(ms)}`),
    failed: (node, ms) => err.line(`failed ${node.path} ${formatDuration(ms)}`),
    cancelled: (node) => err.line(`cancelled ${node.path}`),
    retrying: (node, attempt, attempts, delayMs) => err.line(`retry ${node.path} attempt ${attempt}/${attempts} in ${formatDuration(delayMs)}`),
    queued: (node) => err.line(`waiting ${node.path}`),
  };
}

interface Running {
  started: number;
  /** "attempt 2/3" once a task is retried; "waiting" while queued. */
  note?: string;
  tail: string[];
  /** The last FAILURE_LINES lines (the log file has them all) and how many there were. */
  log: string[];
  lines: number;
}

class Timeline implements ApplyObserver {
  private readonly c = err.colors;
  private readonly active = new Map<TaskNode, Running>();
  private cachedPaths: string[] = [];
  private drawn = 0;
  private frame = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly restoreCursor = () => writeErr("\x1b[?25h");

  constructor() {
    terminal.live = { pause: () => this.clear(), resume: () => this.draw() };
    process.once("exit", this.restoreCursor);
  }

  cached(node: TaskNode): void {
    this.cachedPaths.push(node.path);
    this.draw();
  }

  queued(node: TaskNode): void {
    this.commit(() => this.flushCached());
    this.active.set(node, { started: performance.now(), tail: [], log: [], lines: 0, note: "waiting" });
    this.draw();
  }

  retrying(node: TaskNode, attempt: number, attempts: number, delayMs: number): void {
    const task = this.active.get(node);
    if (task) task.note = `attempt ${attempt}/${attempts}`;
    this.commit(() => err.line(`  ${this.c.yellow("↻")} ${node.path} ${this.c.yellow(`failed; attempt ${attempt}/${attempts} in ${formatDuration(delayMs)}`)}`));
  }

  running(node: TaskNode): void {
    this.commit(() => this.flushCached());
    this.active.set(node, { started: performance.now(), tail: [], log: [], lines: 0 });
    this.timer ??= setInterval(() => {
      this.frame++;
      this.draw();
    }, 80);
    this.draw();
  }

  output(node: TaskNode, line: string): void {
    const task = this.active.get(node);
    if (!task) return;
    task.log.push(line);
    task.lines++;
    if (task.log.length > FAILURE_LINES) task.log.shift();
    task.tail = [...task.tail, line].slice(-TAIL_LINES);
  }

  done(node: TaskNode, ms: number): void {
    this.active.delete(node);
    this.commit(() => err.line(`  ${this.c.green("✓")} ${node.path} ${this.c.dim(formatDuration(ms))}`));
  }

  failed(node: TaskNode, ms: number): void {
    const task = this.active.get(node);
    this.active.delete(node);
    this.commit(() => {
      err.line(`  ${this.c.red("✗")} ${node.path} ${this.c.red(`failed after ${formatDuration(ms)}`)}`);
      const last = task?.log ?? [];
      if (task && task.lines > last.length) err.line(this.c.dim(`    │ … ${task.lines - last.length} earlier lines`));
      for (const line of last) err.line(this.c.dim(`    │ ${this.fit(line, 6)}`));
    });
  }

  cancelled(node: TaskNode): void {
    this.active.delete(node);
    this.commit(() => err.line(`  ${this.c.yellow("■")} ${node.path} ${this.c.yellow("cancelled")}`));
  }

  finish(): void {
    this.commit(() => this.flushCached());
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    terminal.live = null;
    this.restoreCursor();
    process.removeListener("exit", this.restoreCursor);
  }

  private flushCached(): void {
    const paths = this.cachedPaths;
    if (paths.length === 0) return;
    this.cachedPaths = [];
    const text =
      paths.length === 1
        ? `${paths[0]} cached`
        : `${paths.length} cached: ${paths.length <= 3 ? paths.join(", ") : `${paths[0]} … ${paths.at(-1)}`}`;
    err.line(`  ${this.c.dim("○")} ${this.c.dim(text)}`);
  }

  /** Prints permanent lines above the live region. */
  private commit(print: () => void): void {
    this.clear();
    print();
    this.draw();
  }

  private clear(): void {
    if (this.drawn > 0) writeErr(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private fit(text: string, indent: number): string {
    const width = Math.max(20, (process.stderr.columns || 80) - indent - 1);
    return text.length > width ? `${text.slice(0, width - 1)}…` : text;
  }

  private draw(): void {
    this.clear();
    const lines: string[] = [];
    if (this.cachedPaths.length > 0) lines.push(`  ${this.c.dim("○")} ${this.c.dim(`${this.cachedPaths.length} cached`)}`);
    const spin = this.c.cyan(SPINNER[this.frame % SPINNER.length] as string);
    for (const [node, task] of this.active) {
      const note = task.note ? ` ${this.c.yellow(task.note)}` : "";
      if (task.note === "waiting") {
        lines.push(`  ${this.c.dim("…")} ${node.path}${note}`);
        continue;
      }
      lines.push(`  ${spin} ${node.path}${note} ${this.c.dim(formatDuration(performance.now() - task.started))}`);
      for (const line of task.tail) lines.push(this.c.dim(`    │ ${this.fit(line, 6)}`));
    }
    if (lines.length === 0) return;
    writeErr(`\x1b[?25l${lines.join("\n")}\n`);
    this.drawn = lines.length;
  }
}

/** Live output of workspace hooks and operations. */
export const hookOutput = (workspace: string, line: string): void =>
  err.line(err.fancy ? `    ${err.colors.dim(`${workspace} │`)} ${line}` : `  ${workspace} | ${line}`);
