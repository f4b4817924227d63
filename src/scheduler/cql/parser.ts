import type { CqlNode, Subject } from "./ast.js";
import { CqlSyntaxError, cqlError, type CqlError } from "./errors.js";
import { Lexer, type Token } from "./lexer.js";
import { compilePattern } from "./pattern.js";
import { operatorsFor, subjectText } from "./subjects.js";
import { typedLiteral } from "./values.js";

export type CqlParseResult = { readonly ok: true; readonly ast: CqlNode } | { readonly ok: false; readonly error: CqlError };

/** ECS's limit on a constraint expression or a ListContainerInstances filter. */
export const MAX_EXPRESSION_LENGTH = 2000;

/**
 * Parses a cluster query expression.
 *
 *   expression := or
 *   or         := and ( ("or" | "||") and )*
 *   and        := unary ( ("and" | "&&") unary )*
 *   unary      := ("not" | "!") unary | "(" or ")" | predicate
 *   predicate  := subject operator [argument | list]
 *
 * ECS documents and, or, not and parentheses for precedence without ranking them; this uses the
 * usual ranking (not binds tightest, then and, then or), so `a or b and c` is `a or (b and c)`.
 */
export function parseCql(source: string): CqlParseResult {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, error: cqlError(source, MAX_EXPRESSION_LENGTH, `at most ${MAX_EXPRESSION_LENGTH} characters`, "more") };
  }
  const lx = new Lexer(source);
  try {
    const ast = parseOr(lx);
    const end = lx.connective();
    if (end.kind !== "eof") lx.fail(end.start, "and, or or the end of the expression");
    return { ok: true, ast };
  } catch (err) {
    if (err instanceof CqlSyntaxError) return { ok: false, error: err.error };
    throw err;
  }
}

function parseOr(lx: Lexer): CqlNode {
  let left = parseAnd(lx);
  for (;;) {
    const save = lx.pos;
    if (lx.connective().kind !== "or") {
      lx.pos = save;
      return left;
    }
    left = { kind: "or", left, right: parseAnd(lx) };
  }
}

function parseAnd(lx: Lexer): CqlNode {
  let left = parseUnary(lx);
  for (;;) {
    const save = lx.pos;
    if (lx.connective().kind !== "and") {
      lx.pos = save;
      return left;
    }
    left = { kind: "and", left, right: parseUnary(lx) };
  }
}

function parseUnary(lx: Lexer): CqlNode {
  const t = lx.operand();
  if (t.kind === "not") return { kind: "not", operand: parseUnary(lx) };
  if (t.kind === "lparen") {
    const inner = parseOr(lx);
    const close = lx.connective();
    if (close.kind !== "rparen") lx.fail(close.start, '")"');
    return inner;
  }
  return parsePredicate(lx, t as Token & { kind: "subject" });
}

function parsePredicate(lx: Lexer, t: Token & { kind: "subject" }): CqlNode {
  const subject: Subject = t.subject;
  const op = lx.operator();
  const allowed = operatorsFor(subject);
  if (!allowed.includes(op.op)) lx.fail(op.start, `an operator valid for ${subjectText(subject)} (${allowed.join(", ")})`);
  switch (op.op) {
    case "exists":
    case "!exists":
      return { kind: "exists", subject, negated: op.op === "!exists" };
    case "in":
    case "!in":
      return { kind: "in", subject, values: lx.list().values, negated: op.op === "!in" };
    case "=~":
    case "!~": {
      const arg = lx.literal(true);
      const regex = compilePattern(arg.text);
      if (!(regex instanceof RegExp)) return lx.fail(arg.start, regex.expected);
      return { kind: "match", subject, pattern: arg.text, regex, negated: op.op === "!~" };
    }
    default: {
      const arg = lx.literal(false);
      const value = typedLiteral(subject, arg.text);
      if ("expected" in value) return lx.fail(arg.start, value.expected);
      return { kind: "compare", subject, op: op.op, value };
    }
  }
}
