/**
 * rigkit config: a shared fleet of dev machines over SSH. A base directory is prepared on
 * every host; each workspace is a copy of it on the least-loaded reachable host.
 *
 *   rig apply            prepare the base on every host
 *   rig create ws1       a workspace on the least-loaded host
 *   rig shell ws1        ssh into it;  rig exec ws1 -- make test
 *   rig rm ws1           remove it
 *
 * Hosts are ssh destinations (aliases from ~/.ssh/config work, and so do the agent and
 * known_hosts). Set RIGKIT_SSH_HOSTS=host1,host2 or edit the list below. Hosts that share
 * a home directory (NFS, or several sshd on one machine) need their own `root`:
 *   ssh({ hosts: [{ host: "a", root: "/srv/rig-a" }, { host: "b", root: "/srv/rig-b" }] })
 */
import { ssh, workflow } from "rigkit";

const hosts = (process.env.RIGKIT_SSH_HOSTS ?? "devbox-1,devbox-2").split(",").filter(Boolean);

export default workflow("fleet")
  .addProvider("ssh", ssh({ hosts, configFile: process.env.RIGKIT_SSH_CONFIG }))

  // The base every workspace is copied from: clone your repository and install its
  // dependencies here (e.g. `git clone … . && npm ci`).
  .task("base", async ({ providers }) => {
    const base = await providers.ssh.prepareDir("base", { fresh: true });
    await providers.ssh.run("echo 'prepared by rigkit' > README && uname -a > host.txt", { cwd: base });
    return { ctx: { base } };
  })

  // `rig shell ws1`, `rig exec ws1 -- <command>`, `rig forward ws1 <port>` and `rig code ws1`
  // come built in; add this project's own actions with .workspaceOperation().
  .workspace({
    create: async ({ workflow, providers }) => providers.ssh.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.ssh.removeWorkspace(workspace.ctx),
  });
