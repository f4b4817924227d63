import type { ClusterIndex } from "../cluster-index.js";
import type { CompiledRequest } from "../request.js";
import type { PlacementState } from "../state.js";
import type { FailureReason } from "../types.js";

/** What a checker may read: the request, the immutable index, and the plan's state so far. */
export interface CheckContext {
  readonly request: CompiledRequest;
  readonly index: ClusterIndex;
  readonly state: PlacementState;
}

/** Tests one instance: undefined when it passes, else the reason ECS reports for it. Never throws. */
export type Check = (i: number) => FailureReason | undefined;

/**
 * A feasibility checker, after nomad's FeasibilityChecker: one small rule with a reason.
 *
 * `static` checkers read only what no placement changes (status, agent, attributes); the
 * others read the plan's state and are re-run for the one instance each placement changes.
 * Either way a verdict on the index as it stands is a function of the index and of `memoKey`
 * (the parts of the request it reads), so verdicts before the first placement are memoised per
 * index and shared by every request that asks the same.
 */
export interface Checker {
  readonly name: string;
  readonly static: boolean;
  /** The test for this request, or undefined when the request does not need this check. */
  prepare(ctx: CheckContext): Check | undefined;
  memoKey(request: CompiledRequest): string;
}
