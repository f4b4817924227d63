/**
 * Alpine package version ordering, as apk-tools compares versions (its version.c):
 * `digit{.digit}...{letter}{_suffix{number}}...{~hash}{-r#}`, e.g. 1.36.1-r15, 1.2.4_git20230717-r4.
 *
 * The version is read as a sequence of tokens whose kinds must come in that order. Two versions
 * are compared token by token while their kinds agree: numbers numerically (but a dotted
 * component with a leading zero, in either version, compares as a string, as Gentoo does),
 * letters by character, suffixes by rank (alpha < beta < pre < rc < none < cvs < svn < git <
 * hg < p), commit hashes as strings. When the kinds first differ, a pre-release suffix makes
 * its version the smaller; otherwise the version whose next token kind comes earlier in the
 * format above is the greater (so 1.0 < 1.0-r1 < 1.0.1, and 1.0_rc1 < 1.0 < 1.0_p1), and an
 * invalid remainder sorts below everything.
 *
 * Written from apk-tools' algorithm because npm has no well-kept apk comparator;
 * apk-version.test.ts checks it against orderings apk itself gives.
 */
enum Token {
  InitialDigit,
  Digit,
  Letter,
  Suffix,
  SuffixNo,
  CommitHash,
  RevisionNo,
  End,
  Invalid,
}

/** Rank of each suffix; "none" (5) is the rank of a version without one. */
const SUFFIXES: Record<string, number> = { alpha: 1, beta: 2, pre: 3, rc: 4, cvs: 6, svn: 7, git: 8, hg: 9, p: 10 };
const SUFFIX_NONE = 5;

interface State {
  token: Token;
  /** The token's text (digits, the letter, the suffix name, the hash). */
  value: string;
  suffix: number;
}

class Reader {
  pos = 0;
  constructor(readonly s: string) {}

  first(): State {
    return this.digits({ token: Token.InitialDigit, value: "", suffix: 0 });
  }

  next(t: State): State {
    const s = this.s;
    if (this.pos >= s.length) return { ...t, token: Token.End };
    const c = s[this.pos]!;
    if (c >= "a" && c <= "z") {
      if (t.token > Token.Digit) return invalid(t);
      this.pos++;
      return { token: Token.Letter, value: c, suffix: 0 };
    }
    if (c === "." || (c >= "0" && c <= "9")) {
      if (c === ".") {
        if (t.token > Token.Digit) return invalid(t);
        this.pos++;
      }
      if (t.token === Token.InitialDigit || t.token === Token.Digit) return this.digits({ token: Token.Digit, value: "", suffix: 0 });
      if (t.token === Token.Suffix) return this.digits({ token: Token.SuffixNo, value: "", suffix: 0 });
      return invalid(t);
    }
    if (c === "_") {
      if (t.token > Token.SuffixNo) return invalid(t);
      this.pos++;
      const value = this.span(/[a-z]/);
      const suffix = Object.hasOwn(SUFFIXES, value) ? SUFFIXES[value]! : 0;
      return suffix ? { token: Token.Suffix, value, suffix } : invalid(t);
    }
    if (c === "~") {
      if (t.token >= Token.CommitHash) return invalid(t);
      this.pos++;
      const value = this.span(/[0-9a-fA-F]/);
      return value ? { token: Token.CommitHash, value, suffix: 0 } : invalid(t);
    }
    if (c === "-") {
      if (t.token >= Token.RevisionNo || s[this.pos + 1] !== "r") return invalid(t);
      this.pos += 2;
      return this.digits({ token: Token.RevisionNo, value: "", suffix: 0 });
    }
    return invalid(t);
  }

  private digits(t: State): State {
    const value = this.span(/[0-9]/);
    return value ? { ...t, value } : invalid(t);
  }

  private span(re: RegExp): string {
    const start = this.pos;
    while (this.pos < this.s.length && re.test(this.s[this.pos]!)) this.pos++;
    return this.s.slice(start, this.pos);
  }
}

const invalid = (t: State): State => ({ ...t, token: Token.Invalid });

/** Numeric comparison of digit strings of any length. */
function compareNumbers(a: string, b: string): number {
  const x = a.replace(/^0+/, "");
  const y = b.replace(/^0+/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareTokens(a: State, b: State): number {
  switch (a.token) {
    case Token.Digit:
      // A leading zero makes the component a decimal fraction in spirit: compare as text.
      if (a.value[0] === "0" || b.value[0] === "0") return compareStrings(a.value, b.value);
      return compareNumbers(a.value, b.value);
    case Token.InitialDigit:
    case Token.SuffixNo:
    case Token.RevisionNo:
      return compareNumbers(a.value, b.value);
    case Token.Letter:
      return compareStrings(a.value, b.value);
    case Token.Suffix:
      return Math.sign(a.suffix - b.suffix);
    default:
      return compareStrings(a.value, b.value);
  }
}

/** True when apk would accept the version. */
export function isApkVersion(v: string): boolean {
  const r = new Reader(v);
  let t = r.first();
  while (t.token < Token.End) t = r.next(t);
  return t.token === Token.End;
}

/** Negative, zero or positive as a sorts before, with or after b. */
export function compareApkVersions(a: string, b: string): number {
  const ra = new Reader(a);
  const rb = new Reader(b);
  let ta = ra.first();
  let tb = rb.first();
  while (ta.token === tb.token && ta.token < Token.End) {
    const r = compareTokens(ta, tb);
    if (r !== 0) return r;
    ta = ra.next(ta);
    tb = rb.next(tb);
  }
  if (ta.token === tb.token) return 0;
  if (ta.token === Token.Suffix && ta.suffix < SUFFIX_NONE) return -1;
  if (tb.token === Token.Suffix && tb.suffix < SUFFIX_NONE) return 1;
  return ta.token > tb.token ? -1 : 1;
}
