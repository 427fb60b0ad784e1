/**
 * Defaults every front end shares, stated once: help shows them (the command table), the
 * engine applies them when an input leaves them out (src/engine/options.ts).
 */

/** How long a state-changing command waits for another rig changing the project (README "Locks"). */
export const DEFAULT_LOCK_TIMEOUT = "5m";

/** How many `rig log` entries. */
export const DEFAULT_LOG_LIMIT = 50;

/** The template `rig init` starts from. */
export const DEFAULT_TEMPLATE = "local";
