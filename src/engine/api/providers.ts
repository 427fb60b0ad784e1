/** `providersClear` (rig providers <id> clear): forgets a provider's stored data, under the project lock. */
import { clearProviderData } from "../project/provider-storage.ts";
import { openState } from "../project/locate.ts";
import { type CallOptions, type ProjectRef, lockProject, optionsOf } from "./call.ts";

export async function providersClear(ref: ProjectRef, input: { provider: string }, call: CallOptions = {}) {
  const { store } = await openState(optionsOf(ref));
  const unlock = await lockProject(store, call, `providers ${input.provider} clear`);
  try {
    return { provider: input.provider, ...clearProviderData(store, input.provider) };
  } finally {
    unlock(); // now, not at exit: `rig serve` lives on
  }
}
