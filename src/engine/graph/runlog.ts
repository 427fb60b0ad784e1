/**
 * A task run's output (README "Output and logs"): every line streams to
 * `.rigkit/logs/<run>.log`; memory holds only a tail, which is what the state file
 * keeps. Logs of older runs are pruned: the last KEEP_RUNS per task stay, plus the run
 * the cache would reuse.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { Store } from "../../state/store.ts";

/** Lines of output kept in memory and in the state file. */
export const TAIL_LINES = 200;
/** A longer line is cut in the tail (the log file has it whole). */
const TAIL_LINE_CHARS = 2000;
const FLUSH_BYTES = 64 * 1024;
/** Logs kept per task. */
export const KEEP_RUNS = 20;

export const logsDir = (stateDir: string): string => join(stateDir, "logs");

export class RunLog {
  readonly path: string;
  private fd: number | null = null;
  private failed = false;
  private pending: string[] = [];
  private pendingBytes = 0;
  private readonly last: string[] = [];
  lines = 0;

  constructor(stateDir: string, runId: string) {
    this.path = join(logsDir(stateDir), `${runId}.log`);
  }

  write(line: string): void {
    this.lines++;
    this.last.push(line.length > TAIL_LINE_CHARS ? `${line.slice(0, TAIL_LINE_CHARS)}…` : line);
    if (this.last.length > TAIL_LINES) this.last.shift();
    this.pending.push(line);
    this.pendingBytes += line.length + 1;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /** The last lines, as the state file keeps them. */
  tail(): string {
    const skipped = this.lines - this.last.length;
    return [...(skipped > 0 ? [`… ${skipped} earlier lines in ${this.path}`] : []), ...this.last].join("\n");
  }

  /** Where the full log is, relative to the working directory; null when there was no output. */
  shown(): string | null {
    if (this.lines === 0 || this.failed) return null;
    return relative(process.cwd(), this.path) || this.path;
  }

  flush(): void {
    if (this.pending.length === 0 || this.failed) return;
    const text = `${this.pending.join("\n")}\n`;
    this.pending = [];
    this.pendingBytes = 0;
    try {
      if (this.fd === null) {
        mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
        this.fd = openSync(this.path, "a", 0o600);
      }
      writeSync(this.fd, text);
    } catch {
      // A full disk must not fail the task on top: the tail still reaches the state file.
      this.failed = true;
    }
  }

  close(): void {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Deletes the logs of a task's runs beyond the last KEEP_RUNS (keeping the latest successful one). */
export function pruneLogs(stateDir: string, store: Store, workflow: string, path: string): void {
  const runs = store.db
    .query("SELECT id, status FROM task_runs WHERE workflow = ? AND path = ? ORDER BY started_at DESC, rowid DESC")
    .all(workflow, path) as { id: string; status: string }[];
  const keep = new Set(runs.slice(0, KEEP_RUNS).map((r) => r.id));
  const cached = runs.find((r) => r.status === "ok");
  if (cached) keep.add(cached.id);
  for (const run of runs.slice(KEEP_RUNS)) {
    if (!keep.has(run.id)) rmSync(join(logsDir(stateDir), `${run.id}.log`), { force: true });
  }
}
