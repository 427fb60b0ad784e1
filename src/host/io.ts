/**
 * Synchronous writes to stdout/stderr. Whole lines go through the console (native and
 * cheap; `process.stdout` costs Bun ~12 ms to set up, node:fs ~3 ms); partial writes
 * (cursor movement of the live progress region) through node:fs, loaded only then.
 * The console methods are kept as they were at start-up, before an apply routes a
 * task's console output into its log.
 * Secret values resolved so far are masked on the way out (the last line of defence:
 * checks, doctor, provider config shown anywhere, RIGKIT_DEBUG stack traces).
 */
import { redact } from "./secrets.ts";

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

/** Every byte rig prints passes here, so a secret's value is masked in any output (README "Ownership, status and recovery"). */
const write = (fd: 1 | 2, raw: string): void => {
  const text = redact(raw);
  if (text.endsWith("\n")) (fd === 1 ? log : error)("%s", text.slice(0, -1));
  else writeRaw(fd, text);
};

export const writeOut = (text: string): void => write(1, text);
export const writeErr = (text: string): void => write(2, text);

/**
 * isatty(3). node:tty costs ~12 ms to load (it sets up Node's streams), which a `rig plan`
 * piped into another program paid just to learn it should not colour; Bun's tty binding
 * answers at once. node:tty only if that binding ever goes away.
 */
export function isTTY(fd: 0 | 1 | 2): boolean {
  try {
    return (process as unknown as { binding: (name: string) => { isTTY: (fd: number) => boolean } }).binding("tty_wrap").isTTY(fd) === true;
  } catch {
    return (require("node:tty") as typeof import("node:tty")).isatty(fd);
  }
}
