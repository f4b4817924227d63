import type { Cluster, Task } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { parseArn } from "../../core/arn.js";
import type { MetricSink } from "../../cloudwatch/metrics/metric-sink.js";
import type { TaskUsage } from "../../agent/protocol/messages.js";
import type { AgentRunner } from "../agent-link/agent-runner.js";
import { instancesOf } from "../instances/instance-store.js";
import { findService, serviceArnsOf, taskCountsByDeployment } from "../services/service-store.js";
import { taskCountSamples, utilizationSamples, type MeasuredTask, type ServiceCounts } from "./ecs-metric-samples.js";
import { taskUse, type Resources } from "./utilization.js";

export interface EcsMetricsOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  /** Where the agents' usage reports arrive. */
  agents: Pick<AgentRunner, "onUsage">;
  sink: MetricSink;
  /** config metricsIntervalSeconds: how often the agents measure and this publishes. */
  intervalSeconds: number;
}

/**
 * Publishes the metrics ECS makes from its tasks: every interval, the running tasks' latest
 * measurements (from their agents' usage reports) become AWS/ECS CPUUtilization and
 * MemoryUtilization, and the services of clusters with Container Insights on get their task
 * counts. A measurement older than two intervals is not used: its task's agent is away or the
 * task stopped, and ECS publishes nothing for what it cannot measure.
 */
export function startEcsMetrics({ db, clock, log, agents, sink, intervalSeconds }: EcsMetricsOptions): { stop(): void; publish(): void } {
  const latest = new Map<string, { usage: TaskUsage; receivedAt: number }>();
  agents.onUsage((_instance, usage) => {
    const receivedAt = clock.now().getTime();
    for (const u of usage) latest.set(u.taskArn, { usage: u, receivedAt });
  });

  function publish(): void {
    const now = clock.now();
    const freshAfter = now.getTime() - 2 * intervalSeconds * 1000;
    const measured: MeasuredTask[] = [];
    for (const task of runningTasks(db)) {
      const m = latest.get(task.taskArn!);
      if (m && m.receivedAt >= freshAfter) measured.push({ task, use: taskUse(m.usage.containers) });
    }
    const running = new Set(measured.map((m) => m.task.taskArn));
    for (const [arn, m] of latest) if (!running.has(arn) && m.receivedAt < freshAfter) latest.delete(arn);
    const batches = [...utilizationSamples(measured, capacityOf(db, measured), now), ...taskCountSamples(insightsServices(db), now)];
    for (const { scope, samples } of batches) sink.put(scope, samples);
  }

  const timer = setInterval(() => {
    try {
      publish();
    } catch (err) {
      log.error({ err: (err as Error).message }, "could not publish ECS metrics");
    }
  }, intervalSeconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer), publish };
}

function runningTasks(db: Db): Task[] {
  return (db.prepare("SELECT doc FROM tasks WHERE last_status = 'RUNNING'").all() as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as Task);
}

/** What the ACTIVE and DRAINING container instances of the measured tasks' clusters registered. */
function capacityOf(db: Db, measured: readonly MeasuredTask[]): Map<string, Resources> {
  const out = new Map<string, Resources>();
  for (const clusterArn of new Set(measured.filter((m) => m.task.containerInstanceArn).map((m) => m.task.clusterArn!))) {
    const p = parseArn(clusterArn);
    if (!p) continue;
    const total = { cpuUnits: 0, memoryMiB: 0 };
    for (const { instance } of instancesOf(db, { account: p.account, region: p.region }, clusterArn, ["ACTIVE", "DRAINING"])) {
      for (const r of instance.registeredResources ?? []) {
        if (r.name === "CPU") total.cpuUnits += r.integerValue ?? 0;
        if (r.name === "MEMORY") total.memoryMiB += r.integerValue ?? 0;
      }
    }
    if (total.cpuUnits > 0 || total.memoryMiB > 0) out.set(clusterArn, total);
  }
  return out;
}

/** Container Insights is on for a cluster whose containerInsights setting is enabled (or enhanced). */
const insightsOn = (c: Cluster) => (c.settings ?? []).some((s) => s.name === "containerInsights" && (s.value === "enabled" || s.value === "enhanced"));

/** The task counts of every service of the clusters with Container Insights on. */
function insightsServices(db: Db): ServiceCounts[] {
  const clusters = (db.prepare("SELECT account, region, doc FROM clusters WHERE status = 'ACTIVE'").all() as Array<{ account: string; region: string; doc: string }>)
    .map((r) => ({ scope: { account: r.account, region: r.region }, cluster: JSON.parse(r.doc) as Cluster }))
    .filter((c) => insightsOn(c.cluster));
  const out: ServiceCounts[] = [];
  for (const { scope, cluster } of clusters) {
    for (const serviceArn of serviceArnsOf(db, scope, cluster.clusterArn!)) {
      const stored = findService(db, serviceArn);
      if (!stored) continue;
      let running = 0;
      let pending = 0;
      for (const c of taskCountsByDeployment(db, serviceArn).values()) (running += c.running), (pending += c.pending);
      out.push({ serviceArn, clusterName: cluster.clusterName!, running, pending, desired: stored.service.desiredCount ?? 0 });
    }
  }
  return out;
}
