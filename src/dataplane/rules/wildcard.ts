/**
 * ALB's wildcard match: `*` is zero or more characters, `?` exactly one, the whole value must
 * match. With `escapes`, `\*` and `\?` are literal (query-string values allow that).
 *
 * Hand-written rather than compiled to a RegExp because patterns come from users: the greedy
 * two-pointer walk below never backtracks more than once per star, so `*a*a*a*b` on a long value
 * stays cheap, where a backtracking regex engine can take exponential time.
 */
export function wildcardMatch(pattern: string, value: string, { ignoreCase = false, escapes = false } = {}): boolean {
  const tokens = tokenize(ignoreCase ? pattern.toLowerCase() : pattern, escapes);
  const text = ignoreCase ? value.toLowerCase() : value;
  let t = 0;
  let p = 0;
  let star = -1; // position in tokens just after the last star seen
  let starText = 0; // where in text that star's match currently ends
  while (t < text.length) {
    const token = tokens[p];
    if (token !== undefined && token !== STAR && (token === ANY || token === text[t])) {
      t++;
      p++;
    } else if (token === STAR) {
      star = ++p;
      starText = t;
    } else if (star !== -1) {
      p = star;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (tokens[p] === STAR) p++;
  return p === tokens.length;
}

const STAR = Symbol("*");
const ANY = Symbol("?");
type Token = string | typeof STAR | typeof ANY;

function tokenize(pattern: string, escapes: boolean): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escapes && c === "\\" && (pattern[i + 1] === "*" || pattern[i + 1] === "?")) tokens.push(pattern[++i]!);
    else if (c === "*") tokens.push(STAR);
    else if (c === "?") tokens.push(ANY);
    else tokens.push(c);
  }
  return tokens;
}
