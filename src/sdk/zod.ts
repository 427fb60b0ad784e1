/**
 * `z`, loaded on first use. zod takes ~10 ms to load; a config that never touches `z`
 * (and every command that loads no config) should not pay for it. The proxy forwards
 * everything to zod's own `z`, so `z.object(…)`, `z.infer` and `instanceof z.ZodType`
 * behave exactly as with a direct import.
 */
import type * as zod from "zod";

let real: typeof zod.z | undefined;
const load = (): typeof zod.z => {
  real ??= (require("zod") as typeof zod).z;
  return real;
};

export const z: typeof zod.z = new Proxy({} as typeof zod.z, {
  get: (_, key) => Reflect.get(load(), key),
  has: (_, key) => Reflect.has(load(), key),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
    return descriptor && { ...descriptor, configurable: true };
  },
});
