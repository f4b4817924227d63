import type { CompiledPattern } from "./filter-pattern.js";
import { compare, readComparison, type Comparison } from "./comparison.js";
import { PatternError, Scanner } from "./scanner.js";

/** One field of a `[...]` pattern: `...` (any number of fields), or a named field with optional conditions (an OR of ANDs). */
type Field = { ellipsis: true } | { ellipsis: false; name: string; conditions: Comparison[][] };

/**
 * Space-delimited patterns: `[ip, user, ..., status_code = 5*, bytes > 1000]`. An event's fields are
 * separated by spaces; text in "double quotes" or [brackets] is one field. Without `...` the event
 * must have exactly as many fields as the pattern.
 */
export function compileDelimitedPattern(source: string): CompiledPattern {
  const s = new Scanner(source);
  s.expect("[");
  const fields: Field[] = [];
  do fields.push(field(s));
  while (s.eat(","));
  s.expect("]");
  if (!s.done) throw new PatternError("text after ]");
  return {
    requiredTerms: [],
    matches: (m) => matchFields(fields, 0, splitFields(m), 0, new Map()),
    extract(m) {
      const bound = new Map<string, string>();
      if (!matchFields(fields, 0, splitFields(m), 0, bound)) return undefined;
      return Object.fromEntries([...bound].map(([name, value]) => [`$${name}`, value]));
    },
    fieldNames: fields.flatMap((f) => (f.ellipsis ? [] : [f.name])),
  };
}

function field(s: Scanner): Field {
  if (s.eat("...")) return { ellipsis: true };
  const name = s.bare("=!<>,]&|");
  if (!/^\w+$/.test(name)) throw new PatternError("bad field name");
  const conditions: Comparison[][] = [];
  let group: Comparison[] = [];
  if (s.peek(",") || s.peek("]")) return { ellipsis: false, name, conditions };
  for (;;) {
    group.push(readComparison(s, ",]&|"));
    if (s.eat("||")) (conditions.push(group), (group = []));
    else if (!s.eat("&&")) break;
    // A condition after && or || names its field again.
    if (s.bare("=!<>,]&|") !== name) throw new PatternError("a condition must name its own field");
  }
  conditions.push(group);
  return { ellipsis: false, name, conditions };
}

export function splitFields(message: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < message.length) {
    if (/\s/.test(message[i]!)) { i++; continue; }
    const close = message[i] === '"' ? '"' : message[i] === "[" ? "]" : undefined;
    if (close !== undefined) {
      const end = message.indexOf(close, i + 1);
      if (end >= 0) {
        out.push(message.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    const start = i;
    while (i < message.length && !/\s/.test(message[i]!)) i++;
    out.push(message.slice(start, i));
  }
  return out;
}

/** Whether values[j..] match pattern[i..]; on a match `bound` holds each named field's value. */
function matchFields(pattern: Field[], i: number, values: string[], j: number, bound: Map<string, string>): boolean {
  if (i === pattern.length) return j === values.length;
  const f = pattern[i]!;
  if (f.ellipsis) {
    for (let k = j; k <= values.length; k++) if (matchFields(pattern, i + 1, values, k, bound)) return true;
    return false;
  }
  if (j >= values.length) return false;
  const v = values[j]!;
  const ok = f.conditions.length === 0 || f.conditions.some((group) => group.every((c) => compare(v, c)));
  if (!ok) return false;
  bound.set(f.name, v);
  return matchFields(pattern, i + 1, values, j + 1, bound);
}
