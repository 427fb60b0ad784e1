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
 *
 * Both are renderings of the engine's event stream (src/engine/events.ts): `cliEvents()`
 * is the sink CLI commands pass to engine functions.
 */
import { formatDuration } from "../engine/duration.ts";
import type { EventSink, RigEvent, TaskEvent } from "../engine/events.ts";
import { writeErr } from "../host/io.ts";
import { terminal } from "../host/terminal.ts";
import { err } from "./ui.ts";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const TAIL_LINES = 3;
const FAILURE_LINES = 12;

/** How a renderer of one apply's task events is told about them. */
interface TaskRenderer {
  task(event: TaskEvent): void;
  finish(): void;
}

function plain(): TaskRenderer {
  return {
    task(e) {
      switch (e.type) {
        case "task.cached":
          return err.line(`cached ${e.path}`);
        case "task.started":
          if (e.attempt === 1) err.line(`run ${e.path}`);
          return;
        case "task.output":
          return err.line(`  ${e.path} | ${e.line}`);
        case "task.retrying":
          return err.line(`retry ${e.path} attempt ${e.attempt}/${e.attempts} in ${formatDuration(e.delayMs)}`);
        case "task.queued":
          return err.line(`waiting ${e.path}`);
        case "task.finished":
          if (e.status === "cancelled") return err.line(`cancelled ${e.path}`);
          return err.line(`${e.status === "done" ? "done" : "failed"} ${e.path} ${formatDuration(e.durationMs)}`);
      }
    },
    finish() {},
  };
}

/**
 * The CLI's sink for engine events: each apply's tasks as a timeline (or plain lines),
 * hook and operation output indented under their workspace, notices as lines on stderr.
 */
export function cliEvents(): EventSink {
  let tasks: TaskRenderer | null = null;
  return (event: RigEvent) => {
    switch (event.type) {
      case "apply.started":
        tasks = err.fancy ? new Timeline() : plain();
        return;
      case "apply.finished":
        tasks?.finish();
        tasks = null;
        return;
      case "task.cached":
      case "task.queued":
      case "task.started":
      case "task.output":
      case "task.retrying":
      case "task.finished":
        tasks ??= err.fancy ? new Timeline() : plain();
        tasks.task(event);
        return;
      case "workspace.output":
        return hookOutput(event.name, event.line);
      case "operation.output":
        return hookOutput(event.label, event.line);
      case "notice": {
        const c = err.colors;
        if (event.level === "warning") return err.line(`${c.yellow("warning")} ${event.message}`);
        if (event.level === "success") return err.line(`${c.green("✓")} ${event.message}`);
        return err.line(event.message);
      }
      default:
        return;
    }
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

class Timeline implements TaskRenderer {
  private readonly c = err.colors;
  private readonly active = new Map<string, Running>();
  private cachedPaths: string[] = [];
  private drawn = 0;
  private frame = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly restoreCursor = () => writeErr("\x1b[?25h");

  constructor() {
    terminal.live = { pause: () => this.clear(), resume: () => this.draw() };
    process.once("exit", this.restoreCursor);
  }

  task(e: TaskEvent): void {
    switch (e.type) {
      case "task.cached":
        this.cachedPaths.push(e.path);
        return this.draw();
      case "task.queued":
        this.commit(() => this.flushCached());
        this.active.set(e.path, { started: performance.now(), tail: [], log: [], lines: 0, note: "waiting" });
        return this.draw();
      case "task.retrying": {
        const task = this.active.get(e.path);
        if (task) task.note = `attempt ${e.attempt}/${e.attempts}`;
        return this.commit(() => err.line(`  ${this.c.yellow("↻")} ${e.path} ${this.c.yellow(`failed; attempt ${e.attempt}/${e.attempts} in ${formatDuration(e.delayMs)}`)}`));
      }
      case "task.started":
        if (e.attempt === 1) this.running(e.path);
        return;
      case "task.output":
        return this.output(e.path, e.line);
      case "task.finished":
        if (e.status === "done") {
          this.active.delete(e.path);
          return this.commit(() => err.line(`  ${this.c.green("✓")} ${e.path} ${this.c.dim(formatDuration(e.durationMs))}`));
        }
        if (e.status === "cancelled") {
          this.active.delete(e.path);
          return this.commit(() => err.line(`  ${this.c.yellow("■")} ${e.path} ${this.c.yellow("cancelled")}`));
        }
        return this.failed(e.path, e.durationMs);
    }
  }

  private running(path: string): void {
    this.commit(() => this.flushCached());
    this.active.set(path, { started: performance.now(), tail: [], log: [], lines: 0 });
    this.timer ??= setInterval(() => {
      this.frame++;
      this.draw();
    }, 80);
    this.draw();
  }

  private output(path: string, line: string): void {
    const task = this.active.get(path);
    if (!task) return;
    task.log.push(line);
    task.lines++;
    if (task.log.length > FAILURE_LINES) task.log.shift();
    task.tail = [...task.tail, line].slice(-TAIL_LINES);
  }

  private failed(path: string, ms: number): void {
    const task = this.active.get(path);
    this.active.delete(path);
    this.commit(() => {
      err.line(`  ${this.c.red("✗")} ${path} ${this.c.red(`failed after ${formatDuration(ms)}`)}`);
      const last = task?.log ?? [];
      if (task && task.lines > last.length) err.line(this.c.dim(`    │ … ${task.lines - last.length} earlier lines`));
      for (const line of last) err.line(this.c.dim(`    │ ${this.fit(line, 6)}`));
    });
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
    for (const [path, task] of this.active) {
      const note = task.note ? ` ${this.c.yellow(task.note)}` : "";
      if (task.note === "waiting") {
        lines.push(`  ${this.c.dim("…")} ${path}${note}`);
        continue;
      }
      lines.push(`  ${spin} ${path}${note} ${this.c.dim(formatDuration(performance.now() - task.started))}`);
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
