/**
 * The scheduler's own view of a cluster and of a placement request. The ECS layer builds these
 * from its store; nothing here imports from src/ecs or src/agent, and nothing is written back:
 * placement is (snapshot, request) -> plan.
 */

export type InstanceStatus = "ACTIVE" | "DRAINING" | "REGISTERING" | "DEREGISTERING" | "REGISTRATION_FAILED" | "INACTIVE";
/** EXTERNAL is an ECS Anywhere instance (ecs.capability.external); everything else is EC2. */
export type InstanceLaunchType = "EC2" | "EXTERNAL";
export type Protocol = "tcp" | "udp";

export interface InstanceAttribute {
  readonly name: string;
  readonly value?: string;
  /** Only container-instance attributes count; attributes of other targets are ignored. */
  readonly targetType?: string;
}

export interface HostPort {
  readonly protocol: Protocol;
  readonly hostPort: number;
}

export interface RunningTaskSnapshot {
  readonly arn: string;
  /** service:NAME for service tasks, family:NAME by default for standalone ones (ECS's task group). */
  readonly group?: string;
  readonly family?: string;
  /** What the task reserves on its instance; scale-in by binpack reads these. */
  readonly cpu?: number;
  readonly memory?: number;
  readonly ports?: readonly HostPort[];
}

export interface InstanceSnapshot {
  /** The container instance ID (last part of the ARN). */
  readonly id: string;
  readonly arn: string;
  readonly ec2InstanceId?: string;
  readonly status: InstanceStatus;
  readonly agentConnected: boolean;
  readonly agentVersion?: string;
  readonly launchType?: InstanceLaunchType;
  /** Epoch milliseconds, a Date, or an ISO-8601 string. */
  readonly registeredAt: number | Date | string;
  readonly registered: { readonly cpu: number; readonly memory: number };
  /**
   * As DescribeContainerInstances reports remainingResources: CPU units and MiB left, and in
   * `ports` / `portsUdp` the host ports that are taken (reserved by the agent or bound by tasks).
   */
  readonly remaining: {
    readonly cpu: number;
    readonly memory: number;
    readonly ports?: readonly number[];
    readonly portsUdp?: readonly number[];
  };
  /** Host ports handed out for hostPort 0; defaults to Linux's ip_local_port_range, 32768-60999. */
  readonly dynamicPortRange?: { readonly from: number; readonly to: number };
  readonly attributes?: readonly InstanceAttribute[];
  readonly tasks?: readonly RunningTaskSnapshot[];
  /** Defaults to tasks.length. */
  readonly runningTasksCount?: number;
}

export interface ClusterSnapshot {
  /** Used as the arn of a MISSING failure when the cluster has no instances. */
  readonly clusterArn?: string;
  /** Order matters for replay: list instances in a stable order (for example by ARN). */
  readonly instances: readonly InstanceSnapshot[];
}

/** The wire shapes of ECS's PlacementConstraint and PlacementStrategy. */
export interface PlacementConstraint {
  readonly type?: string;
  readonly expression?: string;
}
export interface PlacementStrategy {
  readonly type?: string;
  readonly field?: string;
}

/** One host port the task binds: a fixed hostPort, or 0 / absent for one picked from the dynamic range. */
export interface PortRequest {
  readonly protocol?: Protocol;
  readonly hostPort?: number;
}

export interface PlacementRequest {
  /** CPU units and MiB the task reserves. */
  readonly cpu: number;
  readonly memory: number;
  readonly ports?: readonly PortRequest[];
  /** EC2 (default) or EXTERNAL. FARGATE is not placed on container instances. */
  readonly launchType?: string;
  /** The task group: spread and distinctInstance count tasks of this group. */
  readonly group: string;
  readonly constraints?: readonly PlacementConstraint[];
  /** Applied in order; an empty list places at random among the instances that fit. */
  readonly strategies?: readonly PlacementStrategy[];
  readonly count: number;
  /** Every random choice derives from this, so a decision can be replayed. */
  readonly seed: number | string;
}

export type FailureReason =
  | "RESOURCE:CPU"
  | "RESOURCE:MEMORY"
  | "RESOURCE:PORTS"
  | "RESOURCE:PORTS_UDP"
  | "ATTRIBUTE"
  | "AGENT"
  | "MISSING"
  | Exclude<InstanceStatus, "ACTIVE">;

export interface Placement {
  readonly instanceId: string;
  readonly instanceArn: string;
  /** One entry per requested port, in request order; dynamic ones filled in from the instance's range. */
  readonly hostPorts: readonly HostPort[];
}

/** As RunTask reports failures[]: the instance's ARN and why it could not take the task. */
export interface PlacementFailure {
  readonly arn?: string;
  readonly reason: FailureReason;
}

export interface PlacementPlan {
  readonly placements: readonly Placement[];
  /** Empty when every task was placed; else one entry per instance, with its first failing check. */
  readonly failures: readonly PlacementFailure[];
  /** How many instances each reason rejected when placement stopped (for service events and logs). */
  readonly rejected: Readonly<Partial<Record<FailureReason, number>>>;
}
