/**
 * Synchronous writes to stdout/stderr. Touching `process.stdout` costs Bun ~12 ms of
 * start-up, and a synchronous write is never lost to `process.exit`.
 */
import { writeSync } from "node:fs";

function writeAll(fd: number, text: string): void {
  let buffer = Buffer.from(text);
  while (buffer.length > 0) {
    try {
      buffer = buffer.subarray(writeSync(fd, buffer));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "EAGAIN") continue; // a non-blocking pipe that is full: try again
      if (code === "EPIPE") return; // the reader went away (e.g. `rig ls | head`)
      throw error;
    }
  }
}

export const writeOut = (text: string): void => writeAll(1, text);
export const writeErr = (text: string): void => writeAll(2, text);
/** node:tty costs ~10 ms to load, so only commands that ask pay for it. */
export const isTTY = (fd: 0 | 1 | 2): boolean => (require("node:tty") as typeof import("node:tty")).isatty(fd);
