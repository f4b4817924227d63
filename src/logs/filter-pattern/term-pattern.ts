import type { CompiledPattern } from "./filter-pattern.js";
import { PatternError, Scanner } from "./scanner.js";

type Term = { kind: "text"; text: string } | { kind: "regex"; re: RegExp };

const test = (t: Term, message: string) => (t.kind === "text" ? message.includes(t.text) : t.re.test(message));

/**
 * Terms in unstructured events: every plain term must occur (case-sensitive), at least one `?term`
 * when there are any, and no `-term`. A term is a word, a "quoted phrase" or a %regex%. An empty
 * pattern matches every event.
 */
export function compileTermPattern(source: string): CompiledPattern {
  const s = new Scanner(source);
  const all: Term[] = [];
  const any: Term[] = [];
  const none: Term[] = [];
  while (!s.done) {
    const list = s.eat("?") ? any : s.eat("-") ? none : all;
    const term = readTerm(s);
    list.push(term);
  }
  return {
    requiredTerms: all.flatMap((t) => (t.kind === "text" ? [t.text] : [])),
    matches: (m) => all.every((t) => test(t, m)) && (any.length === 0 || any.some((t) => test(t, m))) && !none.some((t) => test(t, m)),
  };
}

function readTerm(s: Scanner): Term {
  if (s.peek('"')) return { kind: "text", text: s.quoted() };
  if (s.peek("%")) return { kind: "regex", re: s.regex() };
  const text = s.bare('"');
  if (text === "") throw new PatternError("empty term");
  return { kind: "text", text };
}
