/**
 * Where user code threw: the first stack frame outside rigkit (Bun maps frames back to the
 * TypeScript source), shown as `in file:line:column` with that source line. JavaScriptCore
 * quotes the *transpiled* expression in messages like "undefined is not an object
 * (evaluating '{ slow: !0 }.missing')"; with the real line at hand, that quote goes.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { messageOf } from "../errors.ts";
import { RIGKIT_ROOT } from "./project/sdklink.ts";

export interface Frame {
  file: string;
  line: number;
  column: number;
}

/** The first frame of `error`'s stack in a user file (not rigkit's, not node_modules, not Bun's own). */
export function userFrame(error: unknown): Frame | null {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  for (const raw of stack.split("\n")) {
    const match = /\(?((?:\/|[A-Za-z]:\\)[^():]+):(\d+):(\d+)\)?\s*$/.exec(raw.trim());
    if (!match) continue;
    const file = match[1] as string;
    if (!isAbsolute(file) || file.startsWith(`${RIGKIT_ROOT}/`) || file.includes("/node_modules/")) continue;
    return { file, line: Number(match[2]), column: Number(match[3]) };
  }
  return null;
}

/** The message of what user code threw, and where: detail lines `in file:line:col` and the source line. */
export function thrownBy(error: unknown): { message: string; where: string[] } {
  const message = messageOf(error);
  const frame = userFrame(error);
  if (!frame) return { message, where: [] };
  let source: string | undefined;
  try {
    source = readFileSync(frame.file, "utf8").split("\n")[frame.line - 1]?.trim();
  } catch {
    // the file moved since: the position alone still helps
  }
  const shown = relative(process.cwd(), frame.file) || frame.file;
  return {
    message: message.replace(/ \(evaluating '.*'\)$/s, ""),
    // "in", not "at": a location, never mistaken for a stack frame (as in config load errors).
    where: [`in ${shown}:${frame.line}:${frame.column}`, ...(source ? [`  ${source.length > 160 ? `${source.slice(0, 160)}…` : source}`] : [])],
  };
}
