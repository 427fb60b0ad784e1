/**
 * The `rig` entry point and the one place that exits the process: everything below
 * throws typed errors (src/errors.ts), rendered here as one line plus indented detail.
 */
import { RigError, isRigError, messageOf } from "../errors.ts";

const argv = process.argv.slice(2);

// Fast path: `rig --version` loads nothing else.
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  const { VERSION } = await import("./version.ts");
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}

const json = argv.slice(0, argv.includes("--") ? argv.indexOf("--") : undefined).includes("--json");

/** Maps anything thrown to a RigError; SQLite failures are state-file problems. */
function normalise(error: unknown): RigError {
  if (isRigError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("SQLITE_")) {
    return new RigError("STATE_ERROR", `The state file could not be used: ${messageOf(error)}`, {
      detail: ["If it is damaged, move .rigkit/state.sqlite aside and run rig again."],
      cause: error,
    });
  }
  return new RigError("TASK_FAILED", `Internal error: ${messageOf(error)}`, {
    detail: ["This is a bug in rig; run with RIGKIT_DEBUG=1 for a stack trace and report it."],
    cause: error,
  });
}

function report(error: RigError): void {
  if (process.env.RIGKIT_DEBUG === "1") {
    let current: unknown = error;
    while (current) {
      process.stderr.write(`${current instanceof Error ? current.stack : String(current)}\n`);
      current = current instanceof Error ? current.cause : undefined;
    }
  }
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
    return;
  }
  const { err } = ui;
  const c = err.colors;
  err.line(`${c.red(c.bold("error"))} ${error.message}`);
  for (const line of error.detail) err.line(`  ${c.dim(line)}`);
}

// Ctrl-C: the first one cancels running work (the engine records it, we exit 130);
// a second one exits at once.
const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts++;
  if (interrupts > 1) process.exit(130);
  controller.abort(new RigError("INTERRUPTED", `Interrupted (${signal})`));
  process.stderr.write(`\n${signal === "SIGINT" ? "Interrupted" : `Received ${signal}`}: stopping… (again to exit at once)\n`);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const ui = await import("./ui.ts");
let code: number;
try {
  const { runCli } = await import("./program.ts");
  code = await runCli(argv, controller.signal);
  if (controller.signal.aborted) throw new RigError("INTERRUPTED", "Interrupted");
} catch (error) {
  const failure = normalise(controller.signal.aborted && !isRigError(error) ? new RigError("INTERRUPTED", "Interrupted") : error);
  report(failure);
  code = failure.exitCode;
}
process.exit(code);
