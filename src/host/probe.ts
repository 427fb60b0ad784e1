/**
 * A quick, quiet query (`docker ps`, `ssh host test -d …`) for live status: Bun.spawn
 * directly (no execa to load: `rig ls` pays for every millisecond), output captured, and
 * killed when `signal` aborts, so an engine or host that does not answer never leaves a
 * process behind. Null when it could not run or was aborted.
 */
export async function probe(
  argv: string[],
  options: { env?: Record<string, string | undefined>; signal?: AbortSignal; input?: string } = {},
): Promise<{ exitCode: number; stdout: string; stderr: string } | null> {
  if (options.signal?.aborted) return null;
  let child: ReturnType<typeof Bun.spawn>;
  try {
    child = Bun.spawn(argv, {
      env: options.env as Record<string, string> | undefined,
      stdin: options.input === undefined ? "ignore" : new TextEncoder().encode(options.input),
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch {
    return null;
  }
  const kill = () => child.kill("SIGKILL");
  options.signal?.addEventListener("abort", kill, { once: true });
  try {
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(child.stdout as ReadableStream).text(),
      new Response(child.stderr as ReadableStream).text(),
      child.exited,
    ]);
    return options.signal?.aborted ? null : { exitCode, stdout, stderr };
  } finally {
    options.signal?.removeEventListener("abort", kill);
  }
}
