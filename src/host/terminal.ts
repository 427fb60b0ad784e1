/** What the terminal allows: prompts only with a TTY on both ends and no `--json`. */
import { isTTY } from "./io.ts";

export const terminal = {
  json: false,
  canPrompt(): boolean {
    return !this.json && isTTY(0) && isTTY(1);
  },
};
