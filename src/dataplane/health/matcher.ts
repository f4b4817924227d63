/**
 * Matcher.HttpCode as a predicate: "200", "200,302", "200-299", or a mix ("200,300-399").
 * The API validates the syntax; here a part that doesn't parse simply matches nothing.
 */
export function httpCodeMatcher(httpCode: string): (status: number) => boolean {
  const ranges = httpCode.split(",").map((part) => {
    const [lo, hi] = part.trim().split("-").map((n) => Number(n));
    return [lo ?? NaN, hi ?? lo ?? NaN] as const;
  });
  return (status) => ranges.some(([lo, hi]) => status >= lo && status <= hi);
}
