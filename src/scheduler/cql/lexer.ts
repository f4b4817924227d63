import type { Subject } from "./ast.js";
import { CqlSyntaxError, cqlError } from "./errors.js";
import { namedSubject, OPERATOR_LIST, OPERATOR_WORDS, SUBJECT_NAMES, type Operator } from "./subjects.js";

/**
 * A scanner driven by the parser. The language is context-sensitive at the token level — `!`
 * is `not` before a predicate but part of `!=`, `!~`, `!in`, `!exists` after a subject; `t3.*`
 * or `(a|b).*` after `=~` is one argument, parentheses included — so the parser says what it
 * expects next (an operand, an operator, an argument, a connective) and the lexer reads exactly
 * that, or fails with the position and the expectation.
 */
export type Token =
  | { readonly kind: "lparen" | "rparen" | "not" | "and" | "or" | "eof"; readonly start: number }
  | { readonly kind: "subject"; readonly subject: Subject; readonly text: string; readonly start: number }
  | { readonly kind: "operator"; readonly op: Operator; readonly start: number }
  | { readonly kind: "literal"; readonly text: string; readonly start: number }
  | { readonly kind: "list"; readonly values: readonly string[]; readonly start: number };

const WORD = /[A-Za-z0-9_:.\-/\\]+/y;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.\-/\\]{1,128}$/;
const BLANK = /[ \t\r\n]/;
/** Characters that end an unquoted argument (outside a pattern). */
const PLAIN_STOP = /[ \t\r\n()[\],'"]/;
const OPERATOR_START = /[=!<>~&|]/;

export class Lexer {
  pos = 0;
  constructor(readonly source: string) {}

  fail(offset: number, expected: string): never {
    throw new CqlSyntaxError(cqlError(this.source, offset, expected));
  }

  /** A subject, `not` / `!`, or `(`. */
  operand(): Token {
    const start = this.skipBlanks();
    const c = this.source[start];
    if (c === "(") return this.advance({ kind: "lparen", start }, 1);
    if (c === "!") return this.advance({ kind: "not", start }, 1);
    const word = this.word();
    if (word === undefined) this.fail(start, `a subject (${SUBJECT_NAMES}), not, or (`);
    if (word.toLowerCase() === "not") return { kind: "not", start };
    if (word.startsWith("attribute:")) {
      const name = word.slice("attribute:".length);
      if (!ATTRIBUTE_NAME.test(name)) this.fail(start + "attribute:".length, "an attribute name (1 to 128 letters, digits, '-', '_', '.', '/' or '\\')");
      return { kind: "subject", subject: { kind: "attribute", name }, text: word, start };
    }
    const subject = namedSubject(word);
    if (!subject) this.fail(start, `a subject (${SUBJECT_NAMES}), not, or (`);
    return { kind: "subject", subject, text: word, start };
  }

  /** One of the comparison operators, in symbol or word form. */
  operator(): Token & { kind: "operator" } {
    const start = this.skipBlanks();
    const s = this.source;
    const two = s.slice(start, start + 2);
    if (two === "==" || two === "!=" || two === ">=" || two === "<=" || two === "=~" || two === "!~") {
      return this.advance({ kind: "operator", op: two, start }, 2);
    }
    if (s[start] === "!") {
      this.pos = start + 1;
      const word = this.word()?.toLowerCase();
      if (word === "in") return { kind: "operator", op: "!in", start };
      if (word === "exists") return { kind: "operator", op: "!exists", start };
      this.fail(start, `an operator (${OPERATOR_LIST})`);
    }
    if (s[start] === ">" || s[start] === "<") return this.advance({ kind: "operator", op: s[start] as ">" | "<", start }, 1);
    const word = this.word()?.toLowerCase();
    const op = word === undefined ? undefined : OPERATOR_WORDS[word];
    if (!op) this.fail(start, `an operator (${OPERATOR_LIST})`);
    return { kind: "operator", op, start };
  }

  /** One literal: quoted ('...' or "..."), or bare; a bare pattern may hold balanced ( ) and [ ]. */
  literal(pattern: boolean): Token & { kind: "literal" } {
    const start = this.skipBlanks();
    if (start >= this.source.length) this.fail(start, "an argument");
    const quoted = this.quoted();
    if (quoted !== undefined) return { kind: "literal", text: quoted, start };
    const end = pattern ? this.patternEnd(start) : this.plainEnd(start);
    // An argument never starts with an operator character: `== = x` or `===` is a typo, not the value "=".
    if (end === start || OPERATOR_START.test(this.source[start]!)) this.fail(start, "an argument");
    this.pos = end;
    return { kind: "literal", text: this.source.slice(start, end), start };
  }

  /** An argument list for in / not_in: `[a, b]` as ECS documents it, or `(a, b)`. */
  list(): Token & { kind: "list" } {
    const start = this.skipBlanks();
    const open = this.source[start];
    if (open !== "[" && open !== "(") this.fail(start, "an argument list such as [value1, value2]");
    const close = open === "[" ? "]" : ")";
    this.pos = start + 1;
    const values: string[] = [];
    for (;;) {
      const item = this.skipBlanks();
      const quoted = this.quoted();
      if (quoted !== undefined) values.push(quoted);
      else {
        const end = this.plainEnd(item);
        if (end === item) this.fail(item, "a value");
        values.push(this.source.slice(item, end));
        this.pos = end;
      }
      const after = this.skipBlanks();
      if (this.source[after] === ",") this.pos = after + 1;
      else if (this.source[after] === close) {
        this.pos = after + 1;
        return { kind: "list", values, start };
      }
      else this.fail(after, `"," or "${close}"`);
    }
  }

  /** What may follow a complete operand: and, or, `)`, or the end. */
  connective(): Token {
    const start = this.skipBlanks();
    const s = this.source;
    if (start >= s.length) return { kind: "eof", start };
    if (s[start] === ")") return this.advance({ kind: "rparen", start }, 1);
    const two = s.slice(start, start + 2);
    if (two === "&&") return this.advance({ kind: "and", start }, 2);
    if (two === "||") return this.advance({ kind: "or", start }, 2);
    const word = this.word()?.toLowerCase();
    if (word === "and") return { kind: "and", start };
    if (word === "or") return { kind: "or", start };
    this.pos = start;
    return this.fail(start, "and, or, ) or the end of the expression");
  }

  private advance<T extends Token>(token: T, width: number): T {
    this.pos = token.start + width;
    return token;
  }

  private skipBlanks(): number {
    while (this.pos < this.source.length && BLANK.test(this.source[this.pos]!)) this.pos++;
    return this.pos;
  }

  private word(): string | undefined {
    WORD.lastIndex = this.pos;
    const m = WORD.exec(this.source);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  /** Reads a quoted literal at pos, or returns undefined. */
  private quoted(): string | undefined {
    const start = this.pos;
    const q = this.source[start];
    if (q !== "'" && q !== '"') return undefined;
    let out = "";
    for (let i = start + 1; i < this.source.length; i++) {
      const c = this.source[i]!;
      // Only \<quote> and \\ are escapes, so a pattern such as 't3\.micro' keeps its backslash.
      const next = this.source[i + 1];
      if (c === "\\" && (next === q || next === "\\")) out += this.source[++i];
      else if (c === q) {
        this.pos = i + 1;
        return out;
      } else out += c;
    }
    return this.fail(start, `a closing ${q}`);
  }

  private plainEnd(start: number): number {
    const s = this.source;
    let i = start;
    while (i < s.length && !PLAIN_STOP.test(s[i]!) && !isConnectiveSymbol(s, i)) i++;
    return i;
  }

  /**
   * A bare pattern ends at a blank, `&&`/`||`, or a `)` that closes an enclosing group of the
   * expression — not at parentheses or brackets that belong to the pattern itself.
   */
  private patternEnd(start: number): number {
    const s = this.source;
    let depth = 0;
    let inClass = false;
    let i = start;
    for (; i < s.length; i++) {
      const c = s[i]!;
      if (c === "\\") {
        i++;
        continue;
      }
      if (inClass) {
        if (c === "]") inClass = false;
        continue;
      }
      if (c === "[") inClass = true;
      else if (c === "(") depth++;
      else if (c === ")") {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && (BLANK.test(c) || isConnectiveSymbol(s, i))) break;
    }
    return Math.min(i, s.length);
  }
}

function isConnectiveSymbol(s: string, i: number): boolean {
  return (s[i] === "&" && s[i + 1] === "&") || (s[i] === "|" && s[i + 1] === "|");
}
