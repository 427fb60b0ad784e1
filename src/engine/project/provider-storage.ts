/** JSON key-value stores for providers: `storage` (state file) and `hostStorage` (per user). */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { hostStorageDir } from "../../host/home.ts";
import type { KeyValueStore } from "../../sdk/provider.ts";
import type { Store } from "../../state/store.ts";

export function projectStorage(store: Store, provider: string): KeyValueStore {
  return {
    get: <T>(key: string) => {
      const raw = store.storageGet(provider, key);
      return raw === null ? undefined : (JSON.parse(raw) as T);
    },
    set: (key, value) => store.storageSet(provider, key, JSON.stringify(value)),
    delete: (key) => store.storageDelete(provider, key),
    entries: <T>(prefix = "") => store.storageEntries(provider, prefix).map(([k, v]) => [k, JSON.parse(v) as T] as [string, T]),
  };
}

/** A 0600 JSON file under RIGKIT_HOME, rewritten atomically on each change. */
export function fileStorage(path: string): KeyValueStore {
  const read = (): Record<string, unknown> => (existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : {});
  const write = (data: Record<string, unknown>) => {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data, null, 2), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  };
  return {
    get: <T>(key: string) => read()[key] as T | undefined,
    set: (key, value) => write({ ...read(), [key]: value }),
    delete: (key) => {
      const data = read();
      delete data[key];
      write(data);
    },
    entries: <T>(prefix = "") =>
      Object.entries(read())
        .filter(([k]) => k.startsWith(prefix))
        .sort(([a], [b]) => a.localeCompare(b)) as [string, T][],
  };
}

/** Where a provider's host storage lives. */
export const hostStorageFile = (providerId: string): string => join(hostStorageDir(), `${providerId}.json`);

/**
 * `rig providers <id> clear`: forgets what provider `id` stored, in this project's state and
 * in the user's host storage. Only that provider's own rows and file are touched.
 */
export function clearProviderData(store: Store, providerId: string): { projectEntries: number; hostFile: string | null } {
  const projectEntries = store.db.query("DELETE FROM provider_storage WHERE provider = ?").run(providerId).changes;
  const file = hostStorageFile(providerId);
  const hadFile = existsSync(file);
  if (hadFile) rmSync(file, { force: true });
  return { projectEntries, hostFile: hadFile ? file : null };
}
