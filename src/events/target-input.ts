import type * as W from "@aws-sdk/client-eventbridge";
import { validation } from "./errors.js";

/** What a rule's target receives for one event: the event, Input, the part at InputPath, or the transformer's output. */
export interface RuleInfo { name: string; arn: string }

/** `$.detail.items[0].name`-style paths, as InputPath and InputPathsMap take them. */
export function readPath(root: unknown, path: string): unknown {
  if (path === "$") return root;
  if (!path.startsWith("$.") && !path.startsWith("$[")) return undefined;
  let value: unknown = root;
  for (const m of path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]|\['([^']+)'\]/g)) {
    if (value === null || typeof value !== "object") return undefined;
    const key = m[1] ?? m[3] ?? Number(m[2]);
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

export const validPath = (path: string) => path === "$" || /^\$((\.[^.[\]]+)|\[\d+\]|\['[^']+'\])+$/.test(path);

/** Checks a target's input members once, at PutTargets. */
export function validateTargetInput(t: W.Target): void {
  const given = [t.Input, t.InputPath, t.InputTransformer].filter((x) => x !== undefined).length;
  if (given > 1) throw validation("Only one of Input, InputPath, or InputTransformer must be provided.");
  if (t.Input !== undefined) {
    try {
      JSON.parse(t.Input);
    } catch {
      throw validation(`Target ${t.Id} has invalid Input JSON.`);
    }
  }
  if (t.InputPath !== undefined && !validPath(t.InputPath)) throw validation(`Target ${t.Id} has an invalid InputPath.`);
  for (const [key, path] of Object.entries(t.InputTransformer?.InputPathsMap ?? {})) {
    if (key.startsWith("aws.")) throw validation(`InputTransformer key ${key} is reserved.`);
    if (!validPath(path)) throw validation(`InputPath for key ${key} is an invalid JSONPath.`);
  }
}

/** The text the target gets for `event`. */
export function targetInput(target: W.Target, event: Record<string, unknown>, rule: RuleInfo): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) return JSON.stringify(readPath(event, target.InputPath) ?? null);
  if (target.InputTransformer) return transform(target.InputTransformer, event, rule);
  return JSON.stringify(event);
}

/**
 * InputTemplate placeholders `<name>`: inside a JSON string the value's text is inserted (escaped);
 * elsewhere in a JSON template the value as JSON; in a plain-text template the value's text.
 * Hand-written: these are EventBridge's own rules, no library implements them.
 */
function transform(t: W.InputTransformer, event: Record<string, unknown>, rule: RuleInfo): string {
  const values = new Map<string, unknown>();
  for (const [key, path] of Object.entries(t.InputPathsMap ?? {})) values.set(key, readPath(event, path));
  values.set("aws.events.rule-arn", rule.arn);
  values.set("aws.events.rule-name", rule.name);
  values.set("aws.events.event.ingestion-time", event.time);
  values.set("aws.events.event", event);
  values.set("aws.events.event.json", event);
  const template = t.InputTemplate!;
  const jsonTemplate = /^\s*[[{]/.test(template);
  let out = "";
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === "\\" && inString) {
      out += c + (template[i + 1] ?? "");
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    if (c === "<") {
      const end = template.indexOf(">", i);
      const name = end > i ? template.slice(i + 1, end) : "";
      if (values.has(name) || Object.hasOwn(t.InputPathsMap ?? {}, name)) {
        const value = values.get(name);
        const text = typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value);
        if (inString) out += JSON.stringify(text).slice(1, -1);
        else if (jsonTemplate) out += value === undefined ? "null" : JSON.stringify(value);
        else out += text;
        i = end;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/**
 * HttpParameters' values may be JSON paths into the event (`$.detail.id`), as EventBridge allows
 * for API destination targets: the delivery's copy of the target carries the event's values.
 */
export function withEventValues(target: W.Target, event: Record<string, unknown>): W.Target {
  const p = target.HttpParameters;
  if (!p) return target;
  const value = (v: string) => {
    if (!v.startsWith("$.") || !validPath(v)) return v;
    const found = readPath(event, v);
    return typeof found === "string" ? found : found === undefined ? "" : JSON.stringify(found);
  };
  const map = (m: Record<string, string> | undefined) => (m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, value(v)])) : undefined);
  return { ...target, HttpParameters: { PathParameterValues: p.PathParameterValues?.map(value), HeaderParameters: map(p.HeaderParameters), QueryStringParameters: map(p.QueryStringParameters) } };
}
