import type { RuleCondition } from "@aws-sdk/client-elastic-load-balancing-v2";
import { validation } from "../errors.js";
import { regexProblem } from "../../dataplane/rules/rule-regex.js";

const FIELDS = ["http-header", "http-request-method", "host-header", "path-pattern", "query-string", "source-ip"];
/** Fields a rule may name more than once (each http-header condition names its own header). */
const REPEATABLE = new Set(["http-header", "query-string"]);
const MAX_VALUES = 5;

/** The values a condition matches, from its legacy Values or its field's configuration. */
function valuesOf(c: RuleCondition): string[] {
  switch (c.Field) {
    case "host-header": return c.HostHeaderConfig?.Values ?? c.Values ?? [];
    case "path-pattern": return c.PathPatternConfig?.Values ?? c.Values ?? [];
    case "http-header": return c.HttpHeaderConfig?.Values ?? [];
    case "http-request-method": return c.HttpRequestMethodConfig?.Values ?? [];
    case "source-ip": return c.SourceIpConfig?.Values ?? [];
    case "query-string": return (c.QueryStringConfig?.Values ?? []).map((kv) => `${kv.Key ?? ""}=${kv.Value ?? ""}`);
    default: return [];
  }
}

/** Fields that take RegexValues (ALB, 2025), instead of Values, in their configuration. */
const REGEX_FIELDS = ["host-header", "path-pattern", "http-header"];

function regexValuesOf(c: RuleCondition): string[] | undefined {
  switch (c.Field) {
    case "host-header": return c.HostHeaderConfig?.RegexValues ?? c.RegexValues;
    case "path-pattern": return c.PathPatternConfig?.RegexValues ?? c.RegexValues;
    case "http-header": return c.HttpHeaderConfig?.RegexValues ?? c.RegexValues;
    default: return c.RegexValues;
  }
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** A rule's conditions, checked as ELBv2 does: known fields, values present and well-formed, at most five values in all. */
export function checkConditions(conditions: RuleCondition[]): void {
  if (conditions.length === 0) throw validation("A rule must have at least one condition");
  const seen = new Set<string>();
  let total = 0;
  for (const c of conditions) {
    if (!FIELDS.includes(c.Field ?? "")) throw validation(`Condition field '${c.Field ?? ""}' must be one of '[${FIELDS.join(", ")}]'`);
    if (seen.has(c.Field!) && !REPEATABLE.has(c.Field!)) throw validation(`A rule can only have one '${c.Field}' condition`);
    seen.add(c.Field!);
    if (c.Values?.length && !["host-header", "path-pattern"].includes(c.Field!)) throw validation(`Values cannot be specified for the '${c.Field}' condition; use its configuration`);
    if (c.Field === "http-header" && !c.HttpHeaderConfig?.HttpHeaderName) throw validation("An HTTP header name must be specified for the 'http-header' condition");
    const values = valuesOf(c);
    const regexes = regexValuesOf(c) ?? [];
    if (regexes.length > 0) {
      if (!REGEX_FIELDS.includes(c.Field!)) throw validation(`Regex values can only be specified for the '${REGEX_FIELDS.join("', '")}' conditions`);
      if (values.length > 0) throw validation(`You cannot specify both values and regex values for the '${c.Field}' condition`);
      for (const r of regexes) {
        if (r.length === 0 || r.length > 128) throw validation(`Regex value '${r}' must be from 1 to 128 characters long`);
        const problem = regexProblem(r);
        if (problem) throw validation(`Regex value '${r}' of the '${c.Field}' condition is not a valid regular expression: ${problem}`);
      }
      total += regexes.length;
      continue;
    }
    if (values.length === 0) throw validation(`A value must be specified for the '${c.Field}' condition`);
    for (const v of values) {
      if (v.length > 128) throw validation(`Condition value '${v}' cannot be longer than '128' characters`);
      if (c.Field === "host-header" && !/^[A-Za-z0-9.*?-]+$/.test(v)) throw validation(`Condition value '${v}' of the 'host-header' condition contains characters that are not valid`);
      if (c.Field === "http-request-method" && !/^[A-Z_-]+$/.test(v)) throw validation(`Condition value '${v}' of the 'http-request-method' condition contains characters that are not valid`);
      const m = c.Field === "source-ip" ? CIDR.exec(v) : null;
      if (c.Field === "source-ip" && (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32)) throw validation(`Condition value '${v}' of the 'source-ip' condition is not a valid CIDR block`);
    }
    total += values.length;
  }
  if (total > MAX_VALUES) throw validation(`A rule can only have '${MAX_VALUES}' condition values`);
}
