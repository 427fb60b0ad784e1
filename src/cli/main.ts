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

// Ctrl-C (or SIGTERM): the first cancels running work, which the engine records before
// we exit 130; a second exits at once.
const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts++;
  if (interrupts > 1) process.exit(130);
  controller.abort();
  console.error(`\n${signal === "SIGINT" ? "Interrupted" : `Received ${signal}`}: stopping… (again to exit at once)`);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const { main } = await import("./boundary.ts");
process.exit(await main(argv, controller.signal));
export {};
