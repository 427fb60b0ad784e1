/**
 * The authoring API: what `rigkit.config.ts` imports from "rigkit". The running CLI
 * hands configs this very module, so nothing needs installing next to a config.
 */
export { z } from "./sdk/zod.ts";
export { env, type EnvValue } from "./sdk/env.ts";
export {
  defineProvider,
  type ArtifactRef,
  type KeyValueStore,
  type LiveStatus,
  type ProjectInfo,
  type ProviderCheck,
  type ProviderController,
  type ProviderDefinition,
  type ProviderResource,
  type RuntimeContext,
  type WorkspaceHandle,
  type WorkspaceResource,
  type WorkspaceExecResult,
  type ForwardTarget,
  type ForkTarget,
  type EditorTarget,
  type ExportOptions,
} from "./sdk/provider.ts";
export type { BaseProviderPlugin, UpstreamRuntimeContext, WorkflowProviderController, WorkflowProviderDefinition } from "./sdk/upstream-provider.ts";
export { sequence, workflow, type CtxOf, type Sequence, type WorkflowNodeOutput, type WorkflowProviderMap } from "./sdk/sequence.ts";
export type * from "./sdk/types.ts";
export { local, type LocalRuntime, type LocalDirRef } from "./providers/local/index.ts";
export { docker, type Container, type DockerConfig, type DockerImageRef, type DockerRuntime } from "./providers/docker/index.ts";
export { lxd, type LxdBuildInstance, type LxdConfig, type LxdExecOptions, type LxdRuntime, type LxdSnapshotRef } from "./providers/lxd/index.ts";
export { ssh, type SshConfig, type SshDirRef, type SshHost, type SshRuntime, type SshWorkspace } from "./providers/ssh/index.ts";
