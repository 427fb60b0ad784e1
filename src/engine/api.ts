/**
 * The engine's API: one import for front ends (`rig serve`, `rig mcp`, scripts). Each
 * function takes where the project is (or the project, open), its input (the shape of
 * the matching CLI command's options), and `{ signal, events, prompter, lockTimeout }`;
 * it returns the `--json` document of that command and emits typed events while it works
 * (src/engine/events.ts). It throws RigError with a code (src/errors.ts), never exits.
 *
 * The CLI imports the modules under api/ one by one instead, so a command loads only
 * what it runs (docs/architecture.md "Start-up cost").
 */
export type { CallOptions, ProjectRef } from "./api/call.ts";
export type { EventSink, RigEvent, RigEventType } from "./events.ts";
export { apply, plan } from "./api/apply.ts";
export { createWorkspaces, fork } from "./api/create.ts";
export { removeWorkspaces } from "./api/remove.ts";
export { renew, start, stop } from "./api/running.ts";
export { listConfig, listWorkspaces, listWorkspaces as status, log } from "./api/list.ts";
export { exec } from "./api/exec.ts";
export { editorTarget, forwardTargets, shell } from "./api/attach.ts";
export { execMany, runMany } from "./api/many.ts";
export { runOperation } from "./api/operation.ts";
export { gc } from "./api/gc.ts";
export { doctor } from "./api/doctor.ts";
export { cacheClear, cacheExplain, cacheInvalidate, cacheLs, cacheWorkflow } from "./api/cache.ts";
export { openProject } from "./project/project.ts";
export { providersClear } from "./api/providers.ts";
export { diff, merge } from "./api/changes.ts";
