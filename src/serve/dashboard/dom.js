// Tiny DOM helpers: elements are built with textContent only, so nothing from the API
// (workspace names, task output) is ever parsed as HTML.

/** h("td", { class: "where", onclick: f }, "text", child…) */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith("svg:") ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** "in 3h 5m", "in 40s", "expired 2m ago" */
export function relative(iso, now = Date.now()) {
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  const s = Math.round(abs / 1000), m = Math.floor(s / 60), hr = Math.floor(m / 60), d = Math.floor(hr / 24);
  const text = d > 0 ? `${d}d ${hr % 24}h` : hr > 0 ? `${hr}h ${m % 60}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

export function duration(ms) {
  if (ms === null || ms === undefined) return "";
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
}

/** Says something to screen readers (the status line at the end of the page). */
export function announce(text) {
  const el = document.getElementById("announce");
  if (el) el.textContent = text;
}
