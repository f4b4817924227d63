import { BlockList, isIP } from "node:net";
import { PatternError } from "./pattern-error.js";

/** A JSON scalar as an event carries it at a leaf. */
export type Scalar = string | number | boolean | null;

/** One entry of a leaf's match list: it matches some scalar values; `exists` is handled by the caller. */
export interface ValueMatcher {
  matches(value: Scalar): boolean;
}

const isScalar = (v: unknown): v is Scalar => v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A literal: strings and booleans exactly, numbers numerically (3.0e2 equals 300), null only null. */
export const literal = (lit: Scalar): ValueMatcher => ({ matches: (v) => v === lit });

function stringOperand(operator: string, value: unknown): string {
  if (typeof value !== "string") throw new PatternError(`${operator} match pattern must be a string`);
  return value;
}

/** prefix or suffix, optionally `{"equals-ignore-case": "..."}` inside. */
function affix(kind: "prefix" | "suffix", operand: unknown): ValueMatcher {
  let text: string;
  let fold = false;
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1 || keys[0] !== "equals-ignore-case") throw new PatternError(`Unsupported ${kind} pattern: ${keys[0] ?? ""}`);
    text = stringOperand("equals-ignore-case", operand["equals-ignore-case"]).toLowerCase();
    fold = true;
  } else text = stringOperand(kind, operand);
  return {
    matches: (v) => {
      if (typeof v !== "string") return false;
      const s = fold ? v.toLowerCase() : v;
      return kind === "prefix" ? s.startsWith(text) : s.endsWith(text);
    },
  };
}

/**
 * `*` matches any run of characters; `\*` and `\\` are a literal star and backslash. Hand-written
 * because the rules (no consecutive stars, only those two escapes) are EventBridge's own.
 */
function wildcard(operand: unknown): ValueMatcher {
  const text = stringOperand("wildcard", operand);
  let source = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\") {
      const next = text[i + 1];
      if (next !== "*" && next !== "\\") throw new PatternError(`Invalid escape character at pos ${i + 1}`);
      source += `\\${next}`;
      i++;
    } else if (c === "*") {
      if (text[i + 1] === "*") throw new PatternError(`Consecutive wildcard characters at pos ${i + 1}`);
      source += "[\\s\\S]*";
    } else source += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  const re = new RegExp(`^${source}$`, "u");
  return { matches: (v) => typeof v === "string" && re.test(v) };
}

const equalsIgnoreCase = (operand: unknown): ValueMatcher => {
  const text = stringOperand("equals-ignore-case", operand).toLowerCase();
  return { matches: (v) => typeof v === "string" && v.toLowerCase() === text };
};

const numericOps: Record<string, (a: number, b: number) => boolean> = {
  "=": (a, b) => a === b, "<": (a, b) => a < b, "<=": (a, b) => a <= b, ">": (a, b) => a > b, ">=": (a, b) => a >= b,
};

/** `[">", 0, "<=", 5]`: at most one lower and one upper bound, or `["=", n]`. Only numbers match. */
function numeric(operand: unknown): ValueMatcher {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4) throw new PatternError("Value of numeric must be an array.");
  const tests: Array<(v: number) => boolean> = [];
  let lower = false;
  let upper = false;
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const bound = operand[i + 1];
    if (typeof op !== "string" || !Object.hasOwn(numericOps, op)) throw new PatternError(`Unrecognized numeric range operator: ${String(op)}`);
    if (typeof bound !== "number") throw new PatternError(`Value of ${op} must be numeric`);
    if (op === "=") {
      if (operand.length !== 2) throw new PatternError("Bad numeric range: = may not be combined with other operators");
    } else if (op.startsWith(">")) {
      if (lower) throw new PatternError("Bad numeric range: more than one lower bound");
      lower = true;
    } else {
      if (upper) throw new PatternError("Bad numeric range: more than one upper bound");
      upper = true;
    }
    tests.push((v) => numericOps[op]!(v, bound));
  }
  return { matches: (v) => typeof v === "number" && tests.every((t) => t(v)) };
}

/** An IPv4 or IPv6 CIDR block; node's BlockList does the address arithmetic. */
function cidr(operand: unknown): ValueMatcher {
  const text = stringOperand("cidr", operand);
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const family = m ? isIP(m[1]!) : 0;
  const bits = m ? Number(m[2]) : NaN;
  if (!m || family === 0 || bits > (family === 4 ? 32 : 128)) throw new PatternError(`Nonstandard IP address: ${text}`);
  const type = family === 4 ? "ipv4" : "ipv6";
  const list = new BlockList();
  list.addSubnet(m[1]!, bits, type);
  return { matches: (v) => typeof v === "string" && isIP(v) === family && list.check(v, type) };
}

/** anything-but: a value or list of values, or one prefix/suffix/equals-ignore-case/wildcard (or a list of them). */
function anythingBut(operand: unknown): ValueMatcher {
  const notAny = (inner: ValueMatcher[]): ValueMatcher => ({ matches: (v) => !inner.some((m) => m.matches(v)) });
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1) throw new PatternError("Only one key allowed in match expression");
    const key = keys[0]!;
    const inner = operand[key];
    const values = Array.isArray(inner) ? inner : [inner];
    if (values.length === 0) throw new PatternError("Empty arrays are not allowed");
    switch (key) {
      case "prefix":
      case "suffix":
        return notAny(values.map((x) => {
          if (typeof x !== "string") throw new PatternError("prefix/suffix match pattern must be a string");
          if (x === "") throw new PatternError("Null prefix/suffix not allowed");
          return affix(key, x);
        }));
      case "equals-ignore-case":
        return notAny(values.map((x) => {
          if (typeof x !== "string") throw new PatternError("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.");
          return equalsIgnoreCase(x);
        }));
      case "wildcard":
        return notAny(values.map(wildcard));
      default:
        throw new PatternError(`Unsupported anything-but pattern: ${key}`);
    }
  }
  const values = Array.isArray(operand) ? operand : [operand];
  if (values.length === 0) throw new PatternError("Empty arrays are not allowed");
  for (const x of values) {
    if (typeof x !== "string" && typeof x !== "number") {
      throw new PatternError(Array.isArray(operand) ? "Inside anything but list, start|null|boolean is not supported." : "Value of anything-but must be an array or single string/number value.");
    }
  }
  return notAny(values.map((x) => literal(x as Scalar)));
}

/** The result of compiling one entry of a leaf's list: a value matcher, or an exists test. */
export type LeafEntry = { kind: "value"; matcher: ValueMatcher } | { kind: "exists"; exists: boolean };

export function compileLeafEntry(entry: unknown): LeafEntry {
  if (isScalar(entry)) return { kind: "value", matcher: literal(entry) };
  if (!isPlainObject(entry)) throw new PatternError("Match value must be String, number, true, false, or null");
  const keys = Object.keys(entry);
  if (keys.length !== 1) throw new PatternError(keys.length === 0 ? "Empty objects are not allowed" : "Only one key allowed in match expression");
  const operator = keys[0]!;
  const operand = entry[operator];
  switch (operator) {
    case "prefix":
    case "suffix":
      return { kind: "value", matcher: affix(operator, operand) };
    case "equals-ignore-case":
      return { kind: "value", matcher: equalsIgnoreCase(operand) };
    case "wildcard":
      return { kind: "value", matcher: wildcard(operand) };
    case "anything-but":
      return { kind: "value", matcher: anythingBut(operand) };
    case "numeric":
      return { kind: "value", matcher: numeric(operand) };
    case "cidr":
      return { kind: "value", matcher: cidr(operand) };
    case "exists":
      if (typeof operand !== "boolean") throw new PatternError("exists match pattern must be either true or false.");
      return { kind: "exists", exists: operand };
    default:
      throw new PatternError(`Unrecognized match type ${operator}`);
  }
}

export { isScalar, isPlainObject };
