/**
 * Results of commands run through rig's helpers (`local.exec`, the docker and ssh
 * providers' `exec`, `local.command`) carry a brand: an operation returning one of them
 * makes rig exit with that command's exit code (README, "Exit codes of actions"). A brand
 * rather than a shape check, so an operation's own JSON that happens to have an
 * `exitCode` field never changes rig's exit code. The brand is a non-enumerable symbol:
 * it never reaches JSON output or the state file, and `{ ...result }` (a new object the
 * operation made) drops it.
 */
const BRAND = Symbol.for("rigkit.commandResult");

export interface BrandedResult {
  exitCode: number;
  command?: string;
  stdout?: string;
  stderr?: string;
}

/** Brands `result` (in place) as the result of a command rig ran. */
export function commandResult<T extends { exitCode: number }>(result: T): T {
  Object.defineProperty(result, BRAND, { value: true, enumerable: false });
  return result;
}

/** Whether `value` is a command result returned by rig's helpers (not merely an object with an `exitCode`). */
export function isCommandResult(value: unknown): value is BrandedResult {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true &&
    Number.isInteger((value as { exitCode?: unknown }).exitCode)
  );
}
