import type { CompiledPattern } from "./filter-pattern.js";
import { compare, readComparison } from "./comparison.js";
import { PatternError, Scanner } from "./scanner.js";

type Step = string | number;
type Test = (event: unknown) => boolean;
const MISSING = Symbol("missing");

/**
 * `{ SELECTOR OP VALUE }` over events that are JSON objects: selectors `$.a.b`, `$.a[0]`;
 * operators = != < > <= >=; `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`; `&&` binds tighter
 * than `||`; parentheses group.
 */
export function compileJsonPattern(source: string): CompiledPattern {
  const s = new Scanner(source);
  s.expect("{");
  const test = orExpr(s);
  s.expect("}");
  if (!s.done) throw new PatternError("text after }");
  return {
    requiredTerms: [],
    matches(message) {
      const start = message.trimStart();
      if (!start.startsWith("{")) return false;
      let event: unknown;
      try {
        event = JSON.parse(message);
      } catch {
        return false;
      }
      return test(event);
    },
  };
}

function orExpr(s: Scanner): Test {
  const parts = [andExpr(s)];
  while (s.eat("||")) parts.push(andExpr(s));
  return parts.length === 1 ? parts[0]! : (e) => parts.some((p) => p(e));
}

function andExpr(s: Scanner): Test {
  const parts = [primary(s)];
  while (s.eat("&&")) parts.push(primary(s));
  return parts.length === 1 ? parts[0]! : (e) => parts.every((p) => p(e));
}

function primary(s: Scanner): Test {
  if (s.eat("(")) {
    const inner = orExpr(s);
    s.expect(")");
    return inner;
  }
  const path = selector(s);
  const at = (e: unknown) => select(e, path);
  if (s.eatWord("IS")) {
    if (s.eatWord("NULL")) return (e) => at(e) === null;
    if (s.eatWord("TRUE")) return (e) => at(e) === true;
    if (s.eatWord("FALSE")) return (e) => at(e) === false;
    throw new PatternError("IS needs NULL, TRUE or FALSE");
  }
  if (s.eatWord("NOT")) {
    if (!s.eatWord("EXISTS")) throw new PatternError("NOT needs EXISTS");
    return (e) => at(e) === MISSING;
  }
  const cmp = readComparison(s, "()&|}");
  return (e) => {
    const v = at(e);
    return v !== MISSING && compare(v, cmp);
  };
}

/** `$` then `.name` and `[index]` steps. */
function selector(s: Scanner): Step[] {
  s.expect("$");
  const steps: Step[] = [];
  for (;;) {
    if (s.text[s.pos] === ".") {
      s.pos++;
      const start = s.pos;
      while (s.pos < s.text.length && /[^\s.[\]=!<>()&|}]/.test(s.text[s.pos]!)) s.pos++;
      if (s.pos === start) throw new PatternError("empty property name");
      steps.push(s.text.slice(start, s.pos));
    } else if (s.text[s.pos] === "[") {
      const m = /^\[(\d+)\]/.exec(s.text.slice(s.pos));
      if (!m) throw new PatternError("bad index");
      s.pos += m[0].length;
      steps.push(Number(m[1]));
    } else break;
  }
  if (steps.length === 0) throw new PatternError("a selector needs a property");
  return steps;
}

/**
 * A JSON selector on its own (`$.latency`, `$.a[0].b`), as metric filters name a value or a
 * dimension: reads the property of an event (a JSON object), or undefined when it has none.
 * Throws PatternError when the text is not a selector.
 */
export function compileSelector(text: string): (event: unknown) => unknown {
  const s = new Scanner(text);
  const path = selector(s);
  if (!s.done) throw new PatternError("text after the selector");
  return (event) => {
    const v = select(event, path);
    return v === MISSING ? undefined : v;
  };
}

function select(value: unknown, path: Step[]): unknown {
  let v: unknown = value;
  for (const step of path) {
    if (typeof step === "number") {
      if (!Array.isArray(v) || step >= v.length) return MISSING;
      v = v[step];
    } else {
      if (v === null || typeof v !== "object" || Array.isArray(v) || !Object.hasOwn(v, step)) return MISSING;
      v = (v as Record<string, unknown>)[step];
    }
  }
  return v;
}
