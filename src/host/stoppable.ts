/**
 * Remote and in-container commands that stop when rig does. Neither sshd nor `docker exec`
 * signals a command whose client went away (without a terminal), so the command runs in
 * its own session (setsid, where there is one) while a watcher reads the stdin that rig
 * holds open (runCommand's `holdStdin`): EOF means rig is gone, interrupted or killed,
 * and the watcher sends SIGTERM to the command's process group. The exit status is kept.
 */

/** Quotes one word for a POSIX shell. */
export const shq = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);

/** A shell command line from argv (quoted) or a command string (as is). */
export const script = (command: readonly string[] | string): string => (typeof command === "string" ? command : command.map(shq).join(" "));

export function stoppable(body: string): string {
  return [
    "exec 3<&0",
    `if command -v setsid >/dev/null 2>&1; then setsid sh -c ${shq(body)} </dev/null & else sh -c ${shq(body)} </dev/null & fi`,
    "p=$!",
    // The watcher uses the `read` builtin (no child to outlive it) and holds no output
    // stream, so the session closes as soon as the command is done.
    "( while read -r _ <&3; do :; done; kill -TERM -- -$p 2>/dev/null || kill -TERM $p 2>/dev/null ) >/dev/null 2>&1 &",
    "w=$!",
    "exec 3<&-",
    "wait $p; s=$?",
    "kill $w 2>/dev/null",
    "exit $s",
  ].join("\n");
}
