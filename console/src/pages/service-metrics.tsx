import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { ApplicationAutoScalingClient, DescribeScalingActivitiesCommand, type ScalingActivity } from "@aws-sdk/client-application-auto-scaling";
import type { Service } from "@aws-sdk/client-ecs";
import { client, lastPart } from "../aws";
import { Chart, type Marker, type Series } from "../chart";
import { Badge, Table, Time } from "../ui";

const HOUR_MS = 3600_000;
const epoch = (d: Date | string | undefined) => Math.floor(new Date(d ?? 0).getTime() / 1000);

/** The target groups a service's tasks are registered in: each load balancer's, and a blue/green alternate. */
export function targetGroupsOf(s: Service): string[] {
  const arns = (s.loadBalancers ?? []).flatMap((lb) => [lb.targetGroupArn, lb.advancedConfiguration?.alternateTargetGroupArn]);
  return [...new Set(arns.filter((a): a is string => !!a))];
}

/** A target group's CloudWatch dimension value: targetgroup/<name>/<id>, the end of its ARN. */
const targetGroupDimension = (arn: string) => arn.slice(arn.indexOf(":targetgroup/") + 1);

/**
 * The service's last hour, in one GetMetricData call: AWS/ECS CPU and memory utilization and,
 * for each of its target groups, AWS/ApplicationELB RequestCount and RequestCountPerTarget (Sum
 * a minute); the target-tracking policies' targets; and its Application Auto Scaling activities.
 */
export async function serviceMetrics(cluster: string, service: Service) {
  const cw = client(CloudWatchClient), aas = client(ApplicationAutoScalingClient);
  const name = service.serviceName!;
  const end = new Date();
  const start = new Date(end.getTime() - HOUR_MS);
  const stat = (Id: string, Namespace: string, MetricName: string, Dimensions: Array<{ Name: string; Value: string }>, Stat: string): MetricDataQuery =>
    ({ Id, MetricStat: { Metric: { Namespace, MetricName, Dimensions }, Period: 60, Stat } });
  const dims = [{ Name: "ClusterName", Value: cluster }, { Name: "ServiceName", Value: name }];
  const groups = targetGroupsOf(service);
  const queries = [
    stat("cpu", "AWS/ECS", "CPUUtilization", dims, "Average"),
    stat("mem", "AWS/ECS", "MemoryUtilization", dims, "Average"),
    ...groups.flatMap((arn, i) => {
      const tg = [{ Name: "TargetGroup", Value: targetGroupDimension(arn) }];
      return [stat(`req${i}`, "AWS/ApplicationELB", "RequestCount", tg, "Sum"), stat(`per${i}`, "AWS/ApplicationELB", "RequestCountPerTarget", tg, "Sum")];
    }),
  ];
  const resourceId = `service/${cluster}/${name}`;
  const [data, alarms, activities] = await Promise.all([
    cw.send(new GetMetricDataCommand({ StartTime: start, EndTime: end, MetricDataQueries: queries })),
    // A target-tracking policy's AlarmHigh has the policy's target value as its threshold (as on AWS).
    cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `TargetTracking-${resourceId}-AlarmHigh-` })),
    aas.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: "ecs", ResourceId: resourceId, ScalableDimension: "ecs:service:DesiredCount", MaxResults: 50 })),
  ]);
  const points = (id: string): Array<[number, number]> => {
    const r = data.MetricDataResults?.find((m) => m.Id === id);
    return (r?.Timestamps ?? []).map((t, i) => [epoch(t), r!.Values![i]!] as [number, number]).sort((a, b) => a[0] - b[0]);
  };
  return {
    start, end, cpu: points("cpu"), mem: points("mem"),
    requests: groups.map((arn, i) => ({ group: lastPart(arn.split("/").slice(0, -1).join("/")), count: points(`req${i}`), perTarget: points(`per${i}`) })),
    targets: (alarms.MetricAlarms ?? []).map((a) => ({ metric: a.MetricName, threshold: a.Threshold })),
    activities: activities.ScalingActivities ?? [],
  };
}
export type ServiceMetrics = Awaited<ReturnType<typeof serviceMetrics>>;

/** Scaling activities of the charts' hour, as markers ("→ 3": the desired count it set). */
function markersOf(m: ServiceMetrics): Marker[] {
  const from = epoch(m.start);
  return m.activities.filter((a) => epoch(a.StartTime) >= from).map((a) => ({
    at: epoch(a.StartTime),
    label: `→ ${/desired count to (\d+)/.exec(a.Description ?? "")?.[1] ?? a.Description ?? "scaling"}`,
    color: a.StatusCode === "Failed" ? "#dc2626" : "#16a34a",
  }));
}

const PALETTE = ["#0ea5e9", "#f59e0b", "#10b981", "#ec4899"];

export function UtilizationChart({ data }: { data: ServiceMetrics }) {
  const s = epoch(data.start);
  const e = epoch(data.end);
  const series: Series[] = [
    { label: "CPU %", points: data.cpu, color: "#3b82f6" },
    { label: "Memory %", points: data.mem, color: "#a855f7" },
    ...data.targets.filter((t) => t.threshold !== undefined).map((t) => ({
      label: `Target ${t.metric === "MemoryUtilization" ? "memory" : "CPU"} ${t.threshold}%`, points: [[s, t.threshold!], [e, t.threshold!]] as Array<[number, number]>, color: "#f97316", dash: true,
    })),
  ];
  return (
    <>
      <Chart title="CPU and memory utilization (1 min average, last hour)" unit="%" series={series} markers={markersOf(data)} range={[s, e]} />
      {data.cpu.length === 0 && <p class="muted">No data points yet: Berth publishes AWS/ECS utilization once the service's tasks run.</p>}
    </>
  );
}

/** Requests through the service's load balancers, a minute at a time, with the same scaling markers. */
export function RequestChart({ data }: { data: ServiceMetrics }) {
  const series: Series[] = data.requests.flatMap((r, i) => [
    { label: `${r.group} requests`, points: r.count, color: PALETTE[i % PALETTE.length]! },
    { label: `${r.group} per target`, points: r.perTarget, color: PALETTE[i % PALETTE.length]!, dash: true },
  ]);
  const total = data.requests.reduce((n, r) => n + r.count.reduce((a, p) => a + p[1], 0), 0);
  return (
    <>
      <Chart title="Requests (AWS/ApplicationELB RequestCount and RequestCountPerTarget, sum a minute)" series={series} markers={markersOf(data)} range={[epoch(data.start), epoch(data.end)]} />
      <p class="muted" data-field="requestTotal">{total} requests in the last hour</p>
    </>
  );
}

export function ScalingActivities({ activities }: { activities: ScalingActivity[] }) {
  return (
    <Table
      head={["Time", "Status", "Description", "Cause"]}
      empty="No scaling activities (the service has no scalable target, or it has not scaled)."
      rows={activities.slice(0, 10).map((a) => [<Time at={a.StartTime} />, <Badge value={a.StatusCode} />, a.Description, a.Cause ?? ""])}
    />
  );
}
