import { RE2JS } from "re2js";

/**
 * The models' `pattern` constraints, checked in time linear in the input whatever the pattern.
 * JavaScript's RegExp backtracks: ECR's ScanningRepositoryFilterValue takes seconds on a short
 * adversarial input. RE2JS (the pure-JavaScript port of RE2) is used rather than the native `re2`
 * package, whose install downloads a prebuilt binary or builds with node-gyp.
 *
 * The models write patterns for Java/ECMAScript engines; RE2 lacks a few of their features, so
 * each pattern is translated into an equivalent conjunction of RE2 checks:
 * - `\uXXXX` becomes `\x{XXXX}`, and an escaped surrogate pair the astral code point it encodes;
 * - `\p{Print}` (Java's POSIX class) becomes `\x20-\x7E`;
 * - a repeat bound above RE2's limit of 1000 is dropped (`{1,2000}` -> `{1,}`): the shape's own
 *   length limits, checked separately, bound the input anyway;
 * - lookaheads at the start of the pattern (or of a top-level alternative) become a separate
 *   anchored check that must (or must not) match a prefix of the input;
 * - the few patterns with a lookahead elsewhere or a backreference are rewritten by hand below.
 */
export type Matcher = (value: string) => boolean;

const SSM_DATE_TIME = String.raw`^([\-]?\d{4}(?!\d{2}\b))((-?)((0[1-9]|1[0-2])(\3([12]\d|0[1-9]|3[01]))?|W([0-4]\d|5[0-2])(-?[1-7])?|(00[1-9]|0[1-9]\d|[12]\d{2}|3([0-5]\d|6[1-6])))([T\s]((([01]\d|2[0-3])((:?)[0-5]\d)?|24\:?00)([\.,]\d(?!:))?)?(\17[0-5]\d([\.,]\d)?)?([zZ]|([\-])([01]\d|2[0-3]):?([0-5]\d)?)?)?)?$`;

/**
 * Patterns that no mechanical translation handles, each with an equivalent that RE2 can run.
 * Why each is equivalent is said beside it.
 */
const REWRITES: Record<string, Matcher> = {
  // IAM accountAliasType: `-(?!-)` is a hyphen not followed by a hyphen, i.e. no "--" anywhere.
  "^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$": both(re("^[a-z0-9]([a-z0-9]|-){1,61}[a-z0-9]$"), not(re("--"))),
  // EFS Path: `(?!\.)+` (a repeated zero-width assertion) only says the character after `/` is not a dot.
  "^(\\/|(\\/(?!\\.)+[^$#<>;`|&?{}^*/\\n]+){1,4})$": re("^(\\/|(\\/[^.$#<>;`|&?{}^*/\\n][^$#<>;`|&?{}^*/\\n]*){1,4})$"),
  [SSM_DATE_TIME]: ssmDateTime(),
};

/**
 * SSM's StringDateTime, the well-known ISO 8601 expression. Its backreferences only say "the
 * same separator again" (`(-?)` ... `\3`, `(:?)` ... `\17`), so it is the union of the four
 * spellings with and without `-` and `:`. Its lookaheads sit where a plain check does the same:
 * the year is not followed by exactly two digits (`(?!\d{2}\b)`, right after the leading year),
 * and a fraction digit is not followed by a colon (`(?!:)`; nowhere else can `.5:` occur).
 */
function ssmDateTime(): Matcher {
  const base = SSM_DATE_TIME.replace("(?!\\d{2}\\b)", "").replace("(?!:)", "");
  const spellings = ["-", ""].flatMap((dash) => [":", ""].map((colon) =>
    re(base.replace("(-?)", `(${dash})`).replace("\\3", dash).replace("(:?)", `(${colon})`).replace("\\17", colon))));
  const yearThenTwoDigits = re("^-?\\d{6}\\b");
  const fractionThenColon = re("[.,]\\d:");
  return (v) => spellings.some((m) => m(v)) && !yearThenTwoDigits(v) && !fractionThenColon(v);
}

/** Compiles (once) the matcher for a model pattern; throws if the pattern cannot be translated. */
export function compilePattern(pattern: string): Matcher {
  let m = cache.get(pattern);
  if (!m) {
    m = Object.hasOwn(REWRITES, pattern) ? REWRITES[pattern]! : translate(pattern);
    cache.set(pattern, m);
  }
  return m;
}

const cache = new Map<string, Matcher>();

/** Whether the whole of `value` matches the model pattern (AWS patterns constrain the whole value). */
export const matchesPattern = (pattern: string, value: string) => compilePattern(pattern)(value);

function translate(pattern: string): Matcher {
  const branches = splitTopLevel(pattern);
  if (branches.length > 1 && branches.some(hasLookaround)) {
    const each = branches.map(branch);
    return (v) => each.some((m) => m(v));
  }
  return branch(pattern);
}

/** One alternative: leading lookaheads peeled off into prefix checks, the rest matched whole. */
function branch(source: string): Matcher {
  const checks: Matcher[] = [];
  let rest = source.startsWith("^") ? source.slice(1) : source;
  for (;;) {
    if (rest.startsWith("(?=") || rest.startsWith("(?!")) {
      const end = closingParen(rest, 0);
      const prefix = RE2JS.compile(`^(?:${escapes(rest.slice(3, end))})`);
      const negative = rest[2] === "!";
      checks.push((v) => prefix.matcher(v).lookingAt() !== negative);
      rest = rest.slice(end + 1);
    } else if (rest.startsWith("(") && !rest.startsWith("(?") && closingParen(rest, 0) === rest.length - 1 && hasLookaround(rest)) {
      rest = rest.slice(1, -1); // a group that is the whole rest: its lookahead is at the start too
    } else break;
  }
  checks.push(re(`^(?:${escapes(rest)})$`));
  return checks.length === 1 ? checks[0]! : (v) => checks.every((c) => c(v));
}

function re(source: string): Matcher {
  const compiled = RE2JS.compile(source);
  // find(), not matches(): the source carries its own anchors, and `$` must mean end of input.
  return (v) => compiled.matcher(v).find();
}
function both(a: Matcher, b: Matcher): Matcher {
  return (v) => a(v) && b(v);
}
function not(a: Matcher): Matcher {
  return (v) => !a(v);
}

const hasLookaround = (s: string) => /\(\?[=!]/.test(s);

/** Java/ECMAScript escapes and bounds RE2 does not take, rewritten as said above. */
function escapes(source: string): string {
  return source
    .replace(/\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})/gi, (_, hi: string, lo: string) =>
      `\\x{${((parseInt(hi, 16) - 0xd800) * 0x400 + (parseInt(lo, 16) - 0xdc00) + 0x10000).toString(16)}}`)
    .replace(/\\u([0-9A-Fa-f]{4})/g, "\\x{$1}")
    .replace(/\\p\{Print\}/g, (_m, offset: number, s: string) => (insideClass(s, offset) ? "\\x20-\\x7E" : "[\\x20-\\x7E]"))
    .replace(/\{(\d+),(\d+)\}/g, (m, lo: string, hi: string) => (Number(hi) > 1000 ? `{${lo},}` : m));
}

/** Whether position `at` of a pattern is inside a character class. */
function insideClass(s: string, at: number): boolean {
  let inClass = false;
  for (let i = 0; i < at; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === "[") inClass = true;
    else if (s[i] === "]") inClass = false;
  }
  return inClass;
}

/** Index of the parenthesis closing the one at `open`, skipping escapes and classes. */
function closingParen(s: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i;
  }
  throw new Error(`unbalanced parentheses in pattern ${s}`);
}

/** The top-level alternatives of a pattern (`a|b` -> [a, b]), leaving groups and classes whole. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}
