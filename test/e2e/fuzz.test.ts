/**
 * Hostile input: 1,000 random argument vectors (unicode, empty strings, 100 KB arguments,
 * `--`, flags in odd places, `../x`, `ws/`, `/op`) through the real bin/rig, with stdin
 * closed. Never a stack trace, never an internal error, always exit 0, 1 or 2. The vectors
 * come from a seeded generator: a failure names its seed and argv, so it can be replayed.
 */
import { expect, test } from "bun:test";
import { RIG, project, rig } from "../helpers.ts";
import { APP_CONFIG } from "./fixtures.ts";

const PIECES = [
  "plan", "apply", "create", "rm", "remove", "ls", "run", "cache", "log", "projects", "doctor", "gc", "init",
  "completion", "version", "help", "__complete", "ws1/cat", "ws1/test", "ws1/nothing", "ws1/explode", "ws1/remove",
  "ws1/", "/cat", "ws1", "nope/cat", "hello", "app", "explain", "invalidate", "clear", "workspaces", "config",
  "bash", "zsh", "fish", "--", "-", "--json", "--yes", "-y", "--all", "--force", "--dry-run", "--workflow", "--chdir",
  "--config", "--state", "--lock-timeout", "0", "5m", "--filter", "--level", "e2e", "--retries", "-1", "NaN",
  "--watch", "--no-watch", "--help", "-h", "--version", "-v", "--template", "local", "-n", "3", "--frob", "-x",
  "../x", "a/b/c", ".", "..", "", " ", "ß", "工作区", "💥", "\t", "x".repeat(64), "%s%d", "$(echo hi)", "`id`", "'", "\"",
  "--filter=x", "--workflow=", "=", "ws1/test=1", "-" + "-".repeat(5), "\u0000bad".slice(1),
];

/** mulberry32: small, seeded, good enough for test inputs. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("1,000 random argument vectors", async () => {
  const dir = project({ "rigkit.config.ts": APP_CONFIG });
  expect((await rig(["create", "ws1"], { cwd: dir })).exitCode).toBe(0);
  // A fixed seed keeps CI reproducible; set RIGKIT_FUZZ_SEED to explore other vectors.
  const seed = Number(process.env.RIGKIT_FUZZ_SEED ?? 20261122);
  const next = random(seed);
  const pick = () => {
    const r = next();
    if (r < 0.02) return "y".repeat(100_000);
    if (r < 0.05) return String.fromCodePoint(0x80 + Math.floor(next() * 0x2000));
    return PIECES[Math.floor(next() * PIECES.length)] as string;
  };
  const vectors = Array.from({ length: Number(process.env.RIGKIT_FUZZ_RUNS ?? 1000) }, () => Array.from({ length: Math.floor(next() * 6) }, pick));
  const failures: string[] = [];
  let index = 0;
  const worker = async () => {
    while (index < vectors.length) {
      const argv = vectors[index++] as string[];
      const proc = Bun.spawn([RIG, ...argv], { cwd: dir, env: { ...process.env, NO_COLOR: "1", RIGKIT_HOME: `${dir}/.home` }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited, new Response(proc.stdout).text()]);
      const problem =
        ![0, 1, 2].includes(code) ? `exit ${code}` : /^\s+at .+:\d+:\d+\)?$/m.test(stderr) ? "stack trace" : /Internal error/.test(stderr) ? "internal error" : null;
      if (problem) failures.push(`${problem}: rig ${JSON.stringify(argv.map((a) => (a.length > 80 ? `${a.slice(0, 20)}…(${a.length})` : a)))}\n${stderr.slice(0, 400)}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  if (failures.length > 0) console.error(`fuzz seed ${seed}:\n${failures.slice(0, 10).join("\n")}`);
  expect(failures).toEqual([]);
}, 300_000);
