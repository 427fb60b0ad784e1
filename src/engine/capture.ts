/**
 * Routes `console.*` calls made inside a task (or hook, or operation) into that
 * activity's log instead of the terminal. Installed once; calls made outside any
 * activity go to the real console.
 */
import { currentActivity, splitLines } from "../host/activity.ts";

const methods = ["log", "info", "warn", "error", "debug", "trace"] as const;
let installed = false;

export function captureConsole(): void {
  // RIGKIT_NO_CONSOLE_INTERCEPT=1: console output goes straight to the terminal (debuggers, profilers).
  if (installed || process.env.RIGKIT_NO_CONSOLE_INTERCEPT === "1") return;
  installed = true;
  for (const method of methods) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      const activity = currentActivity();
      if (!activity) return original(...args);
      // node:util (~15 ms to load) only once an activity really logs.
      const { formatWithOptions } = require("node:util") as typeof import("node:util");
      for (const line of splitLines(formatWithOptions({ colors: false }, ...args))) activity.log(line);
    };
  }
}
