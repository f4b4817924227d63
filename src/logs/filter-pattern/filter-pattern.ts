import { invalidFilterPattern } from "../errors.js";
import { compileJsonPattern } from "./json-pattern.js";
import { compileDelimitedPattern } from "./delimited-pattern.js";
import { compileTermPattern } from "./term-pattern.js";
import { PatternError } from "./scanner.js";

/**
 * A compiled filter pattern. `requiredTerms` are substrings every match contains: the store tests
 * them in SQL first, so only candidates reach `matches`.
 */
export interface CompiledPattern {
  matches(message: string): boolean;
  requiredTerms: string[];
  /**
   * Space-delimited patterns: the named fields' values of a matching event (`{"$status": "404"}`,
   * as TestMetricFilter's extractedValues and metric filters' `$status` name them), or undefined
   * when the event does not match. Other patterns bind no fields.
   */
  extract?(message: string): Record<string, string> | undefined;
  /** Space-delimited patterns: the names of their fields, in order. */
  fieldNames?: string[];
}

/**
 * CloudWatch Logs' filter pattern language (terms, JSON and space-delimited patterns) as the
 * user guide specifies it. Hand-written: no library implements this grammar, and it is three
 * small recursive-descent parsers over one scanner.
 */
export function compileFilterPattern(text: string): CompiledPattern {
  const source = text.trim();
  try {
    if (source.startsWith("{")) return compileJsonPattern(source);
    if (source.startsWith("[")) return compileDelimitedPattern(source);
    return compileTermPattern(source);
  } catch (err) {
    if (err instanceof PatternError) throw invalidFilterPattern();
    throw err;
  }
}
