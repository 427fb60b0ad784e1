/** `providersClear` (rig providers <id> clear): forgets a provider's stored data, under the project lock. */
import { clearProviderData } from "../project/provider-storage.ts";
import type { Store } from "../../state/store.ts";
import { type CallOptions, type ProjectRef, stateOf, withLock } from "./call.ts";

export async function providersClear(ref: ProjectRef, input: { provider: string }, call: CallOptions = {}) {
  const store = (await stateOf(ref)).store as Store;
  return withLock(store, call, `providers ${input.provider} clear`, async () => ({ provider: input.provider, ...clearProviderData(store, input.provider) }));
}
