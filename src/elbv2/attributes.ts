import { validation } from "./errors.js";

/** One attribute a resource accepts: its default and a check of a new value (a reason, or undefined when valid). */
export interface AttributeSpec {
  default: string;
  check: (value: string) => string | undefined;
}

export const bool = (d: boolean): AttributeSpec => ({ default: String(d), check: (v) => (v === "true" || v === "false" ? undefined : "must be true or false") });
export const text = (d = ""): AttributeSpec => ({ default: d, check: () => undefined });
export const oneOf = (d: string, values: string[]): AttributeSpec => ({ default: d, check: (v) => (values.includes(v) ? undefined : `must be one of ${values.join(", ")}`) });
export const range = (d: number, min: number, max: number, also: number[] = []): AttributeSpec => ({
  default: String(d),
  check: (v) => (/^\d{1,9}$/.test(v) && ((Number(v) >= min && Number(v) <= max) || also.includes(Number(v))) ? undefined : `must be an integer from ${min} to ${max}${also.length ? ` or ${also.join(", ")}` : ""}`),
});

export const defaultsOf = (spec: Record<string, AttributeSpec>) => Object.fromEntries(Object.entries(spec).map(([k, s]) => [k, s.default]));

/**
 * The attributes after `changes`, every change checked first so that one bad attribute changes
 * nothing. `what` names the resource in messages ("Load balancer", "Target group").
 */
export function applyAttributes(current: Record<string, string>, changes: Array<{ Key?: string; Value?: string }>, spec: Record<string, AttributeSpec>, what: string): Record<string, string> {
  const next = { ...current };
  for (const { Key, Value } of changes) {
    if (Key === undefined || !Object.hasOwn(spec, Key)) throw validation(`${what} attribute key '${Key ?? ""}' is not recognized`);
    const value = Value ?? "";
    const reason = spec[Key]!.check(value);
    if (reason) throw validation(`${what} attribute value '${value}' for key '${Key}' is not valid: it ${reason}`);
    next[Key] = value;
  }
  return next;
}

export const asAttributes = (attrs: Record<string, string>) => Object.entries(attrs).map(([Key, Value]) => ({ Key, Value }));
