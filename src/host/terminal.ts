/** What the terminal allows: prompts only with a TTY on both ends and no `--json`. */
export const terminal = {
  json: false,
  canPrompt(): boolean {
    return !this.json && Boolean(process.stdin.isTTY) && Boolean(process.stdout.isTTY);
  },
};
