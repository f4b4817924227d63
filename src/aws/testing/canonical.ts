/**
 * A value in a form deep equality can compare across a wire: Dates become `{ $date: ISO }` (a
 * Date and an equal Date are not deep-equal to every assert), bytes of any class (Buffer,
 * Uint8Array, a Python client's base64) `{ $bytes: base64 }`, absent members (undefined) are
 * dropped and keys sorted.
 */
export function canonical(value: unknown): unknown {
  if (value instanceof Date) return { $date: value.toISOString() };
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) Object.defineProperty(out, key, { value: canonical(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** The first difference between two canonical values, as `path: a != b`, or undefined. */
export function firstDifference(a: unknown, b: unknown, path = ""): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return `${path || "value"}: ${show(a)} != ${show(b)}`;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return `${path}: ${a.length} items != ${b.length} items (${show(a)} != ${show(b)})`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    if (d) return d;
  }
  return undefined;
}

const show = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 160 ? `${s.slice(0, 160)}...` : s;
};
