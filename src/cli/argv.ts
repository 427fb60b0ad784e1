/**
 * Tiny pure argv helpers used before commander sees the arguments: finding the command
 * word, reading global options, and rewriting the operation forms
 * (`rig run ws op` → `rig ws/op`, `rig ws/remove` → `rig rm ws`). Which options take a
 * value, and which words are commands, come from the command table (src/commands/).
 */
import { BUILTIN_COMMANDS, GLOBAL_OPTIONS, VALUE_FLAGS } from "../commands/index.ts";
import { attributeName, flagNames, takesValue } from "../commands/spec.ts";

export { BUILTIN_COMMANDS };

export interface Globals {
  chdir?: string;
  config?: string;
  state?: string;
  workflow?: string;
  lockTimeout?: string;
  json: boolean;
}

/** Index of the command word: the first argument that is not an option or an option's value. */
export function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") return -1;
    if (arg.startsWith("-") && arg !== "-") {
      if (VALUE_FLAGS.has(arg)) i++;
      continue;
    }
    return i;
  }
  return -1;
}

/** The options readGlobals reads: the global ones, and --workflow (operations take it too). */
const GLOBAL_VALUES: ReadonlyMap<string, keyof Globals> = new Map(
  [...GLOBAL_OPTIONS.filter(takesValue), { flags: "--workflow <name>" }].flatMap((o) => flagNames(o).map((flag) => [flag, attributeName(o) as keyof Globals] as const)),
);

/** Global option values wherever they appear before `--` (last one wins, like commander). */
export function readGlobals(argv: readonly string[]): Globals {
  const globals: Globals = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") break;
    if (arg === "--json") globals.json = true;
    const [name, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const key = GLOBAL_VALUES.get(name);
    if (key) {
      const value = inline ?? argv[i + 1];
      if (inline === undefined) i++;
      if (value !== undefined) (globals as unknown as Record<string, string>)[key] = value;
    }
  }
  return globals;
}

/**
 * Normalises the two long forms of an operation call:
 * `run <ws> <op> …` → `<ws>/<op> …`, and `<ws>/remove …` → `rm <ws> …`.
 */
export function rewrite(argv: readonly string[]): string[] {
  const out = [...argv];
  let index = commandIndex(out);
  if (index < 0) return out;
  if (out[index] === "run") {
    const rest = out.slice(index + 1);
    const ws = commandIndex(rest);
    const op = ws < 0 ? -1 : commandIndex(rest.slice(ws + 1));
    if (ws >= 0 && op >= 0 && !(rest[ws] as string).includes("/")) {
      const opAt = ws + 1 + op;
      const token = `${rest[ws]}/${rest[opAt]}`;
      const remaining = rest.filter((_, i) => i !== ws && i !== opAt);
      out.splice(index, out.length - index, token, ...remaining);
    } else if (ws >= 0 && op < 0 && !(rest[ws] as string).includes("/") && !rest.some((a) => a === "--" || a === "--help" || a === "-h")) {
      // `rig run ws1`: what `rig ws1` shows, the workspace's operations.
      out.splice(index, out.length - index, rest[ws] as string, ...rest.filter((_, i) => i !== ws));
    }
  }
  index = commandIndex(out);
  // `help <operation>` is that operation's --help (built-in commands are commander's).
  if (out[index] === "help") {
    const rest = out.slice(index + 1);
    const topic = commandIndex(rest);
    if (topic >= 0 && !(BUILTIN_COMMANDS as readonly string[]).includes(rest[topic] as string)) {
      out.splice(index, out.length - index, rest[topic] as string, "--help");
      index = commandIndex(out);
    }
  }
  const token = out[index] as string;
  const slash = token.indexOf("/");
  // `ws/remove`, `ws/stop`, `ws/start` are the built-in commands (operations cannot take those names).
  const builtin: Record<string, string> = { remove: "rm", stop: "stop", start: "start" };
  const command = slash > 0 ? builtin[token.slice(slash + 1)] : undefined;
  if (command) out.splice(index, 1, command, token.slice(0, slash));
  return out;
}

/**
 * The command word first: options before it are the command's as much as those after it
 * (`rig --concurrency 4 create ws1` is `rig create --concurrency 4 ws1`), and commander
 * and the fast lane read a command's options after its word. Help and version asked for
 * before the word stay where they are (`rig --help create` is rig's help).
 */
export function commandFirst(argv: readonly string[]): string[] {
  const index = commandIndex(argv);
  const before = argv.slice(0, Math.max(index, 0));
  if (index <= 0 || before.some((a) => ["-h", "--help", "-v", "--version"].includes(a))) return [...argv];
  return [argv[index] as string, ...before, ...argv.slice(index + 1)];
}

/** `ws1/test` → { workspace: "ws1", operation: "test" }; `doctor-db` → { operation: "doctor-db" }. */
export function parseOperationToken(token: string): { workspace?: string; operation: string } | { error: string } {
  const slash = token.indexOf("/");
  if (slash < 0) return { operation: token };
  const workspace = token.slice(0, slash);
  const operation = token.slice(slash + 1);
  if (workspace === "") return { error: `"${token}" names no workspace: use <workspace>/<operation>` };
  if (operation === "") return { error: `"${token}" names no operation: use ${workspace}/<operation>` };
  if (operation.includes("/")) return { error: `"${token}" has more than one "/": use <workspace>/<operation>` };
  return { workspace, operation };
}

/** How help, completion and `ls config` describe an operation: "Title — description". */
export const operationSummary = (op: { title?: string | null; description?: string | null }): string =>
  [op.title, op.description].filter(Boolean).join(" — ");
