/**
 * Synchronous writes to stdout/stderr. Whole lines go through the console (native and
 * cheap; `process.stdout` costs Bun ~12 ms to set up, node:fs ~3 ms); partial writes
 * (cursor movement of the live progress region) through node:fs, loaded only then.
 * The console methods are kept as they were at start-up, before an apply routes a
 * task's console output into its log.
 * Secret values resolved so far are masked on the way out (the last line of defence:
 * checks, doctor, provider config shown anywhere, RIGKIT_DEBUG stack traces).
 */
import { redact } from "../engine/secrets.ts";

const log = console.log.bind(console);
const error = console.error.bind(console);

function writeRaw(fd: 1 | 2, text: string): void {
  const { writeSync } = require("node:fs") as typeof import("node:fs");
  let buffer = Buffer.from(text);
  while (buffer.length > 0) {
    try {
      buffer = buffer.subarray(writeSync(fd, buffer));
    } catch (failure) {
      const code = (failure as { code?: string }).code;
      if (code === "EAGAIN") continue; // a non-blocking pipe that is full: try again
      if (code === "EPIPE") return; // the reader went away (e.g. `rig ls | head`)
      if (code === "EIO") return; // the terminal went away (SIGHUP): the work is cancelled and recorded all the same
      throw failure;
    }
  }
}

/** Every byte rig prints passes here, so a secret's value is masked in any output (SPEC §8). */
const write = (fd: 1 | 2, raw: string): void => {
  const text = redact(raw);
  if (text.endsWith("\n")) (fd === 1 ? log : error)("%s", text.slice(0, -1));
  else writeRaw(fd, text);
};

export const writeOut = (text: string): void => write(1, text);
export const writeErr = (text: string): void => write(2, text);

/** Bun's native tty binding, or null where there is none. */
function ttyBinding(): { isTTY(fd: number): boolean } | null {
  try {
    const binding = (process as unknown as { binding(name: string): { isTTY?: unknown } }).binding("tty_wrap");
    return typeof binding.isTTY === "function" ? (binding as { isTTY(fd: number): boolean }) : null;
  } catch {
    return null;
  }
}

/**
 * Whether `fd` is a terminal. node:tty costs 10–15 ms to load (it brings net and
 * streams), more than `rig exec w -- true` does after start-up; Bun's native binding
 * answers the same question at no cost. node:tty only where that is missing.
 */
export function isTTY(fd: 0 | 1 | 2): boolean {
  const binding = ttyBinding();
  return binding ? binding.isTTY(fd) : (require("node:tty") as typeof import("node:tty")).isatty(fd);
}
