/**
 * SNS subscription filter policies, matched against a message's attributes (FilterPolicyScope
 * MessageAttributes) or its JSON body (MessageBody): each key must match; a key's list matches
 * when any of its rules does. Rules: exact strings and numbers, prefix, suffix,
 * equals-ignore-case, anything-but (a value, a list, or a prefix), numeric comparisons, exists,
 * and $or of policies. Hand-written: no maintained Node library implements SNS's language.
 */
import { compileEventPattern } from "../events/patterns/event-pattern.js";
import { PatternError } from "../events/patterns/pattern-error.js";

export type Attributes = Record<string, { DataType: string; StringValue?: string }>;

/**
 * Why a filter policy (JSON text) is not valid, in the words SNS uses ("Empty arrays are not
 * allowed", "Unrecognized match type bogus", ...), or undefined when it is. SNS parses policies
 * with the same rules language as EventBridge's patterns, so EventBridge's compiler checks them;
 * `wildcard` is EventBridge's alone and SNS does not recognise it.
 */
export function filterPolicyProblem(text: string): string | undefined {
  // `{}` filters nothing and stays accepted: EventBridge refuses empty patterns, and SNS does not document one.
  const parsed = JSON.parse(text) as unknown;
  if (parsed !== null && typeof parsed === "object" && Object.keys(parsed).length === 0) return undefined;
  try {
    compileEventPattern(text);
  } catch (err) {
    if (err instanceof PatternError) return err.message;
    throw err;
  }
  return usesWildcard(parsed) ? "Unrecognized match type wildcard" : undefined;
}

function usesWildcard(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(usesWildcard);
  if (node === null || typeof node !== "object") return false;
  return Object.entries(node).some(([k, v]) => k === "wildcard" || usesWildcard(v));
}

type Value = string | number | boolean | null | undefined | Value[];

export function matchesPolicy(policy: Record<string, unknown>, values: (key: string[]) => Value, path: string[] = []): boolean {
  return Object.entries(policy).every(([key, rule]) => {
    if (key === "$or" && Array.isArray(rule)) return rule.some((p) => matchesPolicy(p as Record<string, unknown>, values, path));
    if (Array.isArray(rule)) return matchesRules(rule, values([...path, key]));
    if (rule !== null && typeof rule === "object") return matchesPolicy(rule as Record<string, unknown>, values, [...path, key]);
    return false;
  });
}

function matchesRules(rules: unknown[], value: Value): boolean {
  const present = value !== undefined;
  const candidates = Array.isArray(value) ? value : [value];
  return rules.some((rule) => {
    if (rule !== null && typeof rule === "object" && !Array.isArray(rule)) {
      const r = rule as Record<string, unknown>;
      if ("exists" in r) return r["exists"] === present;
      if (!present) return false;
      return candidates.some((v) => matchesOperator(r, v));
    }
    return present && candidates.some((v) => v === rule || (typeof rule === "number" && Number(v) === rule && v !== null && v !== ""));
  });
}

function matchesOperator(r: Record<string, unknown>, v: Value): boolean {
  const s = typeof v === "string" ? v : undefined;
  if ("prefix" in r) return s !== undefined && s.startsWith(String(r["prefix"]));
  if ("suffix" in r) return s !== undefined && s.endsWith(String(r["suffix"]));
  if ("equals-ignore-case" in r) return s !== undefined && s.toLowerCase() === String(r["equals-ignore-case"]).toLowerCase();
  if ("anything-but" in r) {
    const but = r["anything-but"];
    if (but !== null && typeof but === "object" && !Array.isArray(but) && "prefix" in but) return s !== undefined && !s.startsWith(String((but as { prefix: string }).prefix));
    const list = Array.isArray(but) ? but : [but];
    return !list.some((b) => b === v || (typeof b === "number" && Number(v) === b));
  }
  if ("numeric" in r) {
    const n = typeof v === "number" ? v : Number(v);
    if (v === null || v === "" || Number.isNaN(n)) return false;
    const ops = r["numeric"] as Array<string | number>;
    for (let i = 0; i + 1 < ops.length; i += 2) {
      const bound = Number(ops[i + 1]);
      const ok = { "=": n === bound, "<": n < bound, "<=": n <= bound, ">": n > bound, ">=": n >= bound }[String(ops[i])];
      if (!ok) return false;
    }
    return true;
  }
  if ("cidr" in r) return s !== undefined && inCidr(s, String(r["cidr"]));
  return false;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const toInt = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  const mask = Number(bits ?? 32);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || !base) return false;
  const shift = 2 ** (32 - mask);
  return Math.floor(toInt(ip) / shift) === Math.floor(toInt(base) / shift);
}

/** The values a policy's key names: a message attribute (String.Array as its items), or a body field. */
export function attributeValues(attributes: Attributes) {
  return ([key]: string[]): Value => {
    const a = key === undefined ? undefined : attributes[key];
    if (!a) return undefined;
    if (a.DataType === "Number") return Number(a.StringValue);
    if (a.DataType === "String.Array") {
      try {
        return JSON.parse(a.StringValue ?? "[]") as Value[];
      } catch {
        return undefined;
      }
    }
    return a.StringValue;
  };
}

export function bodyValues(body: unknown) {
  return (path: string[]): Value => {
    let v: unknown = body;
    for (const k of path) v = v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined;
    return v as Value;
  };
}
