// The rig dashboard (README "Dashboard"): workspaces, the workflow graph and runs, kept
// live by the server's event stream (`GET /events`, server-sent events) — the page never polls.
import { del, enc, get, post } from "./api.js";
import { announce, h, relative } from "./dom.js";
import { confirmDialog, createDialog, operationDialog } from "./forms.js";
import { GraphView } from "./graph.js";
import { RunsView } from "./runs.js";
import { renderWorkspaces } from "./workspaces.js";

const $ = (id) => document.getElementById(id);
const state = { workflows: [], workspaces: [], workflow: null };
const runs = new RunsView($("runs"), $("output"));
const graph = new GraphView($("graph"), $("graph-summary"), (node) => runs.showTask({ ...node, workflow: state.workflow }));

const actions = {
  stop: (ws) => act(`Stopping ${ws.name}`, () => post(`/workspaces/${enc(ws.name)}/stop${wfQuery(ws)}`)),
  start: (ws) => act(`Starting ${ws.name}`, () => post(`/workspaces/${enc(ws.name)}/start${wfQuery(ws)}`)),
  async remove(ws) {
    if (await confirmDialog(`Remove ${ws.name}?`, `This removes workspace ${ws.name} of ${ws.workflow} and everything in it.`, "Remove")) {
      await act(`Removing ${ws.name}`, () => del(`/workspaces/${enc(ws.name)}${wfQuery(ws)}`));
    }
  },
  async operation(ws, op) {
    const result = await operationDialog(op, ws.name, (input) => post(`/workspaces/${enc(ws.name)}/operations/${enc(op.id)}${wfQuery(ws)}`, input));
    if (result !== null) announce(`${op.id} on ${ws.name} finished`);
  },
};

const wfQuery = (ws) => (state.workspaces.filter((w) => w.name === ws.name).length > 1 ? `?workflow=${enc(ws.workflow)}` : "");

/** Runs an action; its result arrives through the event stream, errors are announced. */
async function act(what, call) {
  announce(`${what}…`);
  try {
    await call();
    await refreshWorkspaces();
    announce(`${what}: done`);
  } catch (e) {
    announce(`${what} failed: ${e.message}`);
    alertError(`${what} failed: ${e.message}`);
  }
}

function alertError(text) {
  const d = $("dialog");
  d.replaceChildren(h("form", { method: "dialog" }, h("h2", { id: "dialog-title" }, "Error"), h("p", { class: "error", role: "alert" }, text), h("div", { class: "buttons" }, h("button", { value: "ok" }, "Close"))));
  d.showModal();
}

function drawWorkspaces() {
  renderWorkspaces($("workspaces"), state.workspaces, state.workflows, actions);
}

async function refreshWorkspaces() {
  state.workspaces = (await get("/workspaces")).workspaces;
  drawWorkspaces();
}

async function refreshGraph() {
  if (!state.workflow) return;
  await graph.draw(await get(`/workflows/${enc(state.workflow)}/graph`));
}

async function refreshRuns() {
  runs.setRecent((await get("/log")).entries ?? []);
}

/** A workspace's change, from `workspace.status`, `.created` or `.removed`. */
function onWorkspaceEvent(type, e) {
  const i = state.workspaces.findIndex((w) => w.name === e.name && w.workflow === e.workflow);
  if (type === "workspace.removed") {
    if (i >= 0) state.workspaces.splice(i, 1);
  } else if (type === "workspace.created") {
    // The list's other fields (lease, createdAt) come with the next status; ask once now.
    return void refreshWorkspaces();
  } else if (i >= 0) {
    state.workspaces[i] = { ...state.workspaces[i], status: e.status, ...(e.outdated !== undefined ? { outdated: e.outdated } : {}) };
  } else return void refreshWorkspaces();
  drawWorkspaces();
}

/** The graph's node states during an apply (from this page, or a `rig apply` elsewhere). */
function onTaskEvent(type, e) {
  if (e.workflow !== state.workflow) return;
  if (type === "apply.started") {
    graph.forgetLastRun();
    // A `rig apply` elsewhere does not say what it will run: what is pending now is what it will.
    if (!e.pending?.length && !e.cached?.length) {
      for (const [path, node] of graph.nodes) if (node.state === "pending" || node.state === "failed") graph.update(path, { state: "queued" });
    }
    for (const path of e.pending ?? []) graph.update(path, { state: "queued" });
    for (const path of e.cached ?? []) graph.update(path, { state: "cached", reason: null });
  } else if (type === "apply.finished") {
    // Reasons and run ids of what is still pending come from a fresh plan.
    void refreshGraph().catch(() => {});
  } else if (type === "task.cached") graph.update(e.path, { state: "cached", reason: null, runId: e.runId });
  else if (type === "task.queued") graph.update(e.path, { state: "queued" });
  else if (type === "task.started") graph.update(e.path, { state: "running", attempt: e.attempt, attempts: e.attempts });
  else if (type === "task.retrying") graph.update(e.path, { state: "retrying", attempt: e.attempt, attempts: e.attempts });
  else if (type === "task.finished") graph.update(e.path, { state: e.status, durationMs: e.durationMs, runId: e.runId, error: e.error });
}

const EVENT_TYPES = [
  "task.cached", "task.queued", "task.started", "task.output", "task.retrying", "task.finished",
  "apply.started", "apply.finished", "workspace.status", "workspace.created", "workspace.removed",
  "operation.output", "operation.finished", "workspace.output", "run.started", "run.finished",
];

/** Runs this page started (202 answers), by id: their end is announced, a failure shown. */
const followed = new Map();
function follow(id, what) {
  followed.set(id, what);
  announce(`${what}…`);
}
function onRunFinished(e) {
  const what = followed.get(e.id);
  if (!what) return;
  followed.delete(e.id);
  if (e.status === "ok") announce(`${what}: done`);
  else alertError(`${what} ${e.status}: ${e.error?.message ?? ""}`);
  void refreshWorkspaces().catch(() => {});
}

/** Counts what arrived (read by the tests and the bench: no event may be lost). */
window.rigEvents = { count: 0, byType: {} };

function listen() {
  // From now on (the page reads the state next); a reconnect resumes from the last event seen.
  const source = new EventSource("/events?lastEventId=now");
  const conn = $("connection");
  source.onopen = () => {
    conn.textContent = "live";
    conn.className = "live";
  };
  source.onerror = () => {
    // EventSource reconnects by itself (with Last-Event-ID); say so meanwhile.
    conn.textContent = source.readyState === EventSource.CLOSED ? "disconnected — reload the page" : "reconnecting…";
    conn.className = "down";
  };
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (message) => {
      const e = JSON.parse(message.data);
      window.rigEvents.count++;
      window.rigEvents.byType[type] = (window.rigEvents.byType[type] ?? 0) + 1;
      if (type.startsWith("workspace.")) {
        onWorkspaceEvent(type, e);
        if (type !== "workspace.status") void refreshRuns().catch(() => {});
      }
      else {
        onTaskEvent(type, e);
        runs.onEvent(type, e);
        if (type === "run.finished") onRunFinished(e);
        if (type === "apply.finished" || type === "run.finished" || type === "operation.finished") void refreshRuns().catch(() => {});
      }
    });
  }
}

function chooseWorkflow() {
  const select = $("workflow-select");
  select.replaceChildren(...state.workflows.map((w) => h("option", { value: w.name, selected: w.name === state.workflow }, w.name)));
  select.onchange = () => {
    state.workflow = select.value;
    void refreshGraph();
  };
}

async function boot() {
  listen();
  const [project, workflows] = await Promise.all([get("/project"), get("/workflows")]);
  const name = project.name ?? project.root?.split("/").filter(Boolean).pop() ?? "";
  $("project-name").textContent = name;
  $("project-name").title = project.root ?? "";
  document.title = `rig — ${name || "dashboard"}`;
  state.workflows = workflows.workflows ?? workflows;
  state.workflow = state.workflows[0]?.name ?? null;
  chooseWorkflow();
  // Workspaces first (the first meaningful paint), then the graph and the history.
  await refreshWorkspaces();
  document.body.dataset.workspaces = "ready";
  performance.mark("rig:workspaces"); // the first meaningful paint (bench/dashboard.ts)
  await Promise.all([refreshGraph(), refreshRuns()]);
  document.body.dataset.ready = "true";
  performance.mark("rig:graph");

  $("create-button").onclick = async () => {
    let name = "";
    const started = await createDialog(state.workflows, state.workspaces, async (values) => {
      name = values.name;
      const body = { name: values.name, ...(values.workflow ? { workflow: values.workflow } : state.workflow ? { workflow: state.workflow } : {}), ...(values.from ? { from: values.from } : {}), ...(values.ttl ? { ttl: values.ttl } : {}) };
      return post("/workspaces", body);
    });
    // The server answers 202 with a run: how it ends comes with run.finished.
    if (started?.id) follow(started.id, `Creating ${name}`);
    else if (started) await refreshWorkspaces();
  };
  $("apply-button").onclick = async () => {
    try {
      const started = await post("/runs", { kind: "apply", workflow: state.workflow });
      follow(started.id, `Apply of ${state.workflow}`);
    } catch (e) {
      alertError(`Apply failed to start: ${e.message}`);
    }
  };
  // Lease countdowns tick locally (no request): "expires in 3m" stays true.
  setInterval(() => {
    for (const time of document.querySelectorAll("td[data-role=lease] time")) time.textContent = `expires ${relative(time.dateTime)}`;
  }, 15_000);
}

boot().catch((e) => {
  $("connection").textContent = `error: ${e.message}`;
  $("connection").className = "down";
});
