/**
 * This machine's name, as records of running processes carry it. node:os (~1 ms to load)
 * only when a record is compared or written: completion and most listings never do.
 */
let host: string | undefined;
export const hostname = (): string => {
  host ??= (require("node:os") as typeof import("node:os")).hostname();
  return host;
};

/** Is a process of this machine still running? (EPERM: it runs, as another user.) */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** Is the process a record names gone? Only provable for processes of this machine. */
export const processGone = (pid: number | null, host: string | null): boolean => pid !== null && host === hostname() && !processAlive(pid);

/** How waiting messages and errors name another rig: `` `rig …` (pid 42[ on host], since …) ``. */
export const describeProcess = (command: string, pid: number, host: string, since: number): string =>
  `\`rig ${command}\` (pid ${pid}${host === hostname() ? "" : ` on ${host}`}, since ${new Date(since).toISOString()})`;
