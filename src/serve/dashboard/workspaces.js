// The workspace list: grouped by workflow, live status from the event stream (README "Dashboard").
import { duration, h, relative } from "./dom.js";

/**
 * Where a workspace lives, from its context: providers put a directory, a container, a host
 * or a cluster member there (docs/providers.md "What `create` receives"); a project's own
 * hook may name them differently, so the first known key wins.
 */
export function whereOf(ctx) {
  if (!ctx || typeof ctx !== "object") return "";
  const pick = (...keys) => keys.map((k) => ctx[k]).find((v) => typeof v === "string" || typeof v === "number");
  const parts = [];
  const member = pick("member", "clusterMember", "target", "location");
  const host = pick("host", "hostname", "sshHost");
  const container = pick("containerName", "container", "containerId", "instance");
  const dir = pick("dir", "directory", "path", "workdir", "root");
  if (member !== undefined) parts.push(`member ${member}`);
  if (host !== undefined) parts.push(`host ${host}`);
  if (container !== undefined) parts.push(`container ${String(container).slice(0, 40)}`);
  if (dir !== undefined) parts.push(String(dir));
  return parts.join(" · ");
}

/** The provider behind a workspace, when its context or the workflow's manifest says. */
export function providerOf(ws, workflows) {
  if (ws.provider) return ws.provider;
  if (ws.ctx && typeof ws.ctx.provider === "string") return ws.ctx.provider;
  const wf = workflows.find((w) => w.name === ws.workflow);
  return wf?.workspaceProvider ?? wf?.provider ?? (Array.isArray(wf?.providers) ? wf.providers.join(", ") : "");
}

const statusLabel = (ws) => (ws.outdated ? `${ws.status} (outdated)` : ws.status);

/**
 * Renders every workspace; `actions` has create/remove/stop/start/operation callbacks.
 * Returns nothing: the table is rebuilt (cheap for hundreds of rows) so focus is restored by id.
 */
export function renderWorkspaces(container, workspaces, workflows, actions) {
  const focused = document.activeElement?.id;
  container.replaceChildren();
  if (workspaces.length === 0) {
    container.append(h("p", { class: "muted" }, "No workspaces yet. Create one with the button above or `rig create <name>`."));
    return;
  }
  const byWorkflow = new Map();
  for (const ws of workspaces) {
    if (!byWorkflow.has(ws.workflow)) byWorkflow.set(ws.workflow, []);
    byWorkflow.get(ws.workflow).push(ws);
  }
  for (const [workflow, list] of [...byWorkflow].sort(([a], [b]) => a.localeCompare(b))) {
    const ops = workspaceOperations(workflows.find((w) => w.name === workflow));
    const rows = list
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((ws) => {
        const key = `${ws.workflow}-${ws.name}`;
        const label = `${ws.name} (${workflow})`;
        return h(
          "tr",
          { "data-workspace": ws.name, "data-workflow": ws.workflow, "data-status": ws.status },
          h("th", { scope: "row" }, ws.name),
          h("td", {}, h("span", { class: `status status-${ws.status}${ws.outdated ? " status-outdated" : ""}`, "data-role": "status" }, statusLabel(ws))),
          h("td", { "data-role": "lease" }, ws.expiresAt ? h("time", { datetime: ws.expiresAt, title: ws.expiresAt }, `expires ${relative(ws.expiresAt)}`) : "—"),
          h("td", {}, providerOf(ws, workflows) || "—"),
          h("td", { class: "where" }, whereOf(ws.ctx) || "—"),
          h(
            "td",
            { class: "actions" },
            h("button", { type: "button", id: `stop-${key}`, "aria-label": `Stop ${label}`, disabled: ws.status !== "ready", onclick: () => actions.stop(ws) }, "Stop"),
            h("button", { type: "button", id: `start-${key}`, "aria-label": `Start ${label}`, disabled: ws.status !== "stopped", onclick: () => actions.start(ws) }, "Start"),
            ops.map((op) =>
              h("button", { type: "button", id: `op-${key}-${op.id}`, "aria-label": `Run ${op.id} on ${label}`, title: op.description ?? "", onclick: () => actions.operation(ws, op) }, op.id),
            ),
            h("button", { type: "button", class: "danger", id: `rm-${key}`, "aria-label": `Remove ${label}`, onclick: () => actions.remove(ws) }, "Remove"),
          ),
        );
      });
    container.append(
      h("h3", {}, `${workflow} `, h("span", { class: "muted" }, `(${list.length})`)),
      h(
        "table",
        { "aria-label": `Workspaces of ${workflow}` },
        h("thead", {}, h("tr", {}, ["Name", "Status", "Lease", "Provider", "Where", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows),
      ),
    );
  }
  if (focused) document.getElementById(focused)?.focus();
}

/** A workflow's workspace operations (not stop/start/remove, which have their own buttons). */
export function workspaceOperations(workflow) {
  const all = workflow?.workspaceOperations ?? (workflow?.operations ?? []).filter((op) => op.scope === "workspace" || op.workspace === true);
  return all.filter((op) => !["stop", "start", "remove"].includes(op.id));
}

/** Workflow operations (not tied to a workspace). */
export function workflowOperations(workflow) {
  return workflow?.workflowOperations ?? (workflow?.operations ?? []).filter((op) => !(op.scope === "workspace" || op.workspace === true));
}

export { duration };
