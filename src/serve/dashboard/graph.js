// The workflow graph as SVG, laid out by dagre (served from the package's node_modules, no
// bundler: README "Dashboard"). Each node has a colour *and* a text label for its state.
import { duration, h } from "./dom.js";

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

  /** Draws `{nodes, edges}` from `GET /workflows/:w/graph`; resolves once it is on screen. */
  async draw(graph) {
    this.nodes = new Map();
    for (const n of graph.nodes) {
      const state = n.kind === "task" ? n.status : "group";
      const last = n.kind === "task" ? this.lastRun.get(n.path) : undefined;
      const kept = last && ((last.state === "done" && n.status === "cached") || (last.state !== "done" && n.status === "pending")) ? last : undefined;
      this.nodes.set(n.path ?? n.id, { ...n, key: n.path ?? n.id, state, ...kept });
    }
    const dagre = await loadDagre();
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: "TB", nodesep: 14, ranksep: 26, marginx: 10, marginy: 10 });
    g.setDefaultEdgeLabel(() => ({}));
    const idToKey = new Map(graph.nodes.map((n) => [n.id, n.path ?? n.id]));
    for (const node of this.nodes.values()) {
      const text = this.title(node);
      const width = Math.max(90, Math.min(360, Math.max(text.length, 24) * CHAR_WIDTH + 20));
      g.setNode(node.key, { width, height: node.kind === "task" ? NODE_HEIGHT : 24 });
    }
    for (const e of graph.edges) {
      const from = idToKey.get(e.from), to = idToKey.get(e.to);
      if (from !== undefined && to !== undefined) g.setEdge(from, to);
    }
    dagre.layout(g);
    const { width, height } = g.graph();
    const svg = h("svg:svg", { width: Math.ceil(width), height: Math.ceil(height), role: "group", "aria-label": "Workflow graph: use the arrow keys to move between nodes, Enter to show a task's output" });
    const edges = h("svg:g", { "aria-hidden": "true" });
    for (const e of g.edges()) {
      const points = g.edge(e).points;
      edges.append(h("svg:path", { class: "edge", d: `M${points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join("L")}` }));
    }
    svg.append(edges);
    this.elements = new Map();
    this.order = [];
    for (const node of this.nodes.values()) {
      const box = g.node(node.key);
      const el = this.nodeElement(node, box);
      this.elements.set(node.key, el);
      this.order.push(node.key);
      svg.append(el);
    }
    this.focusIndex = 0;
    if (this.order.length) this.elements.get(this.order[0]).setAttribute("tabindex", "0");
    svg.addEventListener("keydown", (event) => this.onKey(event));
    this.container.replaceChildren(svg);
    this.updateSummary();
  }

  title(node) {
    return node.kind === "task" ? node.name ?? node.path : `${node.kind}${node.name ? `: ${node.name}` : ""}`;
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
