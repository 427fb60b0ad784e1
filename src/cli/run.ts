/**
 * A command after start-up (main.ts): signal handling, process ownership, the error
 * boundary, and the exit. main.ts loads this module from the prebuilt bundle when it can
 * (src/cli/bundle.ts), from source otherwise; this is the one place that exits the
 * process with a command's code.
 */
export async function run(argv: string[]): Promise<never> {
  // The real exit: config loading replaces process.exit with an error while config code runs.
  const exitNow: (code: number) => never = process.exit.bind(process);
  // Config code (a task, hook or operation) that calls process.exit() fails instead of ending
  // rig with a silent success that skips recording and the --json contract (README "Signals").
  process.exit = ((code?: number | string | null) => {
    throw new Error(`process.exit(${code ?? ""}) was called; config code must throw an Error instead`);
  }) as typeof process.exit;

  // Every process this command starts carries our marker (bin/rig sets it before Bun starts;
  // see src/host/supervisor.ts), so failure or interrupt can stop all of them.
  const { isPrompting, isWaiting } = await import("../host/waiting.ts");
  // Loaded now, not in a signal handler: while a config's top-level await is pending, a
  // dynamic import would wait behind it.
  const { ensureMarker, ownMarker, signalMarked, stopOwned } = await import("../host/supervisor.ts");
  ensureMarker();

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
    if (isPrompting() && interrupts === 1) {
      // Ctrl-C at a prompt is the prompt's cancel key (exit 130 through the engine); SIGTERM
      // or SIGHUP there ends rig at once, with the terminal given back in cooked mode.
      if (signal === "SIGINT") {
        interrupts--;
        return;
      }
      if (process.stdin.isTTY) process.stdin.setRawMode?.(false);
      process.stderr.write("\x1b[?25h");
    }
    if (interrupts > 1 || isWaiting()) {
      signalMarked(ownMarker(), interrupts > 1 ? "SIGKILL" : "SIGTERM");
      exitNow(130);
    }
    controller.abort();
    // SIGHUP: the terminal is gone, and writing to it could only fail.
    if (signal !== "SIGHUP") console.error(`\n${signal === "SIGINT" ? "Interrupted" : `Received ${signal}`}: stopping… (again to exit at once)`);
    // Processes started directly by config code hear it from us, not through a helper.
    void stopOwned();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);

  const { main } = await import("./boundary.ts");
  return exit(await main(argv, controller.signal));
}
