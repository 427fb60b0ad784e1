/**
 * The activity (task, hook or operation) that code is running for, carried through
 * async calls. Console output and subprocess output are attributed to it, so parallel
 * tasks each get their own log.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface Activity {
  /** e.g. the task path; shown next to live output. */
  label: string;
  log(line: string): void;
  signal: AbortSignal;
}

const storage = new AsyncLocalStorage<Activity>();

export const currentActivity = (): Activity | undefined => storage.getStore();

export const runInActivity = <T>(activity: Activity, fn: () => T): T => storage.run(activity, fn);

/** Lines of text, without a trailing empty line. */
export function splitLines(text: string): string[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}
