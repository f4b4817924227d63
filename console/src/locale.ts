/**
 * The browser's locale for names and times: sorting as String.prototype.localeCompare() does and
 * times as Date.prototype.toLocaleString() shows them (ECMA-402 gives it year, month, day, hour,
 * minute and second, all numeric), through one Intl.Collator and one Intl.DateTimeFormat.
 *
 * Why not localeCompare and toLocaleString themselves: the first collator and the first date
 * formatter a renderer process makes cost 8-12 ms each in chromium (ICU loads the locale's data),
 * and a console tab is a fresh process. The cluster page paid both while it rendered its first
 * answers (sorting 100 services, formatting 100 tasks' start times), on the main thread the rest
 * of the load waits for (docs/benchmarks.md). Made here, they can be made ahead: prepareLocale()
 * makes them while the main thread waits for the first answers anyway.
 */
let collator: Intl.Collator | undefined;
let dateTime: Intl.DateTimeFormat | undefined;

export function prepareLocale(): void {
  collator ??= new Intl.Collator();
  dateTime ??= new Intl.DateTimeFormat(undefined, { year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
}

/** a.localeCompare(b). */
export function compareText(a: string, b: string): number {
  prepareLocale();
  return collator!.compare(a, b);
}

/** d.toLocaleString(). */
export function localTime(d: Date): string {
  prepareLocale();
  return dateTime!.format(d);
}
