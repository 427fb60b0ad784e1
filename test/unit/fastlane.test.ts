/** The fast lane must accept exactly what commander defines for those commands. */
import { expect, test } from "bun:test";
import { lanes } from "../../src/cli/fastlane.ts";
import { buildProgram } from "../../src/cli/program.ts";

test("every fast-lane option is one commander defines, with the same kind", () => {
  const program = buildProgram({ globals: { json: false }, signal: new AbortController().signal });
  for (const [name, lane] of Object.entries(lanes)) {
    const command = program.commands.find((c) => c.name() === name);
    expect(command, name).toBeDefined();
    for (const [option, spec] of Object.entries(lane.options ?? {})) {
      const defined = command?.options.find((o) => o.long === `--${option}`);
      expect(defined, `${name} --${option}`).toBeDefined();
      expect(defined?.required || defined?.optional ? "string" : "boolean").toBe(spec.type);
      if (spec.short) expect(defined?.short).toBe(`-${spec.short}`);
    }
    expect(command?.registeredArguments.length).toBe(lane.positionals);
  }
});
