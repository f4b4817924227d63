import type { ConditionContext } from "./identity-decision.js";

/** Members that carry a call's tags ({Key, Value} or {key, value} lists, or a map) or the tag keys it removes. */
const TAG_MEMBERS = ["Tags", "tags"];
const KEY_MEMBERS = ["TagKeys", "tagKeys"];

/**
 * aws:RequestTag/<key> and aws:TagKeys of a create or tag call, read from whichever shape the
 * service uses (ECS's tags: [{key, value}], SQS's and Logs' maps, most others' [{Key, Value}]).
 * An untag call's keys are its aws:TagKeys. Calls without tags have neither key.
 */
export function requestTagContext(input: Record<string, unknown>): ConditionContext {
  const tags: Record<string, string> = {};
  const keys: string[] = [];
  for (const member of TAG_MEMBERS) {
    const value = input[member];
    if (Array.isArray(value)) {
      for (const t of value) {
        if (typeof t === "string") keys.push(t); // Logs' UntagLogGroup: tags is a list of keys.
        else if (typeof t === "object" && t !== null) {
          const o = t as Record<string, unknown>;
          const key = o["Key"] ?? o["key"];
          if (typeof key === "string") tags[key] = String(o["Value"] ?? o["value"] ?? "");
        }
      }
    } else if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) if (typeof v === "string") tags[k] = v;
    }
  }
  for (const member of KEY_MEMBERS) {
    const value = input[member];
    if (Array.isArray(value)) keys.push(...value.filter((k): k is string => typeof k === "string"));
  }
  const context: ConditionContext = {};
  for (const [k, v] of Object.entries(tags)) context[`aws:RequestTag/${k}`] = v;
  const all = [...Object.keys(tags), ...keys];
  if (all.length) context["aws:TagKeys"] = all;
  return context;
}
