/**
 * Copies a directory tree from a container or a remote host into a local directory, for
 * `rig diff` / `rig merge` (providers' `exportFiles`): `producer` writes a tar stream of the
 * tree on its stdout, and GNU tar unpacks it here without the archive's owners or modes
 * (`--no-same-owner`, `--no-same-permissions`); GNU tar refuses member names with `..`
 * and strips leading `/`, so a hostile workspace cannot write outside `into`.
 */
import { RigError } from "../errors.ts";

export async function untarFrom(producer: string[], into: string, options: { env?: Record<string, string | undefined>; signal: AbortSignal; what: string }): Promise<void> {
  const source = Bun.spawn(producer, { env: options.env as Record<string, string> | undefined, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const sink = Bun.spawn(["tar", "-x", "--no-same-owner", "--no-same-permissions", "--delay-directory-restore", "-C", into, "-f", "-"], {
    stdin: source.stdout,
    stdout: "ignore",
    stderr: "pipe",
  });
  const stop = () => {
    source.kill("SIGKILL");
    sink.kill("SIGKILL");
  };
  options.signal.addEventListener("abort", stop, { once: true });
  try {
    const [sourceErr, sinkErr, sourceCode, sinkCode] = await Promise.all([
      new Response(source.stderr).text(),
      new Response(sink.stderr).text(),
      source.exited,
      sink.exited,
    ]);
    if (options.signal.aborted) throw new RigError("INTERRUPTED", "Interrupted");
    if (sourceCode !== 0 || sinkCode !== 0) {
      const lines = `${sourceErr}\n${sinkErr}`.split("\n").map((l) => l.trim()).filter(Boolean).slice(-5);
      throw new RigError("PROVIDER_FAILED", `Cannot copy the files of ${options.what}`, { detail: lines });
    }
  } finally {
    options.signal.removeEventListener("abort", stop);
  }
}
