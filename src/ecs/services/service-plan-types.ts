/**
 * What the service scheduler's decision reads and returns. The controller builds a
 * ServicePlanInput from the store, planService() decides (pure), and the controller carries the
 * plan out in the same transaction.
 */

export type RolloutState = "IN_PROGRESS" | "COMPLETED" | "FAILED";

/** Berth's own controller state for a service, kept beside its wire document. */
export interface ServiceState {
  /** Decisions made so far; with the service ARN it seeds the next decision, so each can be replayed. */
  decisions: number;
  /** The service was at steady state after the last decision. */
  steady: boolean;
  /** When "has reached a steady state" was last written (epoch ms): ECS repeats it every six hours. */
  steadyEventAt?: number;
  /** Service tasks that stopped on their own (or failed health checks) since the last steady state. */
  consecutiveFailures: number;
  /** The throttle: no task is launched before this (epoch ms). */
  launchNotBefore?: number;
  /** BLUE_GREEN services: which target group of each pair each deployment's tasks use, and where production traffic goes. */
  blueGreen?: BlueGreenState;
  /** StopServiceDeployment asked to stop this deployment: roll it back, or leave it as it is (ABORT). */
  stopRequested?: { deploymentId: string; stopType: "ROLLBACK" | "ABORT" };
  /** The PRIMARY deployment is a rollback to this (earlier) deployment: alarms no longer fail it. */
  rollback?: string;
}

export interface BlueGreenState {
  /** Per deployment id: 0, the loadBalancers' targetGroupArn; 1, their alternateTargetGroupArn. */
  slots: Record<string, 0 | 1>;
  /** The deployment the production listener rules send traffic to, and since when (epoch ms). */
  production?: string;
  productionSince?: number;
  /** LINEAR and CANARY: a share of production traffic (tenths of a percent) already on this deployment, since when. */
  shifting?: Shifting;
  /**
   * The deployment the test listener rules send test traffic to: moved to a new deployment at its
   * TEST_TRAFFIC_SHIFT stage (after POST_SCALE_UP), back to the old one when it rolls back.
   */
  test?: string;
  /**
   * The service status, primary deployment and rollout state (`status/id/rolloutState`) when
   * Lambda invocations no longer awaited were last abandoned: whose hooks run changes only with them.
   */
  hooksCarrier?: string;
}

export interface Shifting {
  deploymentId: string;
  tenths: number;
  since: number;
}

export const initialServiceState = (): ServiceState => ({ decisions: 0, steady: false, consecutiveFailures: 0 });

export interface PlanDeployment {
  id: string;
  status: "PRIMARY" | "ACTIVE";
  rolloutState: RolloutState;
  rolloutStateReason: string;
  /** Tasks of this deployment that failed while it was in progress (the circuit breaker's count). */
  failedTasks: number;
}

export interface PlanTask {
  arn: string;
  deploymentId: string;
  lastStatus: string;
  desiredStatus: string;
  /** The task's healthStatus (from its essential containers' health checks). */
  health?: string;
  /** Some essential container has a health check: the task counts as healthy only once HEALTHY. */
  hasHealthCheck: boolean;
  /** When it reached RUNNING (epoch ms). */
  startedAt?: number;
  stopCode?: string;
  /** Found dead at start-up (Berth or the engine was down): replaced, never counted as a failure. */
  stoppedWhileDown?: boolean;
  /** Its outcome is already counted (a stop was accounted for, or it failed its health checks). */
  accounted: boolean;
  /** The container instance it runs on (EC2 tasks). */
  instanceArn?: string;
  /** Under scale-in protection (UpdateTaskProtection) now: neither scale-in nor a deployment stops it. */
  protected?: boolean;
  /**
   * Services behind load balancers: the task's targets with their health as the load balancer
   * reports it, one per target group (empty until it is registered). Undefined without load balancers.
   */
  targets?: readonly PlanTarget[];
}

/** A task's target in one target group, and its health (ELBv2's TargetHealth). */
export interface PlanTarget {
  targetGroupArn: string;
  /** The task's IP address (ip targets) or its instance's EC2 id (instance targets). */
  id: string;
  port: number;
  /** initial, healthy, unhealthy, unused, draining, unavailable. */
  state: string;
  /** Why, in ELB's words ("Health checks failed with these codes: [404]"). */
  description?: string;
}

export interface ServicePlanInput {
  now: number;
  /** The service's name, for its events. */
  name: string;
  status: "ACTIVE" | "DRAINING";
  schedulingStrategy: "REPLICA" | "DAEMON";
  /** REPLICA: the service's desiredCount. */
  desiredCount: number;
  /**
   * EC2 services: the instances a task may stay on (ACTIVE; a disconnected agent's instance too,
   * until its grace period stops its tasks). A task on any other instance is moved: replaced
   * within the deployment bounds. Undefined for Fargate. New tasks are placed by the scheduler,
   * which also requires a connected agent.
   */
  usableInstances?: ReadonlySet<string>;
  /** DAEMON: the instances that should each run one task (usable and meeting the constraints). */
  daemonInstances?: readonly string[];
  minimumHealthyPercent: number;
  maximumPercent: number;
  circuitBreaker: { enable: boolean; rollback: boolean };
  /** deploymentConfiguration.alarms, when enabled: those of its alarms now in ALARM, and whether a failure rolls back. */
  alarms?: { inAlarm: readonly string[]; rollback: boolean };
  healthCheckGracePeriodSeconds: number;
  /** PRIMARY first, then ACTIVE ones newest first. */
  deployments: readonly PlanDeployment[];
  /** The service's tasks that the store still has, in creation order. */
  tasks: readonly PlanTask[];
  state: ServiceState;
  /**
   * BLUE_GREEN: the primary deployment's tasks all start at once beside the old ones; production
   * traffic moves to them once they are all healthy; the old tasks stop bakeMs after that.
   */
  blueGreen?: {
    production?: string;
    productionSince?: number;
    shifting?: Shifting;
    test?: string;
    bakeMs: number;
    /** The shares of traffic the new deployment gets, in tenths of a percent (default [1000]: all at once), and the wait between them. */
    steps?: readonly number[];
    stepBakeMs?: number;
  };
  /**
   * EXTERNAL and CODE_DEPLOY services: their task sets, each keeping its own count of tasks
   * (task-set-plan.ts); `deployments` is then empty.
   */
  taskSets?: readonly PlanTaskSet[];
  /**
   * BLUE_GREEN, LINEAR, CANARY with deploymentConfiguration.lifecycleHooks: the stages that have
   * hooks, and how the primary deployment's hooks went (lifecycle-hook-gates.ts). The primary
   * waits at each hooked stage until all its hooks there succeeded.
   */
  hooks?: HookGates;
  /** Orders `count` of `candidates` for stopping (the service's placement strategies read backwards); default: as given. */
  chooseToStop?: (candidates: readonly PlanTask[], count: number) => readonly PlanTask[];
}

export interface HookGates {
  /** The lifecycle stages some hook runs at (DeploymentLifecycleHookStage). */
  stages: ReadonlySet<string>;
  /**
   * Stage keys whose hooks all succeeded for the primary deployment, and when (epoch ms). A key is
   * the stage, or `STAGE:tenths` for PRE_PRODUCTION_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT,
   * which run at every traffic step of a linear or canary deployment, or `STAGE:rollback` for the
   * stages a rollback runs hooks at (TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT).
   */
  passed: ReadonlyMap<string, number>;
  /** Stage keys whose hooks have started: the decision starts a stage's hooks once (the plan reads only the above). */
  started?: ReadonlySet<string>;
  /** A hook of the primary failed (or timed out, or was answered ROLLBACK): the deployment fails and rolls back. */
  failed?: { reason: string };
}

export interface PlanTaskSet {
  id: string;
  /** Its computedDesiredCount (0 once DRAINING). */
  desiredCount: number;
}

export interface ShiftTo {
  deploymentId: string;
  /** Its share of production traffic, in tenths of a percent. */
  tenths: number;
}

export interface ServicePlan {
  /** The deployments after this decision, PRIMARY first; those left out are over (INACTIVE). */
  deployments: PlanDeployment[];
  /** Set when the circuit breaker, an alarm or StopServiceDeployment rolled back to this deployment, now PRIMARY again. */
  rolledBackTo?: string;
  /** The deployment this decision failed (or stopped), and why. */
  failure?: DeploymentFailure;
  /** BLUE_GREEN, LINEAR, CANARY: production traffic moves to this deployment's target groups now (all of it at 1000). */
  shiftTo?: ShiftTo;
  /** BLUE_GREEN, LINEAR, CANARY: test traffic moves to this deployment's target groups now (TEST_TRAFFIC_SHIFT). */
  testShiftTo?: string;
  /** Lifecycle hooks: the stage key the primary deployment waits at (its hooks are invoked if they were not yet). */
  awaitingHook?: string;
  /** Tasks whose outcome this decision counted. */
  accounted: string[];
  stops: Array<{ taskArn: string; reason: string }>;
  /** Tasks to launch for a deployment: REPLICA a count, DAEMON one on each named instance. */
  start?: { deploymentId: string; count: number; instanceArns?: string[] };
  /** Task sets: tasks to launch for each task set that has fewer than it keeps. */
  taskSetStarts?: Array<{ deploymentId: string; count: number }>;
  /** Event messages, oldest first. */
  events: string[];
  state: ServiceState;
  /** A DRAINING service with no task left becomes INACTIVE. */
  inactive: boolean;
  /** The desired count the service shows: REPLICA its own, DAEMON the instances that should run it. */
  desiredCount: number;
}

/** Why a deployment failed: its circuit breaker, its CloudWatch alarms (named), or StopServiceDeployment. */
export interface DeploymentFailure {
  deploymentId: string;
  cause: "CIRCUIT_BREAKER" | "ALARM" | "STOP_REQUESTED" | "HOOK";
  /** The rolloutStateReason it was given. */
  reason: string;
  /** The deployment's failed tasks when it failed (the circuit breaker's count). */
  failedTasks: number;
  alarms?: string[];
}
