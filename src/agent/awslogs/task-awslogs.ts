import type { AgentContext } from "../context.js";
import type { PlannedContainer, TaskPlan } from "../task-plan.js";
import { TaskError } from "../errors.js";
import { LogOpenError, type LogDestination } from "../protocol/log-shipper.js";
import { awslogsConfig, awslogsStreamName, LoggerArgsError, type AwslogsConfig } from "./awslogs-config.js";
import { LogFollower } from "./log-follower.js";

/** A container's destination, opened: where it ships and from which position. */
export interface OpenedLogs {
  destination: LogDestination;
  config: AwslogsConfig;
  from?: string;
}

/** How long a stopping task waits for its containers' last output to be shipped before it reports STOPPED. */
const DRAIN_MS = 10_000;

/**
 * The awslogs side of one task: the log destination of each container whose logConfiguration
 * uses awslogs, opened before the container starts (a missing group without awslogs-create-group
 * fails the task as it does on ECS), and a follower per container that ships its output.
 */
export class TaskAwslogs {
  private readonly followers = new Map<string, { containerId: string; follower: LogFollower }>();

  constructor(private readonly ctx: AgentContext, private readonly plan: TaskPlan) {}

  /** Opens the container's destination; undefined when it does not use awslogs. Throws a TaskError as ECS words it. */
  async open(c: PlannedContainer, containerId: string): Promise<OpenedLogs | undefined> {
    let config: AwslogsConfig | undefined;
    try {
      config = awslogsConfig(c.def);
    } catch (err) {
      if (err instanceof LoggerArgsError) throw new TaskError("ResourceInitializationError", `failed to validate logger args: ${err.message}`, c.name);
      throw err;
    }
    if (!config) return undefined;
    if (!this.ctx.logs) throw new TaskError("ResourceInitializationError", "failed to initialize logging driver: this agent has no way to ship awslogs output", c.name);
    const destination: LogDestination = {
      taskArn: this.plan.taskArn,
      container: c.name,
      group: config.group,
      stream: awslogsStreamName(config, c.name, this.plan.taskId, containerId),
      region: config.region,
      createGroup: config.createGroup,
    };
    try {
      return { destination, config, from: await this.ctx.logs.open(destination) };
    } catch (err) {
      if (err instanceof LogOpenError) {
        // The Docker awslogs driver's words, as ECS shows them in stoppedReason.
        const what = err.code === "ResourceNotFoundException" ? "create stream has been retried 1 times: failed to create Cloudwatch log stream" : "failed to create Cloudwatch log stream";
        throw new TaskError("ResourceInitializationError", `failed to validate logger args: ${what}: ${err.code}: ${err.message} : exit status 1`, c.name);
      }
      throw new TaskError("ResourceInitializationError", `failed to initialize logging driver: ${(err as Error).message}`, c.name);
    }
  }

  /** Starts shipping the container's output (once per container id). */
  follow(opened: OpenedLogs, containerId: string): void {
    const name = opened.destination.container;
    if (this.followers.get(name)?.containerId === containerId) return;
    this.followers.get(name)?.follower.dispose();
    const follower = new LogFollower(this.ctx.docker, containerId, opened.destination, opened.config, this.ctx.logs!, this.ctx.log, opened.from);
    this.followers.set(name, { containerId, follower });
  }

  /** After a restart: ships what an adopted (or dead) container wrote since the stored position. */
  async adopt(c: PlannedContainer, containerId: string): Promise<void> {
    if (this.followers.get(c.name)?.containerId === containerId) return;
    try {
      const opened = await this.open(c, containerId);
      if (opened) this.follow(opened, containerId);
    } catch (err) {
      this.ctx.log.warn({ taskArn: this.plan.taskArn, container: c.name, err: (err as Error).message }, "awslogs: cannot ship an adopted container's output");
    }
  }

  /** Resolves once every follower has shipped its container's last output, or after a while. */
  async drained(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.followers.values()].map((f) => f.follower.done)),
      new Promise((r) => (timer = setTimeout(r, DRAIN_MS))),
    ]);
    clearTimeout(timer);
  }

  dispose(): void {
    this.followers.forEach((f) => f.follower.dispose());
    this.followers.clear();
  }
}
