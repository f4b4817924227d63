import type { Task, TaskDefinition } from "@aws-sdk/client-ecs";
import type { LaunchResources } from "./launch-resources.js";
import type { Scope } from "../../core/arn.js";

/**
 * The boundary between ECS's control plane and whatever runs containers (the agent).
 * The control plane records what should happen and asks the runner; the runner's per-task
 * manager is the only thing that changes a task's known status, and it tells the control
 * plane through reports, in order. An agent's docker runner implements it; the control plane
 * reaches the agents through AgentRunner, which implements it over the agent protocol.
 */
export interface TaskRunner {
  /** Begin running a task already stored as PROVISIONING. Returns at once; progress comes as reports. */
  launch(spec: LaunchSpec): void;
  /** Stop a task: SIGTERM, then SIGKILL after each container's stopTimeout. Returns at once. */
  stop(taskArn: string, why: StopRequest): void;
  /** Everything the task's containers wrote to stdout and stderr, while they still exist. */
  logs(taskArn: string): Promise<ContainerLog[]>;
  /** Subscribes to reports. server.ts wires exactly one listener: the ECS report applier. */
  onReport(listener: (report: TaskReport) => void): void;
  /**
   * Called once at start-up with every task the store believes is not STOPPED: the runner adopts
   * those whose containers still run and reports the others STOPPED with a clear reason.
   * `retained` names STOPPED tasks the store still shows: their containers (and logs) are kept
   * until cleanup(); any other container of this Berth is removed.
   */
  recover(tasks: LaunchSpec[], retained: string[]): Promise<void>;
  /** Removes a stopped task's containers, volumes and network helpers. */
  cleanup(taskArn: string): Promise<void>;
  /** Removes every container, network and volume this Berth started (POST /_berth/reset). */
  reset(): Promise<void>;
  /**
   * A running task's role session was renewed (rotation): its credentials endpoint serves these
   * from now on. Optional: a runner without a credentials endpoint ignores them.
   */
  refreshCredentials?(taskArn: string, credentials: TaskRoleCredentials): void;
  close(): Promise<void>;
}

export interface LaunchSpec {
  /** The task document as stored: arn, cluster, launchType, overrides, containers by name, attachments. */
  task: Task;
  /** The task definition revision the task runs, in full. */
  taskDefinition: TaskDefinition;
  /** EC2 tasks: the host address of the task's container instance, where bridge ports are published (the runner's default when absent). */
  hostIp?: string;
  /**
   * The task's secrets, resolved by the control plane as it delivers the launch
   * (launch-resources.ts); absent when the task needs none, and never stored.
   */
  resources?: LaunchResources;
  /**
   * A task with a taskRoleArn: its role session, added by the control plane each time the launch
   * (or recover) is delivered, never stored with the command. The agent serves it at
   * 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI.
   */
  credentials?: TaskRoleCredentials;
  /** The task role could not be assumed (no such role, trust policy refused): the task fails to start with it. */
  credentialsError?: string;
  /**
   * Passwords for Berth's registry, one per account and region the task's images are in, issued
   * as the launch (or recover) is delivered, never stored: with iamEnforcement, to the session of
   * the task's execution role, so that the registry authorizes each of the task's pulls as that
   * role (src/ecr/registry-permissions.ts).
   */
  registryPasswords?: Array<Scope & { password: string }>;
}

/** A task role's temporary credentials as the agent serves them (ECS's shape is made from these). */
export interface TaskRoleCredentials {
  roleArn: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ISO 8601: when STS says they expire. */
  expiration: string;
}

export type StopCode = "TaskFailedToStart" | "EssentialContainerExited" | "UserInitiated" | "ServiceSchedulerInitiated" | "SpotInterruption" | "TerminationNotice";

export interface StopRequest {
  stopCode: StopCode;
  reason: string;
  /**
   * At most this long between SIGTERM and SIGKILL, whatever the containers' stopTimeout: a Spot
   * interruption's warning (spotWarningSeconds) does not wait for a longer stopTimeout.
   */
  graceSeconds?: number;
}

export type TaskStatus = "PROVISIONING" | "PENDING" | "ACTIVATING" | "RUNNING" | "DEACTIVATING" | "STOPPING" | "DEPROVISIONING" | "STOPPED";

/** One step of a task's life, as its manager saw it. Absent fields are unchanged. */
export interface TaskReport {
  taskArn: string;
  /** When the step happened; becomes the timestamp the step sets (startedAt for RUNNING, ...). */
  at: Date;
  lastStatus?: TaskStatus;
  pullStartedAt?: Date;
  pullStoppedAt?: Date;
  /** Set when the task stops on its own (essential exit, failure to start, vanished containers). */
  stopCode?: StopCode;
  stoppedReason?: string;
  /**
   * The stop was found at start-up: containers that died or vanished while Berth (or the engine)
   * was down. Not a failure of the task's own launch, so the deployment circuit breaker does not
   * count it.
   */
  stoppedWhileDown?: true;
  healthStatus?: "HEALTHY" | "UNHEALTHY" | "UNKNOWN";
  /** awsvpc: the address the task was given. */
  privateIPv4Address?: string;
  containers?: ContainerReport[];
}

export interface ContainerReport {
  name: string;
  lastStatus?: "PENDING" | "RUNNING" | "STOPPED";
  runtimeId?: string;
  imageDigest?: string;
  exitCode?: number;
  reason?: string;
  healthStatus?: "HEALTHY" | "UNHEALTHY" | "UNKNOWN";
  networkBindings?: Array<{ bindIP: string; containerPort: number; hostPort: number; protocol: "tcp" | "udp" }>;
}

export interface ContainerLog {
  container: string;
  text: string;
}
