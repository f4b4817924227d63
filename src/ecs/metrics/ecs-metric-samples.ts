import type { Task } from "@aws-sdk/client-ecs";
import { parseArn, type Scope } from "../../core/arn.js";
import type { MetricSample } from "../../cloudwatch/metrics/metric-sink.js";
import { taskReservation, utilization, type Resources } from "./utilization.js";

export interface ScopedSamples {
  scope: Scope;
  samples: MetricSample[];
}

/** A RUNNING task and what its agent measured it using over the last period. */
export interface MeasuredTask {
  task: Task;
  use: Resources;
}

/** A service's task counts, for ECS/ContainerInsights. */
export interface ServiceCounts {
  serviceArn: string;
  clusterName: string;
  running: number;
  pending: number;
  desired: number;
}

/** Groups samples by the account and region of the ARN they describe. */
class ByScope {
  private readonly map = new Map<string, ScopedSamples>();
  add(arn: string, sample: MetricSample): void {
    const p = parseArn(arn);
    if (!p) return;
    const key = `${p.account}/${p.region}`;
    let s = this.map.get(key);
    if (!s) this.map.set(key, (s = { scope: { account: p.account, region: p.region }, samples: [] }));
    s.samples.push(sample);
  }
  all(): ScopedSamples[] {
    return [...this.map.values()];
  }
}

/**
 * AWS/ECS CPUUtilization and MemoryUtilization (Unit Percent):
 *  - per ClusterName+ServiceName, one data point per task: its use over its reservation. The
 *    period's Average is then the service's utilization as ECS defines it (used by the service's
 *    tasks over reserved by them), Minimum and Maximum the least and most busy task, as ECS shows.
 *  - per ClusterName, one data point for the tasks on container instances: their use over the
 *    CPU and memory the cluster's ACTIVE and DRAINING instances registered (`capacity`, by
 *    cluster ARN). Fargate tasks are not in it, and a cluster without instances has none, as on ECS.
 * Only running tasks are measured, so a service or cluster without any publishes nothing.
 */
export function utilizationSamples(tasks: readonly MeasuredTask[], capacity: ReadonlyMap<string, Resources>, at: Date): ScopedSamples[] {
  const out = new ByScope();
  const percent = (metricName: string, dimensions: MetricSample["dimensions"], value: number): MetricSample => ({ namespace: "AWS/ECS", metricName, dimensions, timestamp: at, value, unit: "Percent" });
  const clusters = new Map<string, Resources>();
  for (const { task, use } of tasks) {
    const clusterName = parseArn(task.clusterArn ?? "")?.path[0];
    if (!clusterName) continue;
    if (task.group?.startsWith("service:")) {
      const dims = [{ name: "ClusterName", value: clusterName }, { name: "ServiceName", value: task.group.slice("service:".length) }];
      const u = utilization(use, taskReservation(task));
      if (u.cpu !== undefined) out.add(task.taskArn!, percent("CPUUtilization", dims, u.cpu));
      if (u.memory !== undefined) out.add(task.taskArn!, percent("MemoryUtilization", dims, u.memory));
    }
    if (task.containerInstanceArn && task.launchType !== "FARGATE") {
      const sum = clusters.get(task.clusterArn!) ?? { cpuUnits: 0, memoryMiB: 0 };
      clusters.set(task.clusterArn!, { cpuUnits: sum.cpuUnits + use.cpuUnits, memoryMiB: sum.memoryMiB + use.memoryMiB });
    }
  }
  for (const [clusterArn, used] of clusters) {
    const registered = capacity.get(clusterArn);
    if (!registered) continue;
    const dims = [{ name: "ClusterName", value: parseArn(clusterArn)!.path[0]! }];
    const u = utilization(used, registered);
    if (u.cpu !== undefined) out.add(clusterArn, percent("CPUUtilization", dims, u.cpu));
    if (u.memory !== undefined) out.add(clusterArn, percent("MemoryUtilization", dims, u.memory));
  }
  return out.all();
}

/**
 * ECS/ContainerInsights RunningTaskCount, PendingTaskCount and DesiredTaskCount (Unit Count) per
 * ClusterName+ServiceName, for the services of clusters with Container Insights on (the caller
 * passes only those).
 */
export function taskCountSamples(services: readonly ServiceCounts[], at: Date): ScopedSamples[] {
  const out = new ByScope();
  for (const s of services) {
    const dims = [{ name: "ClusterName", value: s.clusterName }, { name: "ServiceName", value: s.serviceArn.split("/").pop()! }];
    for (const [metricName, value] of [["RunningTaskCount", s.running], ["PendingTaskCount", s.pending], ["DesiredTaskCount", s.desired]] as const) {
      out.add(s.serviceArn, { namespace: "ECS/ContainerInsights", metricName, dimensions: dims, timestamp: at, value, unit: "Count" });
    }
  }
  return out.all();
}
