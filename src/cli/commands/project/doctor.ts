/**
 * `rig doctor`: the engine's `doctor` (src/engine/api/doctor.ts), one line per check.
 * Problems are failed checks, not an error: the command exits 0 and `--json` carries
 * `"ok": false` (scripts: `rig doctor --json | jq -e .ok`).
 */
import { doctor } from "../../../engine/api/doctor.ts";
import { type Cli, projectOptions } from "../../context.ts";
import { emit, out } from "../../ui.ts";

export default async function doctorCommand(cli: Cli, opts: { cli?: boolean } = {}): Promise<void> {
  const result = await doctor(projectOptions(cli.globals), { cli: opts.cli === true });
  const c = out.colors;
  const failed = result.checks.filter((k) => !k.ok).length;
  emit(result, () =>
    [
      ...result.checks.map((k) => `${k.ok ? c.green("✓") : c.red("✗")} ${k.name.padEnd(14)} ${k.ok ? c.dim(k.message) : k.message}`),
      "",
      result.ok ? c.green("No problems found.") : c.red(`${failed} problem${failed === 1 ? "" : "s"} found.`),
    ].join("\n"),
  );
}
