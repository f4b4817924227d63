import { ServiceError } from "../../core/errors.js";
import type { ServiceModel, Shape, ShapeRef } from "../model.js";
import { textValue } from "./text-value.js";

/**
 * Reads an awsQuery form (`Action=...&Tags.member.1.Key=k&Attributes.entry.1.key=a`) into the
 * plain value the input shape describes, as botocore's QuerySerializer writes it:
 * structure members by their locationName, lists as `Name.member.N` (`Name.N` when flattened,
 * `Name=` for an empty list), maps as `Name.entry.N.key/value`, scalars from their text.
 * The keys are first split on dots into a tree, so that reading is linear in the form's size.
 */
export function readQueryForm(model: ServiceModel, shapeName: string, params: URLSearchParams, codes: { serialization: string }): Record<string, unknown> {
  const root = new Node();
  for (const [key, value] of params) {
    if (key === "Action" || key === "Version") continue;
    let node = root;
    for (const part of key.split(".")) node = node.child(part);
    node.value = value;
  }
  const bad = (message: string) => new ServiceError(codes.serialization, message);
  return readStructure(model, model.shapes[shapeName]!, root, "", bad, 0);
}

class Node {
  value?: string;
  kids?: Map<string, Node>;
  child(name: string): Node {
    this.kids ??= new Map();
    let n = this.kids.get(name);
    if (!n) this.kids.set(name, (n = new Node()));
    return n;
  }
  get(name: string): Node | undefined {
    return this.kids?.get(name);
  }
  /** Children named 1, 2, 3...: the items of a list or the entries of a map, in index order. */
  indexed(): Node[] {
    return [...(this.kids ?? [])].filter(([k]) => /^[1-9]\d{0,8}$/.test(k)).sort(([a], [b]) => Number(a) - Number(b)).map(([, n]) => n);
  }
}

type Bad = (message: string) => ServiceError;

/** Deeper than any model's shapes nest; guards recursive shapes against a crafted key. */
const MAX_DEPTH = 64;

function read(model: ServiceModel, ref: ShapeRef, node: Node, path: string, bad: Bad, depth: number): unknown {
  if (depth > MAX_DEPTH) throw bad(`${path} is nested too deeply.`);
  const shape = model.shapes[ref.shape]!;
  switch (shape.type) {
    case "structure":
      return readStructure(model, shape, node, path, bad, depth);
    case "list": {
      const flattened = ref.flattened ?? shape.flattened;
      const items = flattened ? node : node.get(shape.member!.locationName ?? "member");
      if (!items) {
        if (node.value !== undefined && !node.kids) return []; // `Name=`: an empty list
        throw bad(`${path} must be a list (${path}.member.1=...).`);
      }
      return items.indexed().map((item, i) => read(model, shape.member!, item, `${path}.${i + 1}`, bad, depth + 1));
    }
    case "map": {
      const flattened = ref.flattened ?? shape.flattened;
      const entries = flattened ? node : node.get("entry");
      if (!entries) {
        if (node.value !== undefined && !node.kids) return {};
        throw bad(`${path} must be a map (${path}.entry.1.key=...).`);
      }
      const out: Record<string, unknown> = {};
      for (const entry of entries.indexed()) {
        const key = entry.get(shape.key!.locationName ?? "key")?.value;
        const value = entry.get(shape.value!.locationName ?? "value");
        if (key === undefined || value === undefined) throw bad(`Every entry of ${path} needs a key and a value.`);
        Object.defineProperty(out, key, { value: read(model, shape.value!, value, `${path}.${key}`, bad, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    default:
      if (node.value === undefined) throw bad(`${path} must be a single value.`);
      return textValue(shape, node.value, path, bad);
  }
}

function readStructure(model: ServiceModel, shape: Shape, node: Node, path: string, bad: Bad, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const child = node.get(wireName(model, name, ref)) ?? node.get(ref.locationName ?? name);
    if (child) out[name] = read(model, ref, child, path ? `${path}.${name}` : name, bad, depth + 1);
  }
  return out;
}


/**
 * A member's key in the form. A flattened list whose items are named (SQS's AttributeNames,
 * items `AttributeName`) is sent under the items' name, as botocore's query serializer sends it.
 */
function wireName(model: ServiceModel, name: string, ref: ShapeRef): string {
  const shape = model.shapes[ref.shape];
  if (shape?.type === "list" && (ref.flattened ?? shape.flattened) && shape.member?.locationName) return shape.member.locationName;
  return ref.locationName ?? name;
}
