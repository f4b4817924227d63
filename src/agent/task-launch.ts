import { setTimeout as sleep } from "node:timers/promises";
import type { ContainerDependency } from "@aws-sdk/client-ecs";
import type { TaskManager } from "./task-manager.js";
import type { PlannedContainer } from "./task-plan.js";
import { TaskError, engineMessage, ESSENTIAL_EXITED } from "./errors.js";
import { conditionVerdict, dependenciesOf, stopWaves } from "./dependencies.js";
import { containerCreateOptions, pauseContainerOptions } from "./container-spec.js";
import { observe } from "./container-state.js";
import { ensureTaskImage } from "./images.js";
import { createTaskVolumes } from "./volumes.js";
import { resolveTaskResources } from "./task-resources.js";

const POLL_MS = 250;

/**
 * A task's way up, run as one operation of its manager: PROVISIONING (task cgroup, awsvpc
 * address and pause container, volumes) -> PENDING (pull, then containers created and started
 * as their dependsOn conditions allow) -> ACTIVATING -> RUNNING. A named error on the way stops
 * the task with TaskFailedToStart and the error as stoppedReason. A stop request or an essential
 * container's exit cuts it short; the queued stop or die operation then stops the task.
 * A launch resumed after a restart (TaskManager.resumeLaunch) runs the same way: each step skips
 * what is already there (a running pause container, containers that started).
 */
export async function launchTask(m: TaskManager): Promise<void> {
  try {
    await m.ctx.eventsReady();
    if (m.aborted) return;
    if (!stopWaves(m.plan.containers, m.plan.networkMode)) {
      throw new TaskError("DependencyNotResolvedError", "the containers' dependsOn, links and volumesFrom form a cycle");
    }
    // Secrets and environment files first, as ECS's agent does: a task that cannot have them
    // fails before anything (network, volumes, containers) is created for it.
    resolveTaskResources(m.plan);
    if (m.credentialsError) throw new TaskError("ResourceInitializationError", m.credentialsError);
    await provision(m);
    if (m.aborted) return;
    m.report({ lastStatus: "PENDING", ...(m.taskIp ? { privateIPv4Address: m.taskIp } : {}) }, true);
    await pull(m);
    if (m.aborted) return;
    await startContainers(m);
    if (m.aborted) return;
    if ([...m.containers.values()].some((s) => s.plan.essential && s.status === "STOPPED")) {
      return await m.stopTask("EssentialContainerExited", ESSENTIAL_EXITED);
    }
    m.report({ lastStatus: "ACTIVATING" });
    m.report({ lastStatus: "RUNNING" }, true);
  } catch (err) {
    if (m.disposed) return;
    const e = err instanceof TaskError ? err : new TaskError("ResourceInitializationError", (err as Error).message);
    // The engine's message may quote an environment value it refused.
    const reason = m.redact(e.reason);
    const s = e.container !== undefined ? m.containers.get(e.container) : undefined;
    if (s) s.reason = reason;
    m.ctx.log.info({ taskArn: m.taskArn, reason }, "task failed to start");
    await m.stopTask("TaskFailedToStart", reason);
  }
}

async function provision(m: TaskManager): Promise<void> {
  const { ctx, plan } = m;
  m.cgroupParent = await ctx.cgroups.create(ctx.berthId, plan.taskId, { cpuUnits: plan.cpuUnits, memoryMiB: plan.memoryMiB });
  if (plan.networkMode === "awsvpc" && !m.pauseId) {
    let image: string;
    try {
      m.taskIp = ctx.ips.allocate(plan.taskArn);
      image = await ctx.pauseImage();
    } catch (err) {
      throw new TaskError("ResourceInitializationError", `unable to set up the task's network: ${(err as Error).message}`);
    }
    try {
      const pause = await ctx.docker.createContainer(pauseContainerOptions({ berthId: ctx.berthId, plan, image, taskIp: m.taskIp, cgroupParent: m.cgroupParent }));
      m.pauseId = pause.id;
      await pause.start();
      // The namespace's address is routed to this agent's endpoint before any container runs in it.
      await (await ctx.endpoints())?.taskAddressed(m);
    } catch (err) {
      throw new TaskError("ResourceInitializationError", `unable to set up the task's network: ${engineMessage(err)}`);
    }
  }
  // A host-mode task's requests come from the host's own addresses: it is routed to this agent's
  // endpoint by its cgroup, made (with its route) before any container starts.
  if (plan.networkMode === "host") m.routedCgroup = await (await ctx.endpoints())?.routeHostTask(m);
  await createTaskVolumes(ctx.docker, ctx.berthId, plan, ctx.config);
}

/** Brackets the images' resolution with pullStartedAt / pullStoppedAt, as ECS reports them. */
async function pull(m: TaskManager): Promise<void> {
  m.report({ pullStartedAt: m.ctx.clock.now() });
  try {
    for (const s of m.containers.values()) {
      if (m.aborted) return;
      if (s.started) continue; // adopted after a restart: its image was resolved then
      try {
        const r = m.plan.resources;
        const resources = r && "containers" in r ? r.containers[s.plan.name] : undefined;
        const scope = s.plan.registryScope;
        const password = scope && m.plan.registryPasswords?.find((p) => p.account === scope.account && p.region === scope.region)?.password;
        s.imageDigest = await ensureTaskImage(m.ctx, s.plan, { fargate: m.plan.fargate, login: resources?.registryAuth, ...(password ? { password } : {}) });
      } catch (err) {
        if (s.plan.essential || !(err instanceof TaskError)) throw err;
        s.status = "STOPPED"; // a non-essential container's failure does not fail the task
        s.reason = err.reason;
      }
    }
  } finally {
    if (!m.disposed) m.report({ pullStoppedAt: m.ctx.clock.now() }, true);
  }
}

async function startContainers(m: TaskManager): Promise<void> {
  let failure: TaskError | undefined;
  const halted = () => m.aborted || failure !== undefined;
  await Promise.all(
    m.plan.containers.map(async (c) => {
      const s = m.containers.get(c.name)!;
      if (s.status === "STOPPED" || s.started) return; // its image could not be had, or it was adopted running
      try {
        for (const dep of dependenciesOf(c, m.plan.networkMode)) {
          if (!(await waitFor(m, c, dep, halted))) return;
        }
        if (halted()) return;
        await startOne(m, c, halted);
      } catch (err) {
        const e = err instanceof TaskError ? err : new TaskError("CannotStartContainerError", (err as Error).message, c.name);
        s.status = "STOPPED";
        if (!c.essential) {
          s.reason = e.reason;
          m.report({}, true);
          return;
        }
        failure ??= e;
      }
    }),
  );
  if (failure) throw failure;
}

async function startOne(m: TaskManager, c: PlannedContainer, halted: () => boolean): Promise<void> {
  const { ctx, plan } = m;
  const s = m.containers.get(c.name)!;
  const endpoints = await ctx.endpoints();
  const options = containerCreateOptions({
    endpointEnvironment: endpoints?.environment(m, c.name),
    berthId: ctx.berthId,
    plan,
    container: c,
    hostIp: plan.hostIp ?? ctx.config.hostIp,
    pauseContainerId: m.pauseId,
    cgroupParent: m.cgroupParent ?? m.routedCgroup,
    taskLimitsPerContainer: m.cgroupParent === undefined,
    policy: ctx.config,
  });
  let container;
  try {
    container = await ctx.docker.createContainer(options);
  } catch (err) {
    throw new TaskError("CannotCreateContainerError", engineMessage(err), c.name);
  }
  s.id = container.id;
  if (halted()) return;
  // Docker's awslogs driver checks its group and stream as the container starts: so does this.
  const logs = await m.awslogs.open(c, container.id);
  try {
    await container.start();
  } catch (err) {
    throw new TaskError("CannotStartContainerError", engineMessage(err), c.name);
  }
  s.started = true;
  if (logs) m.awslogs.follow(logs, container.id);
  await endpoints?.taskAddressed(m);
  if (m.cgroupParent) await ctx.cgroups.verify(ctx.berthId, plan.taskId, container.id, async () => (await m.inspect(container.id))?.State.Running ?? false);
  const info = await m.inspect(container.id);
  if (info) observe(s, info, plan.networkMode);
  if (s.status === "PENDING") s.status = "RUNNING";
  m.report({}, true);
}

/** Waits until `dep` reaches its condition for `target`; false if the launch was cut short. */
async function waitFor(m: TaskManager, target: PlannedContainer, dep: ContainerDependency, halted: () => boolean): Promise<boolean> {
  const d = m.containers.get(dep.containerName ?? "");
  if (!d) return true;
  const condition = dep.condition ?? "START";
  const deadline = Date.now() + d.plan.startTimeout * 1000;
  for (;;) {
    if (halted()) return false;
    if (d.id && d.status === "RUNNING" && condition !== "START") {
      const info = await m.inspect(d.id);
      if (info && observe(d, info, m.plan.networkMode)) m.report({}, true);
    }
    const verdict = conditionVerdict(condition, d);
    if (verdict === "met") return true;
    if (verdict === "failed") {
      const what = !d.started ? "did not start" : d.status === "STOPPED" ? `exited with code ${d.exitCode}` : `is ${d.health}`;
      throw new TaskError("DependencyNotResolvedError", `container ${target.name} depends on ${d.plan.name} reaching ${condition}, but ${d.plan.name} ${what}`, target.name);
    }
    if (Date.now() > deadline) {
      throw new TaskError("DependencyNotResolvedError", `container ${target.name} depends on ${d.plan.name} reaching ${condition}, which it did not within its startTimeout of ${d.plan.startTimeout} seconds`, target.name);
    }
    await sleep(POLL_MS);
  }
}
