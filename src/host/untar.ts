/**
 * Copies a directory tree from a container or a remote host into a local directory, for
 * `rig diff` / `rig merge` (providers' `exportFiles`): a producer writes a tar stream of
 * the tree — a command on its stdout (`docker cp`, `ssh … tar`), or an in-process stream
 * (LXD's exec websocket) — and GNU tar unpacks it here without the archive's owners or
 * modes (`--no-same-owner`, `--no-same-permissions`); GNU tar refuses member names with
 * `..` and strips leading `/`, so a hostile workspace cannot write outside `into`.
 */
import { RigError } from "../errors.ts";

export interface UntarOptions {
  env?: Record<string, string | undefined>;
  signal: AbortSignal;
  what: string;
}

/** Writes the tar stream with `write`; resolves to the producer's exit code and its error text. */
export type TarProducer = (write: (chunk: Uint8Array) => void, signal: AbortSignal) => Promise<{ exitCode: number; stderr: string }>;

const UNTAR = ["tar", "-x", "--no-same-owner", "--no-same-permissions", "--delay-directory-restore"];

export async function untarFrom(producer: string[] | TarProducer, into: string, options: UntarOptions): Promise<void> {
  const command = Array.isArray(producer);
  const source = command ? Bun.spawn(producer, { env: options.env as Record<string, string> | undefined, stdin: "ignore", stdout: "pipe", stderr: "pipe" }) : null;
  const sink = Bun.spawn([...UNTAR, "-C", into, "-f", "-"], { stdin: source ? source.stdout : "pipe", stdout: "ignore", stderr: "pipe" });
  const stop = () => {
    source?.kill("SIGKILL");
    sink.kill("SIGKILL");
  };
  options.signal.addEventListener("abort", stop, { once: true });
  try {
    const produced = source
      ? Promise.all([source.exited, new Response(source.stderr).text()]).then(([exitCode, stderr]) => ({ exitCode, stderr }))
      : (async () => {
          const stdin = sink.stdin as import("bun").FileSink;
          try {
            return await (producer as TarProducer)((chunk) => void stdin.write(chunk), options.signal);
          } finally {
            await stdin.end();
          }
        })();
    const [made, sinkErr, sinkCode] = await Promise.all([produced, new Response(sink.stderr).text(), sink.exited]);
    if (options.signal.aborted) throw new RigError("INTERRUPTED", "Interrupted");
    if (made.exitCode !== 0 || sinkCode !== 0) {
      const lines = `${made.stderr}\n${sinkErr}`.split("\n").map((l) => l.trim()).filter(Boolean).slice(-5);
      throw new RigError("PROVIDER_FAILED", `Cannot copy the files of ${options.what}`, { detail: lines });
    }
  } finally {
    options.signal.removeEventListener("abort", stop);
  }
}
