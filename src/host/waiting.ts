/**
 * Whether the command is only waiting (for the lock, for the config to load, at a
 * prompt). A signal then ends it at once with 130 (README "Signals"): there is no running work
 * to stop gracefully. No imports: main.ts reads this on every signal.
 */
let depth = 0;

export const isWaiting = (): boolean => depth > 0;

/** Runs `fn` marked as waiting. */
export async function waiting<T>(fn: () => Promise<T>): Promise<T> {
  depth++;
  try {
    return await fn();
  } finally {
    depth--;
  }
}

let prompts = 0;

/** A prompt is on the terminal: Ctrl-C there is the prompt's own cancel key (clack, raw mode). */
export const isPrompting = (): boolean => prompts > 0;

/** Runs a prompt, marked as waiting and as prompting. */
export async function prompting<T>(fn: () => Promise<T>): Promise<T> {
  prompts++;
  try {
    return await waiting(fn);
  } finally {
    prompts--;
  }
}
