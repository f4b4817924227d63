import { PatternError } from "./pattern-error.js";
import { compileLeafEntry, isPlainObject, isScalar, type Scalar, type ValueMatcher } from "./value-matchers.js";

/**
 * EventBridge's event pattern language ("Amazon EventBridge event patterns", "Content filtering"):
 * a pattern is a JSON object whose leaves are lists of matchers; a field matches when any entry of
 * its list does; an object matches when every field does, and every `$or` has a matching branch.
 * A field of the event that is an array matches when any of its elements does.
 */
export interface EventPattern {
  matches(event: unknown): boolean;
}

interface Leaf { kind: "leaf"; values: ValueMatcher[]; exists?: boolean[] }
interface Branch { kind: "object"; fields: Array<[string, Node]>; ors: Branch[][] }
type Node = Leaf | Branch;

/** Parses and compiles a pattern; PatternError says why one is refused. */
export function compileEventPattern(text: string): EventPattern {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PatternError(`Filter is not valid JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(json)) throw new PatternError("Filter is not an object");
  if (nestingDepth(json) > MAX_NESTING) throw new PatternError(`Filter is nested more than ${MAX_NESTING} levels deep`);
  const root = compileObject(json);
  return { matches: (event) => matchObject(root, event) };
}

/**
 * Compiling and matching recurse once per level, so a pattern nested tens of thousands deep (an
 * SNS filter policy may be 256 KB) would overflow the stack. AWS documents no depth limit; no
 * real pattern comes near this one.
 */
const MAX_NESTING = 100;

/** How deep objects and arrays nest in a parsed JSON value, counted without recursion. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_NESTING) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function compileObject(obj: Record<string, unknown>): Branch {
  const keys = Object.keys(obj);
  if (keys.length === 0) throw new PatternError("Empty objects are not allowed");
  const branch: Branch = { kind: "object", fields: [], ors: [] };
  for (const key of keys) {
    const value = obj[key];
    if (key === "$or") {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isPlainObject)) throw new PatternError("Value of $or must be an array of at least 2 objects");
      branch.ors.push(value.map(compileObject));
    } else if (Array.isArray(value)) {
      branch.fields.push([key, compileLeaf(value)]);
    } else if (isPlainObject(value)) {
      branch.fields.push([key, compileObject(value)]);
    } else throw new PatternError(`"${key}" must be an object or an array`);
  }
  return branch;
}

function compileLeaf(list: unknown[]): Leaf {
  if (list.length === 0) throw new PatternError("Empty arrays are not allowed");
  const leaf: Leaf = { kind: "leaf", values: [] };
  for (const entry of list) {
    const compiled = compileLeafEntry(entry);
    if (compiled.kind === "value") leaf.values.push(compiled.matcher);
    else (leaf.exists ??= []).push(compiled.exists);
  }
  return leaf;
}

function matchObject(node: Branch, value: unknown): boolean {
  // An array of objects matches when one of its elements does.
  if (Array.isArray(value)) return value.some((v) => matchObject(node, v));
  const obj = isPlainObject(value) ? value : {};
  for (const [key, child] of node.fields) {
    const field = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (!(child.kind === "leaf" ? matchLeaf(child, field) : matchObject(child, field))) return false;
  }
  return node.ors.every((branches) => branches.some((b) => matchObject(b, obj)));
}

/** The scalars at a leaf: the value itself, or an array's scalar elements (nested arrays flattened). */
function scalarsOf(value: unknown): Scalar[] {
  if (isScalar(value)) return [value];
  if (Array.isArray(value)) return value.flat(Infinity).filter(isScalar);
  return [];
}

function matchLeaf(leaf: Leaf, value: unknown): boolean {
  if (leaf.exists) {
    // exists applies to leaves: an object in the event is not a leaf, an empty array holds none.
    const present = value !== undefined && scalarsOf(value).length > 0;
    if (leaf.exists.some((e) => e === present)) return true;
  }
  if (value === undefined || leaf.values.length === 0) return false;
  return scalarsOf(value).some((v) => leaf.values.some((m) => m.matches(v)));
}
