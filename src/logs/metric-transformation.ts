import type { MetricTransformation } from "@aws-sdk/client-cloudwatch-logs";
import type { CompiledPattern } from "./filter-pattern/filter-pattern.js";
import { compileSelector } from "./filter-pattern/json-pattern.js";
import { PatternError } from "./filter-pattern/scanner.js";
import { invalidParameter } from "./errors.js";

/** What a value or a dimension is read from: the event's text, its delimited fields, its JSON (parsed at most once). */
export interface MatchedEvent {
  fields: Record<string, string>;
  json(): unknown;
}

type Read = (e: MatchedEvent) => unknown;

/** A metric filter's transformation, ready to turn one event into a value and dimensions. */
export interface CompiledTransformation {
  /** The number to publish for a matching event, or undefined when its field is missing or not a number (nothing is published). */
  value(e: MatchedEvent): number | undefined;
  /** The dimensions of a matching event, or undefined when a field they name is missing. */
  dimensions(e: MatchedEvent): Array<{ name: string; value: string }> | undefined;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
export const MAX_DIMENSIONS = 3;

/**
 * A field reference, as metricValue and dimension values name them: `$.selector` for JSON events,
 * `$name` for a field of the filter's space-delimited pattern.
 */
function field(text: string, pattern: CompiledPattern, what: string): Read | undefined {
  if (text.startsWith("$.")) {
    try {
      const read = compileSelector(text);
      return (e) => read(e.json());
    } catch (err) {
      if (err instanceof PatternError) throw invalidParameter(`Invalid ${what}: ${text}`);
      throw err;
    }
  }
  const named = /^\$(\w+)$/.exec(text);
  if (named === null) return undefined;
  if (!pattern.fieldNames?.includes(named[1]!)) {
    throw invalidParameter(`Invalid ${what}: ${text} is not a field of the filter pattern`);
  }
  return (e) => e.fields[text];
}

const asNumber = (v: unknown): number | undefined => {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string" && NUMBER.test(v.trim())) return Number(v);
  return undefined;
};

/** Checks a transformation against its pattern (InvalidParameterException) and compiles it. */
export function compileTransformation(t: MetricTransformation, pattern: CompiledPattern): CompiledTransformation {
  const text = t.metricValue!.trim();
  let value: (e: MatchedEvent) => number | undefined;
  if (NUMBER.test(text)) {
    const n = Number(text);
    value = () => n;
  } else {
    const read = field(text, pattern, "metricValue");
    if (read === undefined) throw invalidParameter(`Invalid metricValue: ${t.metricValue}; it must be a number, $.selector or $field`);
    value = (e) => asNumber(read(e));
  }
  const entries = Object.entries(t.dimensions ?? {});
  if (entries.length > MAX_DIMENSIONS) throw invalidParameter(`A metric filter can have at most ${MAX_DIMENSIONS} dimensions.`);
  if (entries.length > 0 && t.defaultValue !== undefined) throw invalidParameter("A metric filter with dimensions cannot have a defaultValue.");
  const dims = entries.map(([name, source]) => {
    const read = field(source.trim(), pattern, "dimension value");
    if (read === undefined) throw invalidParameter(`Invalid dimension value: ${source}; it must be a $.selector or $field`);
    return { name, read };
  });
  return {
    value,
    dimensions(e) {
      const out: Array<{ name: string; value: string }> = [];
      for (const d of dims) {
        const v = d.read(e);
        if (v === undefined || v === null || typeof v === "object") return undefined;
        const s = String(v);
        if (s === "") return undefined;
        out.push({ name: d.name, value: s });
      }
      return out;
    },
  };
}
