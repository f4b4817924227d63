import type { TaskPlan } from "./task-plan.js";
import { resourceValues } from "./protocol/launch-resources.js";

/**
 * Keeps a task's environment values out of what Berth says about the task. The engine's error
 * messages quote what it refused ("invalid environment variable: =<value>", runc's
 * "environment variable value can't contain null(\x00): \"NAME=<value>\""), and those messages
 * become stoppedReasons, container reasons and log lines. Every reason and log line derived from
 * an engine error passes through a task's redactor, which replaces each value with REDACTED.
 */
export const REDACTED = "***";

/**
 * Values shorter than this are left alone: "1", "on" or "80" would blank out ordinary words and
 * numbers of the message, and a value that short hides nothing worth hiding.
 */
export const MIN_REDACTED_LENGTH = 4;

export type Redact = (text: string) => string;

/** Characters an engine message may show escaped (JSON, Go's %q) instead of as they are. */
const ESCAPED = /[\u0000-\u001f\u007f"\\]/;

/** Go's strconv.Quote body, for the characters above: how runc and Docker quote a value. */
function goQuoted(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f"\\]/g, (c) => {
    const named: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\u0007": "\\a", "\b": "\\b", "\f": "\\f", "\u000b": "\\v" };
    return named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/**
 * Every form a value may take in a message: as it is, JSON-escaped, Go-quoted, and each run of
 * plain characters between escapable ones (so that an escaping nobody foresaw still leaves
 * nothing long readable).
 */
function formsOf(value: string): string[] {
  const forms = [value, JSON.stringify(value).slice(1, -1), goQuoted(value), ...value.split(ESCAPED)];
  return forms.filter((f) => f.length >= MIN_REDACTED_LENGTH);
}

export function redactor(values: Iterable<string>): Redact {
  // Longest first, so that a value containing another is replaced whole.
  const forms = [...new Set([...values].flatMap(formsOf))].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  return (text) => forms.reduce((t, f) => (t.includes(f) ? t.split(f).join(REDACTED) : t), text);
}

/** The environment values of every container of a task, overrides included (the plan has them merged in), and its resolved secrets. */
export function taskRedactor(plan: TaskPlan): Redact {
  return redactor([...plan.containers.flatMap((c) => (c.def.environment ?? []).map((kv) => kv.value ?? "")), ...resourceValues(plan.resources)]);
}
