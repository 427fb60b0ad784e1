/** Contexts, metadata and results must be plain JSON (README "The config"). */

/** Returns a description of the first non-JSON value found, or null when `value` is plain JSON. */
export function findNonJson(value: unknown, path = "ctx", seen = new Set<object>()): string | null {
  switch (typeof value) {
    case "string":
    case "boolean":
      return null;
    case "number":
      return Number.isFinite(value) ? null : `${path} is ${value} (not a finite number)`;
    case "bigint":
      return `${path} is a bigint`;
    case "undefined":
      return `${path} is undefined`;
    case "function":
      return `${path} is a function`;
    case "symbol":
      return `${path} is a symbol`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return `${path} is a cycle`;
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        const problem = findNonJson(obj[i], `${path}[${i}]`, seen);
        if (problem) return problem;
      }
      return null;
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      return `${path} is a ${proto?.constructor?.name || "class"} instance, not a plain object`;
    }
    for (const [key, child] of Object.entries(obj)) {
      const problem = findNonJson(child, /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, seen);
      if (problem) return problem;
    }
    return null;
  } finally {
    seen.delete(obj);
  }
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);
