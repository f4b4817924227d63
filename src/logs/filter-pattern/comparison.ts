import { PatternError, Scanner } from "./scanner.js";

export type Operator = "=" | "!=" | "<" | ">" | "<=" | ">=";
export type Literal = { kind: "number"; n: number } | { kind: "string"; s: string; glob?: RegExp } | { kind: "regex"; re: RegExp };
export interface Comparison {
  op: Operator;
  value: Literal;
}

const OPERATORS: Operator[] = ["!=", "<=", ">=", "=", "<", ">"];
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function readOperator(s: Scanner): Operator | undefined {
  return OPERATORS.find((op) => s.eat(op));
}

/** A value after an operator: "quoted", %regex%, a number, or a bare word (`*` is a wildcard in strings). */
export function readLiteral(s: Scanner, stops: string): Literal {
  if (s.peek('"')) return stringLiteral(s.quoted());
  if (s.peek("%")) return { kind: "regex", re: s.regex() };
  const bare = s.bare(stops);
  if (bare === "") throw new PatternError("missing value");
  return NUMBER.test(bare) ? { kind: "number", n: Number(bare) } : stringLiteral(bare);
}

function stringLiteral(text: string): Literal {
  if (!text.includes("*")) return { kind: "string", s: text };
  const glob = new RegExp(`^${text.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "s");
  return { kind: "string", s: text, glob };
}

export function readComparison(s: Scanner, stops: string): Comparison {
  const op = readOperator(s);
  if (op === undefined) throw new PatternError("expected an operator");
  const value = readLiteral(s, stops);
  if (op !== "=" && op !== "!=" && value.kind !== "number") throw new PatternError("ordering needs a number");
  return { op, value };
}

/**
 * Compares a field's value (a JSON value, or a delimited field's text) with a literal. Numbers
 * compare numerically (text that reads as a number counts as one); strings exactly or by glob;
 * a regex searches the value's text. `!=` is the negation of `=` for a value that exists.
 */
export function compare(actual: unknown, { op, value }: Comparison): boolean {
  if (op === "!=") return !compare(actual, { op: "=", value });
  if (value.kind === "number") {
    const n = typeof actual === "number" ? actual : typeof actual === "string" && NUMBER.test(actual) ? Number(actual) : undefined;
    if (n === undefined) return false;
    switch (op) {
      case "=": return n === value.n;
      case "<": return n < value.n;
      case ">": return n > value.n;
      case "<=": return n <= value.n;
      default: return n >= value.n;
    }
  }
  if (actual === null || typeof actual === "object" || actual === undefined) return false;
  const text = String(actual);
  if (value.kind === "regex") return value.re.test(text);
  return value.glob ? value.glob.test(text) : text === value.s;
}
