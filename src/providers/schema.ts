/**
 * A provider config schema from its `safeParse` alone: `parse` throws what `safeParse`
 * reports. The built-in providers check their common configs by hand and load zod only
 * for the rest (zod costs ~40 ms to load, which `rig ls` would pay on every call).
 */
import type { OutputSchema } from "../sdk/types.ts";

export function schemaOf<T>(safeParse: OutputSchema<T>["safeParse"]): OutputSchema<T> {
  return {
    safeParse,
    parse(value: unknown): T {
      const result = safeParse(value);
      if (!result.success) throw result.error;
      return result.data;
    },
  };
}
