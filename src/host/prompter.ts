/**
 * Asking the person at the terminal (clack prompts): only with a TTY on both ends and no
 * `--json`. The engine never asks by itself: front ends hand it a prompter (the CLI this
 * terminal's, `terminalPrompter()`), or none, and it then says what is missing.
 */
import { RigError } from "../errors.ts";
import type { PromptApi } from "../sdk/types.ts";
import { terminal } from "./terminal.ts";
import { prompting } from "./waiting.ts";

function noTerminal(message: string): RigError {
  return new RigError("USAGE", `Cannot ask "${message}": no interactive terminal`, {
    detail: ["Pass the value as a flag, or run rig from a terminal."],
  });
}

async function clack() {
  return import("@clack/prompts");
}

async function answered<T>(value: T | symbol): Promise<Exclude<T, symbol>> {
  terminal.live?.resume();
  const { isCancel } = await clack();
  if (isCancel(value)) throw new RigError("INTERRUPTED", "Cancelled");
  return value as Exclude<T, symbol>;
}

const prompts: PromptApi = {
  async text(message, options = {}) {
    if (!terminal.canPrompt()) throw noTerminal(message);
    const { text } = await clack();
    terminal.live?.pause();
    return answered(
      await text({ message, placeholder: options.placeholder, initialValue: options.initial, validate: options.validate && ((v) => options.validate?.(v ?? "")) }),
    );
  },
  async confirm(message, options = {}) {
    if (!terminal.canPrompt()) throw noTerminal(message);
    const { confirm } = await clack();
    terminal.live?.pause();
    return answered(await confirm({ message, initialValue: options.initial ?? false }));
  },
  async select(message, choices) {
    if (!terminal.canPrompt()) throw noTerminal(message);
    const { select } = await clack();
    terminal.live?.pause();
    // clack's option type is generic over the value.
    return answered(await select({ message, options: choices.map((value) => ({ value, label: value })) as any }));
  },
};

/** A prompt is only waiting: a signal there exits at once (README "Interrupts"). */
export const prompt: PromptApi = {
  text: (message, options) => prompting(() => prompts.text(message, options)),
  confirm: (message, options) => prompting(() => prompts.confirm(message, options)),
  select: (message, choices) => prompting(() => prompts.select(message, choices)),
};

/**
 * The prompter the CLI hands the engine: this terminal's, when it may ask (a TTY on both
 * ends, no --json), else none, so the engine says what is missing instead of asking.
 */
export const terminalPrompter = (): PromptApi | null => (terminal.canPrompt() ? prompt : null);
