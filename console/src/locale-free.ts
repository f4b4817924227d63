/**
 * Dates and name order without Intl. In a fresh page the first Intl.DateTimeFormat and the first
 * Intl.Collator (which toLocaleString and localeCompare make behind the scenes) each cost 8-12 ms
 * of ICU set-up on the main thread (docs/benchmarks.md, web console), and the cluster page paid
 * both while rendering its first answers, on its first load's critical path. ECS, ECR and ELB
 * names are ASCII (letters, digits, hyphens, underscores), so the locale has nothing to add.
 */

const two = (n: number) => String(n).padStart(2, "0");

/** A moment in the browser's time zone, as `2026-12-07 15:12:04` (the ISO form, to the second). */
export function localTime(d: Date): string {
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Orders names as a person reads a list: case aside first ("api" before "Web"), then by code point. */
export function byName(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
