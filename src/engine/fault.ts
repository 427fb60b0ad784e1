/**
 * Fault injection for the crash-safety tests: with RIGKIT_FAULT=<point>, rig kills itself
 * with SIGKILL when it reaches that point, as a power cut or `kill -9` would. One string
 * comparison per point when unset.
 */
const target = process.env.RIGKIT_FAULT;

export type FaultPoint =
  | "apply:task-started"
  | "apply:task-recorded"
  | "create:intent-recorded"
  | "create:resource-recorded"
  | "create:hook-returned"
  | "create:ready"
  | "rm:removing-recorded"
  | "rm:hook-returned";

export function fault(point: FaultPoint): void {
  if (target === point) process.kill(process.pid, "SIGKILL");
}
