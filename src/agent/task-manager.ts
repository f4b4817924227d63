import type { Task } from "@aws-sdk/client-ecs";
import type Docker from "dockerode";
import type { StopCode, StopRequest, TaskReport, TaskStatus } from "./protocol/task-runner.js";
import type { AgentContext } from "./context.js";
import { LABEL_TASK_IP } from "./labels.js";
import type { TaskPlan } from "./task-plan.js";
import { engineMessage, engineStatus, ESSENTIAL_EXITED, PAUSE_EXITED, VANISHED } from "./errors.js";
import { taskHealth, type Health } from "./health.js";
import { stopWaves } from "./dependencies.js";
import { hasStarted, newContainerState, observe, toReport, type ContainerState } from "./container-state.js";
import { launchTask } from "./task-launch.js";
import { TaskAwslogs } from "./awslogs/task-awslogs.js";
import { taskRedactor, type Redact } from "./redact.js";
import { TaskIdentity } from "./task-endpoint/task-identity.js";

const ORDER: TaskStatus[] = ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"];
const rank = (s: TaskStatus) => ORDER.indexOf(s);


/**
 * One serial manager per task, the only thing that changes the task's known status (the
 * amazon-ecs-agent model). Every change runs as one operation on the task's queue, one after
 * another; events and requests only enqueue. Two things are read without queueing, to cut a
 * long launch short: a stop request and an essential container's death set `interrupt`.
 */
export class TaskManager {
  status: TaskStatus;
  readonly containers: Map<string, ContainerState>;
  pauseId?: string;
  taskIp?: string;
  cgroupParent?: string;
  /** A host-mode task's cgroup, which routes its requests to this agent (host-task-routing.ts); its CgroupParent when its size gave it none. */
  routedCgroup?: string;
  interrupt?: StopRequest;
  /** Set by a stop request with graceSeconds: the longest any container gets between SIGTERM and SIGKILL. */
  graceSeconds?: number;
  disposed = false;
  /** Blanks the task's environment values out of engine messages (redact.ts). */
  readonly redact: Redact;
  /** The awslogs containers' destinations and followers. */
  readonly awslogs: TaskAwslogs;
  /** The task's credentials and metadata ids and its role session (task-endpoint/). */
  readonly identity: TaskIdentity;
  /** The control plane could not assume the task's role: the launch fails with this. */
  credentialsError?: string;
  pullStartedAt?: Date;
  pullStoppedAt?: Date;
  private queue: Promise<void> = Promise.resolve();
  private stopCode?: StopCode;
  private stoppedReason?: string;
  private lastHealth?: Health;
  /** Set by start-up recovery when it finds the task dead: its STOPPED report says so. */
  private stoppedWhileDown = false;

  constructor(
    readonly ctx: AgentContext,
    readonly plan: TaskPlan,
    status: TaskStatus = "PROVISIONING",
  ) {
    this.status = status;
    this.containers = new Map(plan.containers.map((c) => [c.name, newContainerState(c)]));
    this.redact = taskRedactor(plan);
    this.awslogs = new TaskAwslogs(ctx, plan);
    this.identity = new TaskIdentity(plan.containers.map((c) => c.name), plan.hasRole);
  }

  get taskArn(): string {
    return this.plan.taskArn;
  }

  /** Work is aborted between steps once the task must stop or the manager is forgotten. */
  get aborted(): boolean {
    return this.disposed || this.interrupt !== undefined;
  }

  private enqueue(what: string, op: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.disposed) return;
      try {
        await op();
      } catch (err) {
        this.ctx.log.error({ taskArn: this.taskArn, op: what, err: this.redact((err as Error).message) }, "task operation failed");
      }
    });
  }

  /** Resolves when every operation queued so far has run. */
  idle(): Promise<void> {
    return this.queue;
  }

  dispose(): void {
    this.disposed = true;
    this.awslogs.dispose();
  }

  // ---- requests and events (enqueue only) ----

  launch(): void {
    this.enqueue("launch", () => launchTask(this));
  }

  stop(why: StopRequest): void {
    if (this.status === "STOPPED") return;
    // A Spot warning caps every container's stopTimeout (see StopRequest.graceSeconds).
    if (why.graceSeconds !== undefined) this.graceSeconds = Math.min(this.graceSeconds ?? Infinity, why.graceSeconds);
    this.interrupt ??= why;
    this.enqueue("stop", () => this.stopTask(why.stopCode, why.reason));
  }

  onContainerEvent(e: { container?: string; pause: boolean; action: "die" | "health_status"; health?: string; containerId: string }): void {
    if (e.action === "die") {
      const s = e.container !== undefined ? this.containers.get(e.container) : undefined;
      if ((e.pause || s?.plan.essential) && rank(this.status) < rank("DEACTIVATING")) {
        this.interrupt ??= { stopCode: "EssentialContainerExited", reason: e.pause ? PAUSE_EXITED : ESSENTIAL_EXITED };
      }
      this.enqueue("die", () => this.handleDie(e.container, e.pause, e.containerId));
    } else {
      this.enqueue("health", () => this.handleHealth(e.container, e.containerId));
    }
  }

  /** Events may have been missed (the stream broke): look at every container again. */
  resync(): void {
    for (const s of this.containers.values()) if (s.status === "RUNNING" && s.id) this.enqueue("resync", () => this.handleDie(s.plan.name, false, s.id!));
    if (this.pauseId) this.enqueue("resync", () => this.handleDie(undefined, true, this.pauseId!));
  }

  recover(task: Task, found: Map<string, Docker.ContainerInspectInfo>, pause: Docker.ContainerInspectInfo | undefined): void {
    this.enqueue("recover", () => this.runRecover(task, found, pause));
  }

  // ---- reporting ----

  report(fields: Omit<TaskReport, "taskArn" | "at">, withContainers = false): void {
    if (this.disposed) return;
    if (fields.lastStatus) this.status = fields.lastStatus;
    if (fields.pullStartedAt) this.pullStartedAt = fields.pullStartedAt;
    if (fields.pullStoppedAt) this.pullStoppedAt = fields.pullStoppedAt;
    // A stopped task's credentials are never served again (the control plane revokes them too).
    if (fields.lastStatus === "STOPPED") {
      this.forgetIdentity();
      // Nothing runs in the task's cgroup any more (found stopped at start-up too): its empty
      // directories go now, not only when the task's containers are cleaned up, which a task
      // found stopped after a restart may never be. A directory still busy stays (rmdir fails).
      void this.ctx.cgroups.remove(this.ctx.berthId, this.plan.taskId);
    }
    const r: TaskReport = { taskArn: this.taskArn, at: this.ctx.clock.now(), ...fields };
    if (fields.lastStatus === "STOPPED" && this.stoppedWhileDown) r.stoppedWhileDown = true;
    // Every reason leaves the agent here; none may carry an environment value (redact.ts).
    if (r.stoppedReason !== undefined) r.stoppedReason = this.redact(r.stoppedReason);
    if (withContainers) {
      r.containers = [...this.containers.values()].map(toReport).map((c) => (c.reason === undefined ? c : { ...c, reason: this.redact(c.reason) }));
      const health = this.status === "STOPPED" ? "UNKNOWN" : taskHealth([...this.containers.values()].map((s) => ({ essential: s.plan.essential, hasHealthCheck: s.plan.hasHealthCheck, health: s.health })));
      if (health !== this.lastHealth || fields.lastStatus) r.healthStatus = health;
      this.lastHealth = health;
    }
    this.ctx.emit(r);
  }

  private forgetIdentity(): void {
    this.identity.credentials = undefined;
    void this.ctx.endpoints().then((e) => e?.taskStopped(this)).catch(() => {});
  }

  async inspect(id: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.ctx.docker.getContainer(id).inspect();
    } catch (err) {
      if (engineStatus(err) === 404) return undefined;
      throw err;
    }
  }

  // ---- operations ----

  private async handleDie(name: string | undefined, pause: boolean, id: string): Promise<void> {
    if (rank(this.status) >= rank("DEACTIVATING")) return; // the stop in progress reports exits
    if (pause) {
      if (id !== this.pauseId) return;
      const info = await this.inspect(id);
      if (!info?.State.Running) await this.stopTask("EssentialContainerExited", PAUSE_EXITED);
      return;
    }
    const s = name !== undefined ? this.containers.get(name) : undefined;
    if (!s || s.id !== id) return;
    const info = await this.inspect(id);
    if (info?.State.Running) return;
    if (info) observe(s, info, this.plan.networkMode);
    else s.status = "STOPPED";
    if (this.status === "PROVISIONING" || this.status === "PENDING") {
      // The launch noticed (or will notice) through `interrupt`; an essential exit stops the task below.
      if (!s.plan.essential) return this.report({}, true);
    } else {
      this.report({}, true);
    }
    if (s.plan.essential) await this.stopTask("EssentialContainerExited", ESSENTIAL_EXITED);
  }

  private async handleHealth(name: string | undefined, id: string): Promise<void> {
    if (this.status === "STOPPED" || name === undefined) return;
    const s = this.containers.get(name);
    if (!s || s.id !== id || !s.plan.hasHealthCheck) return;
    const info = await this.inspect(id);
    if (info && observe(s, info, this.plan.networkMode) && rank(this.status) < rank("DEACTIVATING")) this.report({}, true);
  }

  /**
   * Stops the task: DEACTIVATING (if it had come up) -> STOPPING -> each container SIGTERM, then
   * SIGKILL after its stopTimeout, dependents before what they depend on -> DEPROVISIONING (the
   * network namespace and address go) -> STOPPED. Containers stay (their logs with them) until cleanup.
   */
  async stopTask(stopCode: StopCode, reason: string, { resume = false } = {}): Promise<void> {
    if (this.status === "STOPPED") return;
    if (rank(this.status) >= rank("DEACTIVATING") && !resume) return;
    this.stopCode ??= stopCode;
    this.stoppedReason ??= reason;
    this.interrupt ??= { stopCode, reason };
    const why = { stopCode: this.stopCode, stoppedReason: this.stoppedReason };
    if (this.status === "ACTIVATING" || this.status === "RUNNING") this.report({ lastStatus: "DEACTIVATING", ...why });
    if (rank(this.status) < rank("STOPPING")) this.report({ lastStatus: "STOPPING", ...why });

    const waves = stopWaves(this.plan.containers, this.plan.networkMode) ?? [this.plan.containers.map((c) => c.name)];
    for (const wave of waves) await Promise.all(wave.map((name) => this.stopContainer(this.containers.get(name)!)));
    if (rank(this.status) < rank("DEPROVISIONING")) this.report({ lastStatus: "DEPROVISIONING" }, true);

    if (this.pauseId) {
      await this.ctx.docker.getContainer(this.pauseId).stop({ t: 5 }).catch(() => {});
    }
    this.ctx.ips.release(this.taskArn);
    // What the containers wrote last is in the log store before the task is seen STOPPED.
    await this.awslogs.drained();
    this.report({ lastStatus: "STOPPED", ...why }, true);
  }

  private async stopContainer(s: ContainerState): Promise<void> {
    if (!s.id) {
      s.status = "STOPPED";
      return;
    }
    try {
      await this.ctx.docker.getContainer(s.id).stop({ t: Math.min(s.plan.stopTimeout, this.graceSeconds ?? Infinity) });
    } catch (err) {
      const status = engineStatus(err);
      if (status !== 304 && status !== 404) this.ctx.log.warn({ taskArn: this.taskArn, container: s.plan.name, err: this.redact(engineMessage(err)) }, "container stop failed");
    }
    const info = await this.inspect(s.id).catch(() => undefined);
    if (info) observe(s, info, this.plan.networkMode);
    s.status = "STOPPED";
  }

  /**
   * After a restart: adopt what still runs, finish what was stopping, resume what was starting,
   * and stop (with the exit codes that can still be read) what died or vanished while Berth was
   * not running.
   */
  private async runRecover(task: Task, found: Map<string, Docker.ContainerInspectInfo>, pause: Docker.ContainerInspectInfo | undefined): Promise<void> {
    const known = (task.lastStatus ?? "PROVISIONING") as TaskStatus;
    this.status = known;
    for (const stored of task.containers ?? []) {
      const s = stored.name !== undefined ? this.containers.get(stored.name) : undefined;
      if (!s) continue;
      s.imageDigest = stored.imageDigest;
      if (stored.reason) s.reason = stored.reason;
      if (stored.runtimeId) s.id = stored.runtimeId;
      if (stored.lastStatus === "RUNNING" || stored.lastStatus === "STOPPED") s.started = stored.exitCode !== undefined || stored.lastStatus === "RUNNING";
      if (stored.lastStatus === "STOPPED") {
        s.status = "STOPPED";
        s.exitCode = stored.exitCode;
      }
    }
    const stored = { stopCode: task.stopCode as StopCode | undefined, reason: task.stoppedReason };
    if ((known === "PROVISIONING" || known === "PENDING") && task.desiredStatus !== "STOPPED") return this.resumeLaunch(found, pause);

    for (const [name, info] of found) {
      const s = this.containers.get(name);
      if (s) observe(s, info, this.plan.networkMode);
      // Output written while the agent was away is shipped from where the store has it.
      if (s && hasStarted(info)) await this.awslogs.adopt(s.plan, info.Id);
    }
    if (pause) {
      this.pauseId = pause.Id;
      const ip = pause.Config.Labels?.[LABEL_TASK_IP];
      if (ip && this.ctx.ips.claim(this.taskArn, ip)) this.taskIp = ip;
    }
    const vanished = [...this.containers.values()].filter((s) => !found.has(s.plan.name));
    for (const s of vanished) s.status = "STOPPED";

    switch (known) {
      case "PROVISIONING":
      case "PENDING":
        // Asked to stop before the restart: the stop is finished, nothing is started.
        return this.stopTask(stored.stopCode ?? "UserInitiated", stored.reason ?? "Task stopped by user");
      case "DEACTIVATING":
      case "STOPPING":
      case "DEPROVISIONING":
        return this.stopTask(stored.stopCode ?? "UserInitiated", stored.reason ?? "Task stopped by user", { resume: true });
      case "ACTIVATING":
      case "RUNNING": {
        if (found.size === 0) {
          this.stoppedWhileDown = true;
          if (pause?.State.Running) await this.ctx.docker.getContainer(pause.Id).stop({ t: 5 }).catch(() => {});
          this.ctx.ips.release(this.taskArn);
          this.stopCode = "EssentialContainerExited";
          this.stoppedReason = VANISHED;
          return this.report({ lastStatus: "STOPPED", stopCode: this.stopCode, stoppedReason: VANISHED }, true);
        }
        const essential = [...this.containers.values()].filter((s) => s.plan.essential);
        if (essential.some((s) => vanished.includes(s))) return this.stopFoundDead(VANISHED);
        if (essential.some((s) => s.status !== "RUNNING")) return this.stopFoundDead(ESSENTIAL_EXITED);
        if (this.plan.networkMode === "awsvpc" && !pause?.State.Running) return this.stopFoundDead(VANISHED);
        // Adopted: say only what changed while Berth was away.
        const storedView = JSON.stringify((task.containers ?? []).map((c) => [c.name, c.lastStatus, c.exitCode ?? null, c.healthStatus ?? "UNKNOWN"]));
        const nowView = JSON.stringify([...this.containers.values()].map((s) => [s.plan.name, s.status, s.exitCode ?? null, s.health]));
        this.lastHealth = (task.healthStatus as Health | undefined) ?? "UNKNOWN";
        if (known === "ACTIVATING") this.report({ lastStatus: "RUNNING" }, true);
        else if (storedView !== nowView) this.report({}, true);
        return;
      }
      default:
        return;
    }
  }

  /**
   * A launch the restart cut short is carried on, so that an acknowledged task still runs: what
   * started keeps running (adopted, never started again, so nothing runs twice), what was created
   * but never started is removed and created again (its options may name a pause container that
   * is gone), what is missing is created. Only a real failure stops the task: an essential
   * container that exited or vanished after it had started, or a task network that died under
   * running containers.
   */
  private async resumeLaunch(found: Map<string, Docker.ContainerInspectInfo>, pause: Docker.ContainerInspectInfo | undefined): Promise<void> {
    let vanished = false;
    for (const s of this.containers.values()) {
      const info = found.get(s.plan.name);
      if (info && hasStarted(info)) {
        observe(s, info, this.plan.networkMode);
        await this.awslogs.adopt(s.plan, info.Id);
        continue;
      }
      if (!info && s.started) {
        // It ran before the restart and is gone now: its outcome cannot be read.
        s.status = "STOPPED";
        vanished ||= s.plan.essential;
        continue;
      }
      if (info) await this.remove(info.Id);
      Object.assign(s, newContainerState(s.plan));
    }
    if (this.plan.networkMode === "awsvpc" && pause) {
      if (pause.State.Running) {
        this.pauseId = pause.Id;
        // The namespace has this address whatever the block is now (awsvpcCidr may have changed).
        const ip = pause.Config.Labels?.[LABEL_TASK_IP];
        if (ip) {
          this.ctx.ips.claim(this.taskArn, ip);
          this.taskIp = ip;
        }
      } else if ([...this.containers.values()].some((s) => s.status === "RUNNING")) {
        vanished = true;
      } else {
        await this.remove(pause.Id);
      }
    }
    if (vanished) return this.stopFoundDead(VANISHED);
    if ([...this.containers.values()].some((s) => s.plan.essential && s.status === "STOPPED")) return this.stopFoundDead(ESSENTIAL_EXITED);
    this.ctx.log.info({ taskArn: this.taskArn, status: this.status, adopted: [...this.containers.values()].filter((s) => s.started).length }, "resuming a launch a restart interrupted");
    return launchTask(this);
  }

  /** Start-up recovery found the task's essential containers dead or gone. */
  private stopFoundDead(reason: string): Promise<void> {
    this.stoppedWhileDown = true;
    return this.stopTask("EssentialContainerExited", reason);
  }

  private async remove(id: string): Promise<void> {
    try {
      await this.ctx.docker.getContainer(id).remove({ force: true });
    } catch (err) {
      if (engineStatus(err) !== 404) throw err;
    }
  }
}
