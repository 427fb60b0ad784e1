/**
 * Where task runs live: the project's state file, or for tasks in a `.global()` fragment
 * the fragment's own state file under `$RIGKIT_HOME/fragments/<hash>/`, shared by every
 * project of this user and opened on first use.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rigkitHome } from "../../host/home.ts";
import { Store } from "../../state/store.ts";
import type { TaskNode } from "../graph/compile.ts";

/** The layout of $RIGKIT_HOME (see README "Files"); bump when it changes incompatibly. */
export const HOME_LAYOUT_VERSION = 1;

export const fragmentDir = (hash: string): string => join(rigkitHome(), "fragments", hash);
export const fragmentStatePath = (hash: string): string => join(fragmentDir(hash), "state.sqlite");

export class Stores {
  private readonly fragments = new Map<string, Store>();

  constructor(readonly project: Store) {}

  fragment(hash: string): Store {
    let store = this.fragments.get(hash);
    if (!store) {
      const home = rigkitHome();
      mkdirSync(home, { recursive: true, mode: 0o700 });
      const layout = join(home, "layout.json");
      if (!existsSync(layout)) writeFileSync(layout, `${JSON.stringify({ version: HOME_LAYOUT_VERSION })}\n`, { mode: 0o600 });
      store = Store.open(fragmentStatePath(hash));
      this.fragments.set(hash, store);
    }
    return store;
  }

  /** The store holding this task's runs. */
  of(node: TaskNode): Store {
    return node.fragment ? this.fragment(node.fragment.hash) : this.project;
  }

  /** Where a task's provider-made files belong: the project's .rigkit/, or the fragment's directory. */
  dataDir(node: TaskNode, projectStateDir: string): string {
    return node.fragment ? fragmentDir(node.fragment.hash) : projectStateDir;
  }
}
