/**
 * rigkit config: dev machines on an LXD (or Incus) server or cluster. A base instance is
 * built once and snapshotted; each workspace is a copy of that snapshot (instant on
 * btrfs/zfs pools), placed on a member by the cluster's own scheduler.
 *
 *   rig apply            build the base (cached until this file changes)
 *   rig create ws1 ws2   two workspaces, wherever the cluster puts them
 *   rig shell ws1        a shell in one;  rig exec ws1 -- make test
 *   rig stop ws1         stop it (its data stays);  rig start ws1
 *   rig rm --all         remove them
 *
 * The server: this machine's LXD socket by default (LXD_SOCKET or LXD_DIR pick another),
 * or a remote one over HTTPS with a client certificate it trusts (`lxc config trust add
 * client.crt` on the server):
 *   RIGKIT_LXD_REMOTE=https://lxd1.example:8443 RIGKIT_LXD_CERT=~/.config/lxc/client.crt
 *   RIGKIT_LXD_KEY="$(cat ~/.config/lxc/client.key)"   (a secret: never stored or shown)
 * rig never downloads an image: import one first (`lxc image copy images:debian/12 local:
 * --alias debian/12`) or point RIGKIT_LXD_IMAGE at one the server has.
 */
import { env, lxd, workflow } from "rigkit";

export default workflow("app")
  .addProvider(
    "lxd",
    lxd({
      // A remote needs its client certificate; the local socket needs nothing.
      ...(process.env.RIGKIT_LXD_REMOTE
        ? { remote: env("RIGKIT_LXD_REMOTE"), cert: env("RIGKIT_LXD_CERT"), key: env.secret("RIGKIT_LXD_KEY"), serverCert: env("RIGKIT_LXD_SERVER_CERT", "") }
        : {}),
      // target: "member1",   pin every instance to one member (default: the cluster decides)
    }),
  )
  .configure({ image: process.env.RIGKIT_LXD_IMAGE ?? "debian/12" })

  // The toolchain layer: install compilers and tools here (a changed line rebuilds it).
  .task("toolchain", async ({ providers, config }) => {
    const base = await providers.lxd.build({ from: config.image }, async (c) => {
      await c.exec("mkdir -p /work && echo 'prepared by rigkit' > /work/README");
    });
    return { ctx: { toolchain: base } };
  })

  // The project layer, on top of the toolchain: the project's files (not .git, git-ignored
  // files or rig's own config; keyed on them), then its dependencies (e.g. `npm ci`).
  .task("project", { inputs: ["**"] }, async ({ step, providers }) => {
    const base = await providers.lxd.build({ from: step.ctx.toolchain }, async (c) => {
      await c.copyProject("/work");
    });
    return { ctx: { ...step.ctx, base } };
  })

  // `rig shell ws1`, `rig exec ws1 -- <command>`, `rig stop/start ws1`, `rig forward ws1 <port>`
  // and `rig create ws2 --from ws1` come built in; add this project's own actions with .workspaceOperation().
  .workspace({
    create: async ({ workflow, providers }) => providers.lxd.createWorkspace({ from: workflow.ctx.base, workdir: "/work" }),
    remove: async ({ workspace, providers }) => providers.lxd.removeWorkspace(workspace.ctx.instance),
  });
