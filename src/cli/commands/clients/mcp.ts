/**
 * `rig mcp`: the Model Context Protocol server on stdio (src/mcp/server.ts) until the
 * client closes stdin (exit 0) or a signal (exit 130). stdout carries the protocol alone:
 * anything else written there (config code printing, say) goes to stderr instead.
 */
import { Writable } from "node:stream";
import { writeSync } from "node:fs";
import { type Cli, projectOptions } from "../../context.ts";
import { err } from "../../ui.ts";

export default async function mcpCommand(cli: Cli): Promise<void> {
  const protocol = new Writable({
    write(chunk: Buffer, _encoding, done) {
      try {
        let offset = 0;
        while (offset < chunk.length) offset += writeSync(1, chunk, offset);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
  const toStderr = (chunk: unknown, ...rest: unknown[]) => process.stderr.write(chunk as string, ...(rest as []));
  process.stdout.write = toStderr as typeof process.stdout.write;

  const options = projectOptions(cli.globals);
  (await import("../../../host/attach.ts")).detachStdin(); // commands run for clients get no stdin of ours
  const [{ mcpServer }, { StdioServerTransport }, { openProject }] = await Promise.all([
    import("../../../mcp/server.ts"),
    import("@modelcontextprotocol/sdk/server/stdio.js"),
    import("../../../engine/project/project.ts"),
  ]);
  // The config's operations become tools; a config that does not load leaves the rest working.
  const project = await openProject(options).catch((error: unknown) => {
    err.line(`rig mcp: the config did not load (${(error as Error).message}); operation tools are left out`);
    return null;
  });
  const controller = new AbortController();
  const server = mcpServer(options, project, AbortSignal.any([controller.signal, cli.signal]));
  const transport = new StdioServerTransport(process.stdin, protocol);
  await server.connect(transport);
  await new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
    if (cli.signal.aborted) resolve();
    cli.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  controller.abort();
  await server.close().catch(() => {});
}
