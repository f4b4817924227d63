import type Docker from "dockerode";
import type { Config } from "../core/config.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { LaunchSpec, StopRequest, TaskReport, TaskRunner } from "./protocol/task-runner.js";
import { LABEL_BERTH, LABEL_TASK } from "./labels.js";
import type { AgentContext, RegistryAccess } from "./context.js";
import { IpAllocator } from "./ip-allocator.js";
import { TaskCgroups } from "./cgroups.js";
import { ensurePauseImage } from "./pause-image.js";
import { subscribeEvents } from "./events.js";
import { TaskManager } from "./task-manager.js";
import { planTask, taskIdOf } from "./task-plan.js";
import { taskLogs } from "./logs.js";
import { removeTaskVolumes } from "./volumes.js";
import { recoverTasks } from "./recover.js";
import type { LogShipper } from "./protocol/log-shipper.js";
import { startAgentEndpoints, type AgentEndpoints } from "./task-endpoint/agent-endpoints.js";

export interface DockerRunnerDeps {
  docker: Docker;
  config: Config;
  log: Logger;
  clock: Clock;
  berthId: string;
  /** Berth's registry: ECR URIs are mapped to it and its images pulled with its credentials. */
  registry?: RegistryAccess;
  /** Where awslogs containers' output is shipped (the agent client's shipper). */
  logs?: LogShipper;
  /** The Berth API (host and port) this agent's tasks reach through AWS_ENDPOINT_URL; undefined while unknown. */
  api?: () => { host: string; port: number } | undefined;
}

/** How long reset waits for managers that are mid-operation before removing their containers again. */
const RESET_SETTLE_MS = 10_000;

/**
 * Runs tasks as containers on the local Docker engine: one TaskManager per task, one events
 * subscription for all of them, reports passed on in the order managers make them.
 */
export function createDockerRunner({ docker, config, log, clock, berthId, registry, logs, api = () => undefined }: DockerRunnerDeps): TaskRunner {
  const listeners: Array<(r: TaskReport) => void> = [];
  const mine = { label: [`${LABEL_BERTH}=${berthId}`] };
  const managers = new Map<string, TaskManager>();

  let pause: Promise<string> | undefined;
  const pauseImage = () => {
    pause ??= ensurePauseImage(docker).catch((err) => {
      pause = undefined; // try again on next need
      throw err;
    });
    return pause;
  };
  // Built at start-up so the first awsvpc task does not wait for it; failures are retried on need.
  pauseImage().catch((err) => log.warn({ err: (err as Error).message }, "could not build the pause image yet"));

  // The tasks' credentials and metadata endpoints (169.254.170.2) and AWS_ENDPOINT_URL's relay.
  const endpoints: Promise<AgentEndpoints | undefined> = startAgentEndpoints({ docker, log, berthId, managers, api }).catch((err) => {
    log.warn({ err: (err as Error).message }, "task endpoints could not start: tasks get no credentials or metadata endpoint");
    return undefined;
  });

  const events = subscribeEvents(
    docker,
    berthId,
    log,
    (e) => managers.get(e.taskArn)?.onContainerEvent(e),
    () => managers.forEach((m) => m.resync()),
  );

  const ctx: AgentContext = {
    docker,
    config,
    log,
    clock,
    berthId,
    ips: new IpAllocator(config.awsvpcCidr),
    cgroups: new TaskCgroups(docker, log),
    registry,
    logs,
    pauseImage,
    eventsReady: () => events.ready,
    endpoints: () => endpoints,
    emit(report) {
      for (const l of listeners) {
        try {
          l(report);
        } catch (err) {
          log.error({ taskArn: report.taskArn, err: (err as Error).message }, "report listener failed");
        }
      }
    },
  };

  async function removeTask(taskArn: string): Promise<void> {
    const containers = await docker.listContainers({ all: true, filters: { label: [...mine.label, `${LABEL_TASK}=${taskArn}`] } });
    await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})));
    await removeTaskVolumes(docker, berthId, taskArn);
    await ctx.cgroups.remove(berthId, taskIdOf(taskArn));
    ctx.ips.release(taskArn);
  }

  /** The cgroups of every task but those a manager still runs or is starting. */
  async function pruneCgroups(): Promise<void> {
    const live = new Set([...managers.values()].filter((m) => m.status !== "STOPPED").map((m) => m.plan.taskId));
    await ctx.cgroups.pruneExcept(berthId, live);
  }

  async function removeEverything(): Promise<void> {
    const containers = await docker.listContainers({ all: true, filters: mine });
    // One at a time: Debian 12's Docker (20.10.24) can deadlock its network controller when many
    // containers on one network are torn down at once (moby/libnetwork#2649, fixed in moby#42545
    // but not in that release), after which the engine answers nothing about containers until it
    // is restarted. A reset tearing down every task at once was the likeliest way to get there.
    for (const c of containers) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
    const volumes = (await docker.listVolumes({ filters: mine })).Volumes ?? [];
    await Promise.all(volumes.map((v) => docker.getVolume(v.Name).remove().catch(() => {})));
    const networks = await docker.listNetworks({ filters: mine });
    await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(() => {})));
  }

  return {
    launch(spec: LaunchSpec) {
      const plan = planTask(spec, { registryHost: registry?.host() || undefined }); // "" = no registry known yet (an agent before any launch named one)
      if (managers.has(plan.taskArn)) return;
      const m = new TaskManager(ctx, plan);
      m.identity.credentials = spec.credentials;
      m.credentialsError = spec.credentialsError;
      managers.set(plan.taskArn, m);
      m.launch();
    },
    refreshCredentials(taskArn, credentials) {
      const m = managers.get(taskArn);
      if (m && m.status !== "STOPPED") m.identity.credentials = credentials;
    },
    stop(taskArn: string, why: StopRequest) {
      const m = managers.get(taskArn);
      if (m) return m.stop(why);
      // Not a task this runner runs (its containers are gone): it is stopped as far as anyone can tell.
      ctx.emit({ taskArn, at: clock.now(), lastStatus: "STOPPED", stopCode: why.stopCode, stoppedReason: why.reason });
    },
    async logs(taskArn: string) {
      const m = managers.get(taskArn);
      return taskLogs(docker, berthId, taskArn, m?.plan.containers.map((c) => c.name));
    },
    onReport(l) {
      listeners.push(l);
    },
    async recover(specs: LaunchSpec[], retained: string[]) {
      await events.ready;
      await recoverTasks(ctx, specs, new Set(retained), managers, removeTask);
      await pruneCgroups();
    },
    async cleanup(taskArn: string) {
      const m = managers.get(taskArn);
      if (m) {
        await m.idle();
        m.dispose();
        managers.delete(taskArn);
      }
      await removeTask(taskArn);
    },
    async reset() {
      const busy = [...managers.values()];
      busy.forEach((m) => m.dispose());
      managers.clear();
      await removeEverything();
      // A manager caught mid-operation may still create something: let it finish, then sweep again.
      await Promise.race([Promise.all(busy.map((m) => m.idle())), new Promise((r) => setTimeout(r, RESET_SETTLE_MS).unref())]);
      await removeEverything();
      await ctx.cgroups.removeAll(berthId);
      ctx.ips.releaseAll();
    },
    async close() {
      events.close();
      // Tasks outlive the agent (they are adopted after a restart): only stopped ones' groups go.
      await pruneCgroups();
      await (await endpoints)?.close();
      managers.forEach((m) => m.dispose());
      managers.clear();
    },
  };
}
