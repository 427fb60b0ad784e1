/**
 * The `rig` entry point, and the one place that exits the process. It imports nothing
 * up front, so `rig --version` costs little more than starting Bun.
 */
const argv = process.argv.slice(2);

if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  const { VERSION } = await import("./version.ts");
  console.log(VERSION);
  process.exit(0);
}

// The completion endpoint reads the state file only and must stay this light.
if (argv[0] === "__complete") {
  const { runComplete } = await import("./complete.ts");
  await runComplete(argv.slice(1));
  process.exit(0);
}

// The real exit: config loading replaces process.exit with an error while config code runs.
const exitNow: (code: number) => never = process.exit.bind(process);

// Every process this command starts carries our marker (bin/rig sets it before Bun starts;
// see src/host/supervisor.ts), so failure or interrupt can stop all of them.
if (process.env.RIGKIT_SUPERVISOR !== `rig:${process.pid}`) process.env.RIGKIT_SUPERVISOR = `rig:${process.pid}`;
const { isWaiting } = await import("../host/waiting.ts");
// Loaded now, not in a signal handler: while a config's top-level await is pending, a
// dynamic import would wait behind it.
const { ownMarker, signalMarked, stopOwned } = await import("../host/supervisor.ts");

/** Stops what this command started (grace period, then SIGKILL), then exits. */
async function exit(code: number): Promise<never> {
  if (code !== 0) await stopOwned();
  exitNow(code);
}

// SIGINT, SIGTERM and SIGHUP (terminal closed) all cancel: the first cancels running work,
// which the engine records before we exit 130; a second exits at once, killing what is
// left. A command that is only waiting (lock, config, prompt) exits at once.
const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts++;
  if (interrupts > 1 || isWaiting()) {
    signalMarked(ownMarker(), interrupts > 1 ? "SIGKILL" : "SIGTERM");
    exitNow(130);
  }
  controller.abort();
  console.error(`\n${signal === "SIGINT" ? "Interrupted" : `Received ${signal}`}: stopping… (again to exit at once)`);
  // Processes started directly by config code hear it from us, not through a helper.
  void stopOwned();
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
process.on("SIGHUP", onSignal);

const { main } = await import("./boundary.ts");
await exit(await main(argv, controller.signal));
export {};
