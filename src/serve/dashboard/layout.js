// Graph layouts: dagre's for graphs of a readable size, and for big ones (hundreds of
// tasks) a direct one from the workflow's structure — sequences stack, parallel branches
// stand side by side — which takes milliseconds where dagre's crossing minimisation takes
// seconds (README "Dashboard"). Both give boxes by node id (centres, like dagre) and edge paths.

/** Above this many tasks the structure's own layout is used. */
export const DAGRE_LIMIT = 150;

const GAP = 18;
const PAD = 10;
const LABEL = 16;

/**
 * Drops an edge a→c when a→b→c is there too (after a parallel block, the next task gets
 * the context from before it as well as each branch's): the drawing shows the flow, not every hand-over.
 */
function withoutShortcuts(edges) {
  const out = new Map();
  for (const e of edges) (out.get(e.from) ?? out.set(e.from, new Set()).get(e.from)).add(e.to);
  return edges.filter((e) => ![...(out.get(e.from) ?? [])].some((mid) => mid !== e.to && out.get(mid)?.has(e.to)));
}

/** `{ width, height, box(id), clusters: Set, paths: [[{x,y}…]] }` by dagre. */
export function dagreLayout(dagre, nodes, edges, roots, sizeOf) {
  const typed = edges.some((e) => e.type);
  const hasChildren = new Set(edges.filter((e) => e.type === "contains").map((e) => e.from));
  const g = new dagre.graphlib.Graph({ compound: typed });
  g.setGraph({ rankdir: "TB", nodesep: 16, ranksep: 34, marginx: 12, marginy: 22 });
  g.setDefaultEdgeLabel(() => ({}));
  const clusters = new Set();
  for (const node of nodes) {
    if (roots.has(node.id)) continue;
    if (node.kind === "task" || !typed || !hasChildren.has(node.id)) g.setNode(node.id, sizeOf(node));
    else {
      g.setNode(node.id, {});
      clusters.add(node.id);
    }
  }
  for (const e of edges) if (e.type === "contains" && g.hasNode(e.from) && g.hasNode(e.to)) g.setParent(e.to, e.from);
  for (const e of withoutShortcuts(edges.filter((e) => e.type !== "contains" && g.hasNode(e.from) && g.hasNode(e.to)))) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const { width, height } = g.graph();
  return { width, height, box: (id) => (g.hasNode(id) ? g.node(id) : undefined), clusters, paths: g.edges().map((e) => g.edge(e).points) };
}

/** The same from the `contains` tree alone, in one pass. */
export function structuralLayout(nodes, edges, roots, sizeOf) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const children = new Map();
  for (const e of edges) if (e.type === "contains") (children.get(e.from) ?? children.set(e.from, []).get(e.from)).push(e.to);
  const sizes = new Map();
  const measure = (id) => {
    const node = byId.get(id);
    const kids = children.get(id) ?? [];
    let size;
    if (kids.length === 0) size = sizeOf(node);
    else {
      const inner = kids.map(measure);
      const framed = !roots.has(id);
      if (node.kind === "parallel") size = { width: inner.reduce((s, c) => s + c.width, 0) + GAP * (kids.length - 1), height: Math.max(...inner.map((c) => c.height)) };
      else size = { width: Math.max(...inner.map((c) => c.width)), height: inner.reduce((s, c) => s + c.height, 0) + GAP * (kids.length - 1) };
      if (framed) size = { width: size.width + 2 * PAD, height: size.height + 2 * PAD + LABEL };
    }
    sizes.set(id, size);
    return size;
  };
  const boxes = new Map();
  const paths = [];
  const clusters = new Set();
  const place = (id, left, top) => {
    const size = sizes.get(id);
    const kids = children.get(id) ?? [];
    if (!roots.has(id)) boxes.set(id, { x: left + size.width / 2, y: top + size.height / 2, width: size.width, height: size.height });
    if (kids.length === 0) return;
    if (!roots.has(id)) clusters.add(id);
    const framed = !roots.has(id);
    let x = left + (framed ? PAD : 0);
    let y = top + (framed ? PAD + LABEL : 0);
    const inner = framed ? size.width - 2 * PAD : size.width;
    let previous = null;
    for (const kid of kids) {
      const k = sizes.get(kid);
      if (byId.get(id).kind === "parallel") {
        place(kid, x, y);
        x += k.width + GAP;
      } else {
        const kx = x + (inner - k.width) / 2;
        place(kid, kx, y);
        // Sequences read top to bottom: a line from each step to the next.
        if (previous) paths.push([{ x: x + inner / 2, y: previous }, { x: x + inner / 2, y }]);
        previous = y + k.height;
        y += k.height + GAP;
      }
    }
  };
  let width = 0;
  let height = 0;
  for (const root of roots) {
    const size = measure(root);
    place(root, 12, 22 + height);
    width = Math.max(width, size.width + 24);
    height += size.height + 22;
  }
  return { width, height: height + 10, box: (id) => boxes.get(id), clusters, paths };
}
