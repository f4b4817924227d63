/**
 * Service event messages and rollout reasons, worded as ECS words them (the Developer Guide's
 * "Amazon ECS service event messages"). Every service message starts with "(service NAME)";
 * tasks, deployments and instances are named by id in parentheses.
 */

export const idOf = (arn: string) => arn.split("/").pop()!;
const tasksList = (taskArns: readonly string[]) => taskArns.map((a) => `(task ${idOf(a)})`).join(" ");

export const serviceMessages = {
  started: (service: string, taskArns: readonly string[]) => `(service ${service}) has started ${taskArns.length} tasks: ${tasksList(taskArns)}.`,
  stopped: (service: string, taskArns: readonly string[]) => `(service ${service}) has stopped ${taskArns.length} running tasks: ${tasksList(taskArns)}.`,
  steadyState: (service: string) => `(service ${service}) has reached a steady state.`,
  deploymentCompleted: (service: string, deploymentId: string) => `(service ${service}) (deployment ${deploymentId}) deployment completed.`,
  deploymentFailed: (service: string, deploymentId: string) => `(service ${service}) (deployment ${deploymentId}) deployment failed: tasks failed to start.`,
  rollingBack: (service: string, deploymentId: string) => `(service ${service}) rolling back to deployment ${deploymentId}.`,
  /** Berth's wording for the two below: ECS's guide does not quote them. */
  deploymentFailedOnAlarm: (service: string, deploymentId: string) => `(service ${service}) (deployment ${deploymentId}) deployment failed: alarm detected.`,
  deploymentFailedOnHook: (service: string, deploymentId: string) => `(service ${service}) (deployment ${deploymentId}) deployment failed: lifecycle hook failed.`,
  deploymentStopped: (service: string, deploymentId: string) => `(service ${service}) (deployment ${deploymentId}) deployment stopped.`,
  healthCheckFailed: (service: string, taskArn: string) => `(service ${service}) (task ${idOf(taskArn)}) failed container health checks.`,
  /** ECS's "service unhealthy" event; an instance target (EC2) also names its instance. */
  unhealthyTarget: (service: string, taskArn: string, target: { targetGroupArn: string; id: string; port: number; description?: string }) =>
    `(service ${service}) (task ${idOf(taskArn)}) ${target.id.startsWith("i-") ? `(instance ${target.id}) ` : ""}(port ${target.port}) is unhealthy in (target-group ${target.targetGroupArn}) due to (reason ${target.description ?? "Health checks failed"}).`,
  registeredTargets: (service: string, count: number, targetGroupArn: string) => `(service ${service}) registered ${count} targets in (target-group ${targetGroupArn})`,
  deregisteredTargets: (service: string, count: number, targetGroupArn: string) => `(service ${service}) deregistered ${count} targets in (target-group ${targetGroupArn})`,
  drainingConnections: (service: string, count: number) => `(service ${service}) has begun draining connections on ${count} tasks.`,
  /** Berth's wording: ECS's guide does not quote its blue/green traffic-shift events. */
  productionTrafficShifted: (service: string, deploymentId: string, tenths = 1000) =>
    tenths >= 1000
      ? `(service ${service}) (deployment ${deploymentId}) production traffic shifted to the new service revision.`
      : `(service ${service}) (deployment ${deploymentId}) ${tenths / 10}% of production traffic shifted to the new service revision.`,
  throttled: (service: string) => `(service ${service}) is unable to consistently start tasks successfully.`,
  blockedByConfiguration: (service: string) =>
    `(service ${service}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.`,
  unableToPlace: (service: string, why: PlacementShortfall) => `(service ${service}) was unable to place a task because no container instance met all of its requirements. ${describeShortfall(why)}For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`,
};

export const rolloutReasons = {
  inProgress: (deploymentId: string) => `ECS deployment ${deploymentId} in progress.`,
  completed: (deploymentId: string) => `ECS deployment ${deploymentId} completed.`,
  failed: () => "ECS deployment circuit breaker: tasks failed to start.",
  rollingBack: (toDeploymentId: string) => `ECS deployment circuit breaker: rolling back to deploymentId ${toDeploymentId}.`,
  // Berth's wording from here on: ECS documents the circuit breaker's reasons only.
  alarmsFailed: (alarmNames: readonly string[]) => `ECS deployment failed: alarm(s) in ALARM state: ${alarmNames.join(", ")}.`,
  stopped: () => "ECS deployment stopped by StopServiceDeployment.",
  stoppedForRollback: () => "ECS deployment stopped by StopServiceDeployment for a rollback.",
  /** The reason the deployment a failure rolls back to is given, by cause. */
  rollingBackFor: (cause: "CIRCUIT_BREAKER" | "ALARM" | "STOP_REQUESTED" | "HOOK", toDeploymentId: string) =>
    cause === "CIRCUIT_BREAKER"
      ? rolloutReasons.rollingBack(toDeploymentId)
      : cause === "ALARM"
        ? `ECS deployment alarms: rolling back to deploymentId ${toDeploymentId}.`
        : cause === "HOOK"
          ? `ECS deployment lifecycle hook: rolling back to deploymentId ${toDeploymentId}.`
          : `ECS service deployment stopped: rolling back to deploymentId ${toDeploymentId}.`,
};

/** Why the service's next task could not be placed: no instance at all, or the closest instance and its reason. */
export type PlacementShortfall = { kind: "no-instances" } | { kind: "closest"; instanceArn: string; reason: string };

function describeShortfall(why: PlacementShortfall): string {
  if (why.kind === "no-instances") return "Reason: No Container Instances were found in your cluster. ";
  const name = `The closest matching (container-instance ${idOf(why.instanceArn)})`;
  switch (why.reason) {
    case "RESOURCE:CPU":
      return `${name} has insufficient CPU units available. `;
    case "RESOURCE:MEMORY":
      return `${name} has insufficient memory available. `;
    case "RESOURCE:PORTS":
    case "RESOURCE:PORTS_UDP":
      return `${name} is already using a port required by your task. `;
    case "ATTRIBUTE":
      return `${name} is missing an attribute required by your task. `;
    default:
      return `${name} encountered error "${why.reason}". `;
  }
}

/**
 * Placement's checks run in this order (src/scheduler/checkers/stack.ts); the "closest matching"
 * instance ECS names is the one that got furthest, so a later reason is closer.
 */
const CLOSENESS = ["MISSING", "INACTIVE", "DEREGISTERING", "REGISTRATION_FAILED", "REGISTERING", "DRAINING", "AGENT", "RESOURCE:CPU", "RESOURCE:MEMORY", "RESOURCE:PORTS", "RESOURCE:PORTS_UDP", "ATTRIBUTE"];

export function closestFailure(failures: ReadonlyArray<{ arn?: string; reason?: string }>): PlacementShortfall {
  let best: { arn?: string; reason?: string } | undefined;
  for (const f of failures) {
    if (!f.arn || !f.reason) continue;
    if (!best || CLOSENESS.indexOf(f.reason) > CLOSENESS.indexOf(best.reason!)) best = f;
  }
  return best ? { kind: "closest", instanceArn: best.arn!, reason: best.reason! } : { kind: "no-instances" };
}
