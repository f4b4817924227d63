import { RE2JS } from "re2js";

/**
 * The regular expressions of rule conditions (RegexValues) and rule transforms (Rewrites), which
 * users write. RE2JS (the pure-JavaScript RE2) matches in time linear in the input, so no pattern
 * can stall the data plane the way a backtracking RegExp can. RE2 already refuses most of what ALB
 * documents as unsupported (lookaheads, lookbehinds, backreferences, atomic groups, possessive
 * quantifiers, subroutines, recursion); Unicode character classes (\p{L}) RE2 accepts, so they
 * are refused here.
 */
export function regexProblem(source: string): string | undefined {
  if (/\\[pP]/.test(source)) return "Unicode character classes are not supported";
  try {
    RE2JS.compile(source);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const compiled = new Map<string, RE2JS | null>();

/** A compiled pattern (cached: snapshots repeat the same few), or null for one the API would refuse. */
export function ruleRegex(source: string): RE2JS | null {
  let re = compiled.get(source);
  if (re === undefined) {
    re = regexProblem(source) === undefined ? RE2JS.compile(source) : null;
    // Patterns come only from stored rules; the cap only guards against unbounded growth over a long run.
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(source, re);
  }
  return re;
}

/** Whether the pattern matches anywhere in the value (anchor with ^ and $ for a whole-value match). */
export function regexFinds(source: string, value: string): boolean {
  return ruleRegex(source)?.matcher(value).find() ?? false;
}
