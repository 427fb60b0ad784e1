// The workflow graph as SVG, laid out by dagre (served from the package's node_modules, no
// bundler: README "Dashboard"; big graphs by their own structure, layout.js). Each node has
// a colour *and* a text label for its state.
import { duration, h } from "./dom.js";
import { DAGRE_LIMIT, dagreLayout, structuralLayout } from "./layout.js";

let dagreLoaded = null;
/** dagre is ~100 kB: loaded only when a graph is drawn, after the workspaces are on screen. */
function loadDagre() {
  dagreLoaded ??= new Promise((resolve, reject) => {
    if (window.dagre) return resolve(window.dagre);
    const script = h("script", { src: "/ui/vendor/dagre.min.js" });
    script.onload = () => resolve(window.dagre);
    script.onerror = () => reject(new Error("could not load the graph layout library"));
    document.head.append(script);
  });
  return dagreLoaded;
}

const NODE_HEIGHT = 38;

const CHAR_WIDTH = 7;

/** The text label of a node's state (what the colour says, for readers who cannot see it). */
export function stateLabel(node) {
  switch (node.state) {
    case "pending": return node.reason ? `pending: ${node.reason}` : "pending";
    case "running": return node.attempts > 1 ? `running (attempt ${node.attempt}/${node.attempts})` : "running";
    case "retrying": return `retrying (attempt ${node.attempt}/${node.attempts})`;
    case "done": return node.durationMs !== undefined ? `done in ${duration(node.durationMs)}` : "done";
    case "failed": return node.error ? `failed: ${node.error.code}` : "failed";
    default: return node.state ?? "";
  }
}

export class GraphView {
  constructor(container, summary, onSelect) {
    this.container = container;
    this.summary = summary;
    this.onSelect = onSelect;
    this.nodes = new Map(); // path → node
    this.elements = new Map(); // path → <g>
    this.order = [];
    this.focusIndex = 0;
    /**
     * How each task ended in the last apply seen: a fresh plan afterwards says only "cached"
     * or "pending", and the graph keeps saying "done in 2 s" or "failed" until the next apply.
     */
    this.lastRun = new Map();
  }

  /** A new apply starts: the last one's results are history. */
  forgetLastRun() {
    this.lastRun.clear();
  }

  /**
   * Draws `{nodes, edges}` from `GET /workflows/:w/graph`; resolves once it is on screen.
   * Tasks are boxes joined by `feeds` edges (who makes whose incoming context); parallel
   * blocks and their branches are clusters drawn around what they `contain`.
   */
  async draw(graph) {
    this.nodes = new Map();
    for (const n of graph.nodes) {
      const state = n.kind === "task" ? n.status : "group";
      const last = n.kind === "task" ? this.lastRun.get(n.path) : undefined;
      // "done" yields to what the plan says once that changes; a failure stays until the next apply.
      const kept = last && (last.state !== "done" || n.status === "cached") ? last : undefined;
      this.nodes.set(n.id, { ...n, key: n.kind === "task" ? n.path : n.id, state, ...kept });
    }
    const all = [...this.nodes.values()];
    const parentOf = new Map();
    for (const e of graph.edges) if (e.type === "contains") parentOf.set(e.to, e.from);
    // The workflow's root sequence holds everything: not drawn as a box of its own.
    const roots = new Set(all.filter((n) => n.kind !== "task" && !parentOf.has(n.id)).map((n) => n.id));
    const sizeOf = (node) => {
      const text = this.title(node);
      return { width: Math.max(90, Math.min(360, Math.max(text.length, 24) * CHAR_WIDTH + 20)), height: node.kind === "task" ? NODE_HEIGHT : 24 };
    };
    const tasks = all.filter((n) => n.kind === "task").length;
    const structured = tasks > DAGRE_LIMIT && graph.edges.some((e) => e.type === "contains");
    const layout = structured ? structuralLayout(all, graph.edges, roots, sizeOf) : dagreLayout(await loadDagre(), all, graph.edges, roots, sizeOf);
    const svg = h("svg:svg", {
      width: Math.ceil(layout.width),
      height: Math.ceil(layout.height),
      role: "group",
      "data-layout": structured ? "structure" : "dagre",
      "aria-label": "Workflow graph: use the arrow keys to move between tasks, Enter to show a task's output",
    });
    // Clusters first (outer before inner), then edges, then the tasks on top.
    const depth = (id) => (parentOf.has(id) && !roots.has(parentOf.get(id)) ? 1 + depth(parentOf.get(id)) : 0);
    const clusters = all.filter((n) => layout.clusters.has(n.id)).sort((a, b) => depth(a.id) - depth(b.id));
    for (const node of clusters) svg.append(this.clusterElement(node, layout.box(node.id), structured));
    const edges = h("svg:g", { "aria-hidden": "true" });
    for (const points of layout.paths) edges.append(h("svg:path", { class: "edge", d: `M${points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join("L")}` }));
    svg.append(edges);
    this.elements = new Map();
    this.order = [];
    for (const node of this.nodes.values()) {
      const box = layout.box(node.id);
      if (!box || layout.clusters.has(node.id)) continue;
      const el = this.nodeElement(node, box);
      this.elements.set(node.key, el);
      if (node.kind === "task") this.order.push(node.key);
      svg.append(el);
    }
    // Live updates find tasks by path.
    this.nodes = new Map([...this.nodes.values()].map((n) => [n.key, n]));
    this.focusIndex = 0;
    if (this.order.length) this.elements.get(this.order[0]).setAttribute("tabindex", "0");
    svg.addEventListener("keydown", (event) => this.onKey(event));
    this.container.replaceChildren(svg);
    this.updateSummary();
  }

  /** A parallel block or branch around its tasks; the structure layout leaves room for the label inside. */
  clusterElement(node, box, labelInside) {
    const x = box.x - box.width / 2, y = box.y - box.height / 2;
    const label = node.kind === "parallel" ? "parallel" : `branch ${node.name}`;
    return h(
      "svg:g",
      { class: `cluster cluster-${node.kind}`, role: "group", "aria-label": label, "data-group": node.id, transform: `translate(${x.toFixed(1)},${y.toFixed(1)})` },
      h("svg:rect", { width: box.width, height: box.height, rx: 8 }),
      h("svg:text", { x: 6, y: labelInside ? 13 : -5 }, label),
    );
  }

  title(node) {
    if (node.kind === "task") return node.name ?? node.path;
    return node.kind === "parallel" ? "parallel" : `branch ${node.name}`;
  }

  nodeElement(node, box) {
    const x = box.x - box.width / 2, y = box.y - box.height / 2;
    const isTask = node.kind === "task";
    const el = h(
      "svg:g",
      { class: `node ${isTask ? `node-${node.state}` : "group node-group"}`, tabindex: "-1", role: "button", "data-path": node.key, "data-state": node.state, transform: `translate(${x.toFixed(1)},${y.toFixed(1)})` },
      h("svg:title", {}, ""),
      h("svg:rect", { width: box.width, height: box.height, rx: isTask ? 5 : 12 }),
      h("svg:text", { class: "title", x: 8, y: isTask ? 15 : 16 }, this.title(node)),
      isTask ? h("svg:text", { class: "state", x: 8, y: 30 }, "") : null,
    );
    el.addEventListener("click", () => this.select(node.key));
    this.paint(node, el);
    return el;
  }

  paint(node, el = this.elements.get(node.key)) {
    if (!el || node.kind !== "task") return;
    const label = stateLabel(node);
    el.setAttribute("class", `node node-${node.state}`);
    el.setAttribute("data-state", node.state);
    el.setAttribute("aria-label", `task ${node.path}: ${label}`);
    el.querySelector("title").textContent = `${node.path}: ${label}`;
    el.querySelector("text.state").textContent = label;
  }

  /** Applies a live change to the node at `path` (from a task.* or apply.* event). */
  update(path, change) {
    const node = this.nodes.get(path);
    if (!node) return;
    Object.assign(node, change);
    if (["done", "failed", "cancelled"].includes(change.state)) this.lastRun.set(path, { state: change.state, error: change.error, durationMs: change.durationMs });
    this.paint(node);
    this.summaryDirty ??= requestAnimationFrame(() => {
      this.summaryDirty = undefined;
      this.updateSummary();
    });
  }

  has(path) {
    return this.nodes.has(path);
  }

  updateSummary() {
    const counts = {};
    let tasks = 0;
    for (const n of this.nodes.values()) {
      if (n.kind !== "task") continue;
      tasks++;
      counts[n.state] = (counts[n.state] ?? 0) + 1;
    }
    this.summary.textContent = `${tasks} task${tasks === 1 ? "" : "s"}: ${Object.entries(counts).map(([s, c]) => `${c} ${s}`).join(", ") || "none"}`;
  }

  select(key) {
    const node = this.nodes.get(key);
    if (node?.kind === "task") this.onSelect(node);
  }

  /** Roving focus: one tab stop for the whole graph, arrows move, Enter or Space selects. */
  onKey(event) {
    const moves = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, Home: -Infinity, End: Infinity };
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      this.select(this.order[this.focusIndex]);
      return;
    }
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = Math.max(0, Math.min(this.order.length - 1, this.focusIndex + moves[event.key]));
    this.elements.get(this.order[this.focusIndex])?.setAttribute("tabindex", "-1");
    this.focusIndex = next;
    const el = this.elements.get(this.order[next]);
    el.setAttribute("tabindex", "0");
    el.focus();
  }
}
