import type { Failure, PlacementConstraint, PlacementStrategy, TaskDefinition } from "@aws-sdk/client-ecs";
import { compileRequest, type PlacementFailure, type PlacementRequest, type PortRequest } from "../../scheduler/index.js";
import { invalidParameter } from "../errors.js";
import type { Reservation } from "../instances/instance-resources.js";

/** How an EC2 task is placed: by the engine (RunTask, services) or on instances the caller names (StartTask). */
export type PlacementTarget =
  | { kind: "plan"; constraints: PlacementConstraint[]; strategies: PlacementStrategy[]; seed: string }
  | { kind: "instances"; instanceArns: string[] };

/**
 * The constraints a task is placed under: the task definition's (memberOf only) and then the
 * request's, as ECS combines them; the limit of 10 counts both.
 */
export function constraintsFor(def: TaskDefinition, requested: PlacementConstraint[] = []): PlacementConstraint[] {
  const fromDefinition = (def.placementConstraints ?? []).map((c) => ({ type: c.type, expression: c.expression }));
  return [...fromDefinition, ...requested];
}

/**
 * The scheduler's request for tasks that each reserve `demand`. Only static host ports are
 * passed: dynamic ones (hostPort 0) are picked by the engine when the container starts, and
 * Berth does not record them as reserved, so asking the scheduler to pick one would promise a
 * port nobody holds.
 */
export function placementRequest(
  demand: Reservation,
  { group, count, constraints = [], strategies = [], seed }: { group: string; count: number; constraints?: PlacementConstraint[]; strategies?: PlacementStrategy[]; seed: string },
): PlacementRequest {
  const ports: PortRequest[] = [
    ...demand.ports.map((hostPort) => ({ protocol: "tcp" as const, hostPort })),
    ...demand.portsUdp.map((hostPort) => ({ protocol: "udp" as const, hostPort })),
  ];
  return { cpu: demand.cpu, memory: demand.memory, ports, group, count, constraints, strategies, seed };
}

/**
 * Checks constraints and strategies before anything is stored (CreateService, UpdateService,
 * RunTask): an invalid one is InvalidParameterException with the scheduler's message, which for
 * a memberOf expression says at which column it is wrong and what was expected there.
 */
export function validatePlacement(constraints: PlacementConstraint[] = [], strategies: PlacementStrategy[] = []): void {
  const compiled = compileRequest({ cpu: 0, memory: 0, group: "check", count: 0, seed: 0, constraints, strategies });
  if (!compiled.ok) throw invalidParameter(compiled.error.message);
}

/** The scheduler's failures as RunTask's failures[]. */
export function wireFailures(failures: readonly PlacementFailure[]): Failure[] {
  return failures.map((f) => ({ arn: f.arn, reason: f.reason }));
}
