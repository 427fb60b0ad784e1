/**
 * rigkit config: a shared fleet of dev machines over SSH. A base directory is prepared on
 * every host; each workspace is a copy of it on the least-loaded reachable host.
 *
 *   rig apply            prepare the base on every host
 *   rig create ws1       a workspace on the least-loaded host
 *   rig ws1/shell        ssh into it;  rig ws1/exec --command "make test"
 *   rig rm ws1           remove it
 *
 * Hosts are ssh destinations (aliases from ~/.ssh/config work, and so do the agent and
 * known_hosts). Set RIGKIT_SSH_HOSTS=host1,host2 or edit the list below. Hosts that share
 * a home directory (NFS, or several sshd on one machine) need their own `root`:
 *   ssh({ hosts: [{ host: "a", root: "/srv/rig-a" }, { host: "b", root: "/srv/rig-b" }] })
 */
import { ssh, workflow, z } from "rigkit";

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

  .workspace({
    create: async ({ workflow, providers }) => providers.ssh.createWorkspace({ from: workflow.ctx.base }),
    remove: async ({ workspace, providers }) => providers.ssh.removeWorkspace(workspace.ctx),
  })

  .workspaceOperation("shell", {
    description: "Open a login shell in the workspace",
    run: async ({ workspace, providers }) => {
      // A shell's exit code is that of the last command typed in it: not this action's failure.
      await providers.ssh.shell(workspace.ctx);
    },
  })

  .workspaceOperation("exec", {
    description: "Run a shell command in the workspace",
    input: z.object({ command: z.string().describe("the shell command to run") }),
    run: async ({ input, workspace, providers }) => {
      // A failing command fails the action (exit 1, with its stderr); its output is in the result otherwise.
      const result = await providers.ssh.exec(workspace.ctx.host, input.command, { cwd: workspace.ctx.dir });
      return { host: workspace.ctx.host, stdout: result.stdout, stderr: result.stderr };
    },
  });
