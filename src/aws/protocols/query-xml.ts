import { XMLBuilder } from "fast-xml-parser";
import { membersOf, type ServiceModel, type ShapeRef } from "../model.js";
import { toDate } from "../serialize-output.js";

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", suppressBooleanAttributes: false });

/** An XML document from a tree of elements (`@_name` keys are attributes, arrays repeat elements). */
export const buildXml = (tree: Record<string, unknown>) => `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(tree) as string}`;

type Element = Record<string, unknown> | string;

/**
 * A value of a shape as XML elements, as awsQuery answers carry them: members by locationName,
 * lists as `<member>` items (repeated elements when flattened), maps as `<entry><key/><value/>`,
 * timestamps in ISO 8601, blobs base64. Members the model does not know are dropped.
 * Returns the content of the element, or undefined when the value is absent.
 */
export function toXml(model: ServiceModel, ref: ShapeRef, value: unknown): Element | Element[] | undefined {
  if (value === undefined || value === null) return undefined;
  const shape = model.shapes[ref.shape]!;
  switch (shape.type) {
    case "structure": {
      const out: Record<string, unknown> = {};
      const ns = ref.xmlNamespace ?? shape.xmlNamespace;
      if (ns) out[ns.prefix ? `@_xmlns:${ns.prefix}` : "@_xmlns"] = ns.uri;
      const input = value as Record<string, unknown>;
      for (const [name, member] of membersOf(shape)) {
        const content = toXml(model, member, Object.hasOwn(input, name) ? input[name] : undefined);
        if (content === undefined) continue;
        const memberShape = model.shapes[member.shape]!;
        const flattened = (member.flattened ?? memberShape.flattened) && (memberShape.type === "list" || memberShape.type === "map");
        // A flattened list's items take the member's name (or the item's own locationName).
        const element = flattened && memberShape.type === "list" ? memberShape.member!.locationName ?? member.locationName ?? name : member.locationName ?? name;
        out[element] = content;
      }
      return out;
    }
    case "list": {
      const items = (value as unknown[]).map((v) => toXml(model, shape.member!, v) ?? "");
      if (ref.flattened ?? shape.flattened) return items as Element[];
      return items.length ? { [shape.member!.locationName ?? "member"]: items } : "";
    }
    case "map": {
      const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => ({
        [shape.key!.locationName ?? "key"]: k,
        [shape.value!.locationName ?? "value"]: toXml(model, shape.value!, v) ?? "",
      }));
      if (ref.flattened ?? shape.flattened) return entries;
      return entries.length ? { entry: entries } : "";
    }
    case "timestamp":
      return toDate(value).toISOString();
    case "blob":
      return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") : String(value);
    default:
      return String(value);
  }
}
