/** What the terminal allows: prompts only with a TTY on both ends and no `--json`. */
import { isTTY } from "./io.ts";

export const terminal = {
  json: false,
  /** A live progress region on stderr, paused while a prompt asks something. */
  live: null as { pause(): void; resume(): void } | null,
  canPrompt(): boolean {
    return !this.json && isTTY(0) && isTTY(1);
  },
};
