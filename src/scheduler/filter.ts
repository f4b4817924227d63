import { evaluateCql } from "./cql/evaluate.js";
import type { CqlError } from "./cql/errors.js";
import { parseCql } from "./cql/parser.js";
import { InstanceTarget } from "./instance-target.js";
import type { InstanceSnapshot } from "./types.js";

export type FilterResult<T> = { readonly ok: true; readonly instances: readonly T[] } | { readonly ok: false; readonly error: CqlError };

/**
 * ListContainerInstances --filter: the instances an expression selects, in the order given.
 * An invalid expression is an error value carrying the position and what was expected.
 */
export function filterInstances<T extends InstanceSnapshot>(instances: readonly T[], expression: string): FilterResult<T> {
  const parsed = parseCql(expression);
  if (!parsed.ok) return parsed;
  return { ok: true, instances: instances.filter((i) => evaluateCql(parsed.ast, new InstanceTarget(i))) };
}
