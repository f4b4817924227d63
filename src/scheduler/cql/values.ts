import type { Literal, Subject } from "./ast.js";

/**
 * Literal typing and comparison. ECS compares runningTasksCount as a number, registeredAt as a
 * date and agentVersion as a version; an attribute compares as a number when both sides are
 * numbers and as text otherwise (attribute values are strings, often numeric).
 */

const NUMBER = /^-?\d+(\.\d+)?$/;
/** The four formats ECS lists: 2018-06-18T22:28:28+00:00, ...Z, 2018-06-18T22:28:28, 2018-06-18. */
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3})\d*)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export const DATE_FORMATS = "a date such as 2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28Z, 2018-06-18T22:28:28 or 2018-06-18";

/** Epoch milliseconds, or undefined when the text is not one of the documented formats. A date without a zone is UTC. */
export function parseDate(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h = "0", mi = "0", s = "0", ms = "0", zone] = m.slice(1);
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms.padEnd(3, "0"))] as const;
  const t = Date.UTC(...fields);
  const check = new Date(t);
  // Date.UTC rolls 2018-02-30 over to March; a date that does not round-trip is not a date.
  if (check.getUTCMonth() !== fields[1] || check.getUTCDate() !== fields[2] || fields[3] > 23 || fields[4] > 59 || fields[5] > 59) return undefined;
  if (!zone || zone === "Z") return t;
  const sign = zone[0] === "-" ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return t - sign * offset * 60_000;
}

/** The literal for `subject op text`, or a description of what was expected instead. */
export function typedLiteral(subject: Subject, text: string): Literal | { expected: string } {
  switch (subject.kind) {
    case "runningTasksCount":
      return /^\d+$/.test(text) ? { text, number: Number(text) } : { expected: "a whole number" };
    case "registeredAt": {
      const t = parseDate(text);
      return t === undefined ? { expected: DATE_FORMATS } : { text, number: t };
    }
    case "attribute":
      return NUMBER.test(text) ? { text, number: Number(text) } : { text };
    default:
      return { text };
  }
}

/** Compares dotted versions part by part as numbers (1.14.5 < 1.100.0); non-numeric parts as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/i, "").split(/[.-]/);
  const pb = b.replace(/^v/i, "").split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? "0";
    const y = pb[i] ?? "0";
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isNumeric(text: string): boolean {
  return NUMBER.test(text);
}
