/**
 * Creating an instance where the cluster decides (README, "LXD clusters"): rig sends no
 * `target` unless the config names one, and LXD's scheduler picks the member. A member
 * that died is marked offline by the cluster only after ~15–20 s of missed heartbeats;
 * a create placed on it in that window fails. That failure is retried once, on the
 * answering member with the fewest instances (what the scheduler itself would pick
 * without the dead one), with a line saying so — the one time rig chooses a member.
 */
import { type LxdClient, LxdError } from "./api.ts";
import { type LxdInstance, findInstance, instancePath } from "./owner.ts";

export interface CreateRequest {
  name: string;
  source: Record<string, unknown>;
  config: Record<string, string>;
  profiles: string[];
  /** Devices of this instance alone (a build's network), over the source's. */
  devices?: Record<string, Record<string, string>>;
  pool?: string;
  target?: string;
  log(line: string): void;
  signal?: AbortSignal;
}

interface Member {
  server_name: string;
  url: string;
  status: string;
}

/** Whether a member answers requests forwarded to it (within 3 s). */
async function answers(client: LxdClient, member: string): Promise<boolean> {
  try {
    await client.get(`/1.0/resources?target=${encodeURIComponent(member)}`, AbortSignal.timeout(3000));
    return true;
  } catch {
    return false;
  }
}

interface SourceInstance {
  architecture: string;
  config: Record<string, string>;
  devices: Record<string, Record<string, string>>;
}

/** A copy takes its architecture, config and devices from the request, as `lxc copy` sends them: the source's, with ours over them. */
async function copyBase(client: LxdClient, source: Record<string, unknown>, signal?: AbortSignal): Promise<Partial<SourceInstance>> {
  if (source.type !== "copy" || typeof source.source !== "string") return {};
  const [instance = "", snapshot] = source.source.split("/");
  const path = snapshot ? `${instancePath(instance)}/snapshots/${encodeURIComponent(snapshot)}` : instancePath(instance);
  const from = await client.get<SourceInstance>(path, signal);
  // volatile.* keys describe the source's own life (its idmap, MAC addresses, last state).
  const config = Object.fromEntries(Object.entries(from.config ?? {}).filter(([k]) => !k.startsWith("volatile.")));
  return { architecture: from.architecture, config, devices: from.devices ?? {} };
}

async function post(client: LxdClient, request: CreateRequest, target: string | undefined): Promise<void> {
  const base = await copyBase(client, request.source, request.signal);
  const body = {
    name: request.name,
    type: "container",
    source: request.source,
    ...(base.architecture ? { architecture: base.architecture } : {}),
    config: { ...base.config, ...request.config },
    profiles: request.profiles,
    devices: { ...base.devices, ...request.devices, ...(request.pool ? { root: { type: "disk", path: "/", pool: request.pool } } : {}) },
  };
  await client.run("POST", `/1.0/instances${target ? `?target=${encodeURIComponent(target)}` : ""}`, body, request.signal);
}

/** Creates (not starts) the instance; returns the member it landed on. */
export async function createPlaced(client: LxdClient, request: CreateRequest): Promise<string> {
  try {
    await post(client, request, request.target);
  } catch (error) {
    if (request.target || request.signal?.aborted) throw error;
    const retry = await retryTarget(client, request.name, error);
    if (!retry) throw error;
    request.log(`lxd: creating ${request.name} on member ${retry.dead} failed (it does not answer); retrying once on ${retry.member}`);
    await post(client, request, retry.member);
  }
  return (await findInstance(client, request.name, request.signal))?.location ?? "";
}

/** After a failed create: the dead member it was placed on and another member to try, or null (not a dead-member failure). */
async function retryTarget(client: LxdClient, name: string, error: unknown): Promise<{ dead: string; member: string } | null> {
  let members: Member[];
  try {
    members = await client.get<Member[]>("/1.0/cluster/members?recursion=1", AbortSignal.timeout(10_000));
  } catch {
    return null; // not a cluster, or the cluster itself does not answer
  }
  if (members.length < 2) return null;
  const half = await findInstance(client, name).catch(() => null);
  const message = error instanceof Error ? error.message : String(error);
  const alive = await Promise.all(members.map((m) => answers(client, m.server_name)));
  const deadMembers = members.filter((m, i) => !alive[i] || m.status !== "Online");
  const dead =
    deadMembers.find((m) => m.server_name === half?.location) ??
    deadMembers.find((m) => message.includes(new URL(m.url).host) || message.includes(m.server_name)) ??
    deadMembers[0];
  if (!dead) return null;
  // A record the failed create left on the dead member would block the name.
  if (half) await client.run("DELETE", instancePath(name)).catch(() => {});
  const instances = await client.get<LxdInstance[]>("/1.0/instances?recursion=1", AbortSignal.timeout(10_000)).catch(() => [] as LxdInstance[]);
  const load = (member: string) => instances.filter((i) => i.location === member).length;
  const candidates = members.filter((m, i) => alive[i] && m.status === "Online" && m !== dead).sort((a, b) => load(a.server_name) - load(b.server_name));
  const member = candidates[0]?.server_name;
  return member ? { dead: dead.server_name, member } : null;
}

export { LxdError };
