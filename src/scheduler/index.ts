/**
 * Placement as pure functions: (snapshot, request) -> plan. No I/O, no clock, no global state;
 * randomness comes from the request's seed. The ECS layer builds a ClusterSnapshot from its
 * store, calls these, and carries out the result.
 */
export type {
  ClusterSnapshot,
  InstanceSnapshot,
  InstanceAttribute,
  InstanceStatus,
  InstanceLaunchType,
  RunningTaskSnapshot,
  HostPort,
  Protocol,
  PlacementConstraint,
  PlacementStrategy,
  PortRequest,
  PlacementRequest,
  Placement,
  PlacementFailure,
  PlacementPlan,
  FailureReason,
} from "./types.js";
export { planPlacement, type PlanResult } from "./plan.js";
export { planStartTask } from "./start-task.js";
export { selectTasksToStop, DEFAULT_SCALE_IN_STRATEGIES, type ScaleInRequest, type ScaleInResult } from "./scale-in.js";
export { ClusterIndex, indexCluster, DEFAULT_DYNAMIC_PORT_RANGE } from "./cluster-index.js";
export { compileRequest, MAX_CONSTRAINTS, MAX_STRATEGIES, type CompiledRequest, type RequestError } from "./request.js";
export { Placer } from "./placer.js";
export { instanceTarget } from "./instance-target.js";
export { FEASIBILITY_STACK } from "./checkers/stack.js";
export { filterInstances, type FilterResult } from "./filter.js";
export { parseCql, evaluateCql, printCql, MAX_EXPRESSION_LENGTH, type CqlNode, type CqlError, type CqlTarget, type CqlParseResult } from "./cql/index.js";
export { createRng, type Rng } from "./rng.js";
