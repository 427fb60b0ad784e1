/**
 * Preloaded by bun test (bunfig.toml): hooks here run once around the whole run. The temp
 * directories of test/helpers.ts are removed after the last file (an afterAll inside
 * helpers.ts would belong to whichever file imported it first).
 */
import { afterAll } from "bun:test";
import { cleanUp } from "./helpers.ts";

// Generous: a run leaves many temp projects (virtualenvs, git clones) to delete.
afterAll(cleanUp, 120_000);
