import type { ServiceModel } from "./model.js";

/**
 * Shapes a handler's plain result into the operation's output shape for AWS JSON:
 * timestamps become epoch seconds, absent members are left out, and members the model
 * does not know are dropped (so an internal field can never leak onto the wire).
 */
export function serializeOutput(model: ServiceModel, shapeName: string, value: unknown): unknown {
  const shape = model.shapes[shapeName];
  if (!shape || value === undefined || value === null) return undefined;
  if (shape.document) return value;
  switch (shape.type) {
    case "structure": {
      const out: Record<string, unknown> = {};
      const input = value as Record<string, unknown>;
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const v = serializeOutput(model, ref.shape, input[name]);
        if (v !== undefined) out[name] = v;
      }
      return out;
    }
    case "list":
      return (value as unknown[]).map((v) => serializeOutput(model, shape.member!.shape, v) ?? null);
    case "map": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const sv = serializeOutput(model, shape.value!.shape, v);
        // defineProperty, so that a key such as `__proto__` stays an entry of the map.
        if (sv !== undefined) Object.defineProperty(out, k, { value: sv, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case "timestamp": {
      const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : new Date(String(value)).getTime();
      return ms / 1000;
    }
    case "blob":
      return Buffer.isBuffer(value) ? value.toString("base64") : value;
    default:
      return value;
  }
}
