// Runs: a timeline of this session's live runs (from the event stream) and recent ones
// (`GET /log`, the history `rig log` shows), and the selected run's or task's output,
// streaming while it runs; a failed task shows its error, log tail and log path.
import { duration, h } from "./dom.js";
import { stateLabel } from "./graph.js";

/** Lines of a task's output the page keeps (the full log is in the file the task names). */
const KEEP_LINES = 500;
const TAIL_LINES = 40;

export class RunsView {
  constructor(list, output) {
    this.list = list;
    this.output = output;
    this.live = []; // newest first
    this.current = new Map(); // workflow → live apply run
    this.recent = [];
    this.selected = null; // { run, path? }
    this.renderQueued = false;
  }

  setRecent(entries) {
    this.recent = entries;
    this.render();
  }

  /** The live run an event belongs to: the workflow's current apply (one is opened for a CLI apply seen mid-way). */
  runFor(workflow) {
    let run = this.current.get(workflow);
    if (!run) run = this.open({ kind: "apply", workflow, target: null });
    return run;
  }

  open({ kind, workflow, target }) {
    const run = { key: `${kind}-${workflow}-${Date.now()}-${this.live.length}`, kind, workflow, target, status: "running", startedAt: new Date().toISOString(), tasks: new Map(), lines: [] };
    this.live.unshift(run);
    if (kind === "apply") this.current.set(workflow, run);
    this.render();
    return run;
  }

  task(run, path) {
    if (!run.tasks.has(path)) run.tasks.set(path, { path, state: "queued", lines: [], dropped: 0 });
    return run.tasks.get(path);
  }

  /** Takes every event of the stream; returns the task change for the graph, if any. */
  onEvent(type, e) {
    if (type === "apply.started") {
      const run = this.open({ kind: "apply", workflow: e.workflow, target: null });
      for (const path of e.pending ?? []) this.task(run, path).state = "queued";
      for (const path of e.cached ?? []) this.task(run, path).state = "cached";
      // A new apply is followed unless another live run is being watched.
      if (!this.selected || this.selected.run.status !== "running") this.selected = { run, path: undefined, pinned: false };
      this.scheduleRender();
      return;
    }
    if (type === "apply.finished") {
      const run = this.runFor(e.workflow);
      run.status = e.status ?? "ok";
      run.durationMs = Date.now() - Date.parse(run.startedAt);
      this.current.delete(e.workflow);
      this.render();
      return;
    }
    if (type === "operation.output" || type === "workspace.output") {
      // A hook's or operation's lines go to the timeline entry they end up in.
      const label = type === "workspace.output" ? `${e.workflow} ${e.name}` : e.label;
      (this.pendingLines ??= new Map()).set(label, [...(this.pendingLines.get(label) ?? []), e.line].slice(-KEEP_LINES));
      return;
    }
    if (type === "operation.finished") {
      const run = { key: `op-${Date.now()}`, kind: "operation", workflow: e.workflow, target: e.workspace ? `${e.workspace}/${e.operation}` : e.operation, status: e.exitCode === 0 ? "ok" : "failed", startedAt: new Date().toISOString(), tasks: new Map(), lines: [] };
      const label = e.workspace ? `${e.workspace}/${e.operation}` : e.operation;
      run.lines = [...(this.pendingLines?.get(label) ?? []), `exit code ${e.exitCode}`];
      this.pendingLines?.delete(label);
      this.live.unshift(run);
      this.render();
      return;
    }
    if (!type.startsWith("task.")) return;
    const run = this.runFor(e.workflow);
    const task = this.task(run, e.path);
    if (type === "task.output") {
      task.lines.push(e.line);
      if (task.lines.length > KEEP_LINES) {
        task.lines.shift();
        task.dropped++;
      }
      if (this.selected?.run === run && this.selected.path === e.path) this.appendLine(e.line);
      return;
    }
    if (type === "task.cached") Object.assign(task, { state: "cached", runId: e.runId });
    else if (type === "task.queued") task.state = "queued";
    else if (type === "task.started") Object.assign(task, { state: "running", attempt: e.attempt, attempts: e.attempts });
    else if (type === "task.retrying") Object.assign(task, { state: "retrying", attempt: e.attempt, attempts: e.attempts });
    else if (type === "task.finished") Object.assign(task, { state: e.status, durationMs: e.durationMs, runId: e.runId, logPath: e.logPath, error: e.error });
    this.scheduleRender();
  }

  scheduleRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  render() {
    const focused = document.activeElement?.id;
    const items = [];
    for (const run of this.live) items.push(this.item(run, true));
    const newestLive = this.live.length ? Date.parse(this.live[this.live.length - 1].startedAt) - 2000 : Infinity;
    for (const [i, entry] of this.recent.entries()) {
      // This session's runs are already listed, with their output.
      if (Date.parse(entry.startedAt) >= newestLive && this.live.some((r) => r.kind === entry.kind && r.workflow === entry.workflow)) continue;
      items.push(this.item({ ...entry, key: `log-${i}` }, false));
    }
    this.list.replaceChildren(...(items.length ? items : [h("li", { class: "muted" }, "No runs yet.")]));
    if (focused) document.getElementById(focused)?.focus();
    if (this.selected) this.showRun(this.selected.run, this.selected.pinned ? this.selected.path : undefined);
  }

  item(run, live) {
    const failedTasks = live ? [...run.tasks.values()].filter((t) => t.state === "failed").length : 0;
    const done = live ? [...run.tasks.values()].filter((t) => t.state === "done" || t.state === "cached").length : 0;
    const what = `${run.kind}${run.workflow ? ` ${run.workflow}` : ""}${run.target ? ` → ${run.target}` : ""}`;
    return h(
      "li",
      {},
      h(
        "button",
        { type: "button", id: `run-${run.key}`, "data-run": run.key, "data-status": run.status, "aria-pressed": this.selected?.run?.key === run.key ? "true" : "false", onclick: () => this.showRun(run) },
        h("span", {}, what),
        h("span", { class: `status status-${run.status}` }, run.status),
        h("span", { class: "when" }, `${new Date(run.startedAt).toLocaleTimeString()}${run.durationMs != null ? ` · ${duration(run.durationMs)}` : ""}`),
        h("span", { class: "when" }, live && run.tasks.size ? `${done}/${run.tasks.size} tasks${failedTasks ? `, ${failedTasks} failed` : ""}` : run.detail?.error ? "error" : ""),
      ),
    );
  }

  /**
   * Shows a run: its tasks, and the output of the given task (pinned) or else of the
   * failed or running one, which it follows as the run goes on.
   */
  showRun(run, path) {
    const wasSelected = this.selected?.run?.key;
    const shownPath = this.selected?.path;
    this.selected = { run, path, pinned: path !== undefined };
    if (wasSelected !== run.key) for (const b of this.list.querySelectorAll("button[aria-pressed]")) b.setAttribute("aria-pressed", b.dataset.run === run.key ? "true" : "false");
    const parts = [h("h3", {}, `${run.kind} ${run.workflow ?? ""}${run.target ? ` → ${run.target}` : ""}: ${run.status}`)];
    if (run.detail?.error) parts.push(h("p", { class: "error" }, run.detail.error));
    if (run.lines?.length) parts.push(h("pre", {}, run.lines.join("\n")));
    const tasks = [...(run.tasks?.values() ?? [])];
    if (tasks.length) {
      const chosen =
        path ?? tasks.find((t) => t.state === "failed")?.path ?? tasks.find((t) => t.state === "running" || t.state === "retrying")?.path ?? (wasSelected === run.key ? shownPath : undefined);
      parts.push(
        h(
          "ul",
          { class: "task-list", "aria-label": "Tasks of this run" },
          tasks.map((t) => h("li", {}, h("button", { type: "button", id: `task-${run.key}-${t.path}`, "data-task": t.path, "data-state": t.state, "aria-pressed": t.path === chosen ? "true" : "false", onclick: () => this.showRun(run, t.path) }, `${t.path}: ${stateLabel(t)}`))),
        ),
      );
      if (chosen) {
        // The same task's output stays as it is (new lines were appended as they came), keeping its scroll.
        const shown = this.output.querySelector(`[data-task-output]`);
        const task = run.tasks.get(chosen);
        const same = wasSelected === run.key && shownPath === chosen && shown?.getAttribute("data-task-output") === chosen && shown.dataset.state === task.state;
        parts.push(same ? shown : this.taskOutput(task));
      }
      this.selected.path = chosen;
    } else if (!run.lines?.length && !run.detail?.error) {
      const nothingRan = run.kind === "apply" && run.status === "ok" && run.tasks?.size === 0;
      parts.push(h("p", { class: "muted" }, nothingRan ? "Nothing ran: every task was cached." : run.detail ? JSON.stringify(run.detail) : "No output recorded in this session."));
    }
    this.output.replaceChildren(...parts);
  }

  taskOutput(task) {
    const failed = task.state === "failed";
    const lines = failed ? task.lines.slice(-TAIL_LINES) : task.lines;
    const skipped = (failed ? task.lines.length - lines.length : 0) + task.dropped;
    return h(
      "div",
      { class: "task-output", "data-task-output": task.path, "data-state": task.state },
      h("h3", {}, `${task.path}: ${stateLabel(task)}`),
      task.error ? h("p", { class: "error", role: "alert" }, `${task.error.code}: ${task.error.message}`) : null,
      failed ? h("p", {}, "Log tail", task.logPath ? [" — full log: ", h("code", { "data-log-path": "" }, task.logPath)] : null) : null,
      h("pre", { id: "task-lines", tabindex: "0", "aria-label": `Output of ${task.path}` }, `${skipped ? `… ${skipped} earlier lines${task.logPath ? ` in ${task.logPath}` : ""}\n` : ""}${lines.join("\n")}`),
    );
  }

  appendLine(line) {
    const pre = this.output.querySelector("#task-lines");
    if (!pre) return;
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.append(`${pre.textContent ? "\n" : ""}${line}`);
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }

  /** Shows a graph node's output: from this session's latest run of it, when there is one. */
  showTask(node) {
    const run = this.live.find((r) => r.workflow === node.workflow && r.tasks.has(node.path));
    if (run) return this.showRun(run, node.path);
    this.selected = null;
    this.output.replaceChildren(h("h3", {}, `${node.path}: ${stateLabel(node)}`), h("p", { class: "muted" }, node.runId ? `Cached by run ${node.runId}; no output in this session.` : "Not run in this session."));
  }
}
