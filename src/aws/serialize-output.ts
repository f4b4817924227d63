import { membersOf, type ServiceModel } from "./model.js";

/** How a protocol writes the two kinds of value JSON has no type for. */
export interface ValueFormat {
  timestamp(date: Date): unknown;
  blob(bytes: Buffer): unknown;
}

/** AWS JSON and restJson1 bodies: epoch seconds and base64. */
export const JSON_VALUES: ValueFormat = { timestamp: (d) => d.getTime() / 1000, blob: (b) => b.toString("base64") };

/** A handler may give a timestamp as a Date, epoch milliseconds or a date string. */
export const toDate = (value: unknown) => (value instanceof Date ? value : typeof value === "number" ? new Date(value) : new Date(String(value)));

/**
 * Shapes a handler's plain result into the operation's output shape (by default for AWS JSON:
 * timestamps become epoch seconds, blobs base64); absent members are left out, and members the
 * model does not know are dropped (so an internal field can never leak onto the wire).
 */
export function serializeOutput(model: ServiceModel, shapeName: string, value: unknown, format: ValueFormat = JSON_VALUES): unknown {
  const shape = model.shapes[shapeName];
  if (!shape || value === undefined || value === null) return undefined;
  if (shape.document) return value;
  switch (shape.type) {
    case "structure": {
      const out: Record<string, unknown> = {};
      const input = value as Record<string, unknown>;
      for (const [name, ref] of membersOf(shape)) {
        // Wide shapes (a container definition has some fifty members) are mostly absent.
        const member = Object.hasOwn(input, name) ? input[name] : undefined;
        if (member === undefined || member === null) continue;
        const v = serializeOutput(model, ref.shape, member, format);
        if (v !== undefined) out[name] = v;
      }
      return out;
    }
    case "list":
      return (value as unknown[]).map((v) => serializeOutput(model, shape.member!.shape, v, format) ?? null);
    case "map": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const sv = serializeOutput(model, shape.value!.shape, v, format);
        // defineProperty, so that a key such as `__proto__` stays an entry of the map.
        if (sv !== undefined) Object.defineProperty(out, k, { value: sv, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case "timestamp":
      return format.timestamp(toDate(value));
    case "blob":
      return value instanceof Uint8Array ? format.blob(Buffer.from(value.buffer, value.byteOffset, value.byteLength)) : value;
    default:
      return value;
  }
}
