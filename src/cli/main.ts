/**
 * The `rig` entry point. `--version` answers from here with next to nothing loaded; the
 * completion endpoint runs complete.ts and every other command run.ts, each from the
 * prebuilt bundle when there is a fresh one (src/cli/bundle.ts).
 */
const argv = process.argv.slice(2);

if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  // package.json straight away: a module of our own more costs ~1 ms, most of this command.
  console.log((require("../../package.json") as { version: string }).version);
  process.exit(0);
}

const { loadBundled } = await import("./bundle.ts");

// The completion endpoint reads the state file only and must stay this light.
if (argv[0] === "__complete") {
  const { runComplete } = await loadBundled("complete", () => import("./complete.ts"));
  await runComplete(argv.slice(1));
  process.exit(0);
}

const { run } = await loadBundled("run", () => import("./run.ts"));
await run(argv);
export {};
