/**
 * Completion in real shells: the generated scripts sourced in bash, zsh and fish, driven
 * through each shell's own completion machinery (bash's COMP_* variables, fish's
 * `complete -C`, and TAB pressed in zsh inside tmux).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { RIG, project, rig, tempDir } from "../helpers.ts";
import { requireTool } from "../services.ts";
import { APP_CONFIG } from "./fixtures.ts";

/** A missing shell fails the suite, unless RIGKIT_TEST_SKIP_SERVICES=1 (then its tests are skipped, loudly). */
const shellAvailable = (name: string): boolean => requireTool(name, `its completion tests`);

const dir = project({ "rigkit.config.ts": APP_CONFIG });
const bin = tempDir();
symlinkSync(RIG, join(bin, "rig"));
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1", RIGKIT_HOME: join(dir, ".home") } as Record<string, string>;

beforeAll(async () => {
  expect((await rig(["create", "ws1", "ws2"], { cwd: dir })).exitCode).toBe(0);
});

const run = (argv: string[]) => {
  const result = Bun.spawnSync(argv, { cwd: dir, env, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${argv[0]} failed: ${result.stderr.toString()}`);
  return result.stdout.toString();
};

/** Candidates per line of input, in the order the shell printed them. */
const blocks = (output: string) =>
  output
    .split("::\n")
    .slice(0, -1)
    .map((b) => b.split("\n").filter(Boolean).map((l) => l.split("\t")[0]));

const lines = [
  "rig ws",
  "rig ws1/",
  "rig ws1/test --le",
  "rig ws1/test --level ",
  "rig cache app explain ",
  "rig plan --workflow ",
  "rig rm ws1 ",
];
const expected = [
  ["ws1/", "ws2/"],
  ["ws1/cat", "ws1/test", "ws1/nothing", "ws1/explode"],
  ["--level"],
  ["unit", "e2e"],
  ["tools", "base"],
  ["app"],
  ["ws2"],
];

describe.if(shellAvailable("bash"))("bash", () => {
  test("the script completes commands, workspaces, operations, flags, enum values and task paths", () => {
    const script = `
      [ -f /usr/share/bash-completion/bash_completion ] && source /usr/share/bash-completion/bash_completion
      source <(rig completion bash)
      complete -p rig >/dev/null || exit 3
      try() {
        COMP_LINE="$1"; COMP_POINT=\${#1}
        read -ra COMP_WORDS <<< "$1"
        [[ "$1" == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
        COMPREPLY=()
        _rig_complete rig "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\\n' "\${COMPREPLY[@]}"
        echo ::
      }
      ${lines.map((l) => `try ${JSON.stringify(l)}`).join("\n")}
    `;
    expect(blocks(run(["bash", "--norc", "--noprofile", "-c", script]))).toEqual(expected);
  });
});

describe.if(shellAvailable("fish"))("fish", () => {
  test("complete -C answers through the script", () => {
    const script = `rig completion fish | source\n${lines.map((l) => `complete -C ${JSON.stringify(l)}; echo ::`).join("\n")}`;
    const got = blocks(run(["fish", "--no-config", "-c", script]));
    // fish sorts candidates itself.
    expect(got.map((b) => [...b].sort())).toEqual(expected.map((b) => [...b].sort()));
  });
});

describe.if(shellAvailable("zsh") && shellAvailable("tmux"))("zsh", () => {
  test("TAB completes in a real zsh session", async () => {
    const session = `rigz${process.pid}`;
    const home = tempDir();
    mkdirSync(join(home, "z"));
    const tmux = (...args: string[]) => Bun.spawnSync(["tmux", ...args], { env, stdout: "pipe", stderr: "pipe" });
    const screen = () => tmux("capture-pane", "-p", "-t", session).stdout.toString();
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 100; i++) {
        if (pattern.test(screen())) return;
        await Bun.sleep(50);
      }
      throw new Error(`zsh screen never matched ${pattern}:\n${screen()}`);
    };
    tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "40", "-c", dir, `env ZDOTDIR=${join(home, "z")} PATH=${env.PATH} zsh -f`);
    try {
      tmux("send-keys", "-t", session, "PS1='> '; source <(rig completion zsh); echo ready", "Enter");
      await waitFor(/^ready$/m);
      tmux("send-keys", "-t", session, "rig ws1/te", "Tab");
      // capture-pane trims trailing spaces; the next keys show whether a space was added.
      await waitFor(/> rig ws1\/test$/m);
      tmux("send-keys", "-t", session, "-l", "--", "--lev");
      tmux("send-keys", "-t", session, "Tab");
      await waitFor(/> rig ws1\/test --level$/m);
      tmux("send-keys", "-t", session, "e", "Tab");
      await waitFor(/> rig ws1\/test --level e2e$/m);
      tmux("send-keys", "-t", session, "C-u", "rig ws", "Tab");
      await waitFor(/> rig ws$/m);
      tmux("send-keys", "-t", session, "Tab");
      await waitFor(/ws1\/\s+ws2\//);
    } finally {
      tmux("kill-session", "-t", session);
    }
  }, 20_000);
});
