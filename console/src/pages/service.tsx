import { DescribeServicesCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { useState } from "preact/hooks";
import { aws, lastPart } from "../aws";
import { useLoad } from "../live";
import { Badge, ErrorBox, Loading, Page, Section, Table, Time } from "../ui";
import { href } from "../router";
import { tasksOf, TaskTable } from "./clusters";
import { Chart, type Series } from "../chart";

/** The last hour of the service's CPU and memory utilization, with the target of a target-tracking policy. */
async function utilization(cluster: string, service: string) {
  const { cw } = aws();
  const end = new Date();
  const start = new Date(end.getTime() - 3600_000);
  const dims = [{ Name: "ClusterName", Value: cluster }, { Name: "ServiceName", Value: service }];
  const query = (id: string, metric: string) => ({ Id: id, MetricStat: { Metric: { Namespace: "AWS/ECS", MetricName: metric, Dimensions: dims }, Period: 60, Stat: "Average" } });
  const data = await cw.send(new GetMetricDataCommand({ StartTime: start, EndTime: end, MetricDataQueries: [query("cpu", "CPUUtilization"), query("mem", "MemoryUtilization")] }));
  const points = (id: string): Array<[number, number]> => {
    const r = data.MetricDataResults?.find((m) => m.Id === id);
    return (r?.Timestamps ?? []).map((t, i) => [Math.floor(new Date(t).getTime() / 1000), r!.Values![i]!] as [number, number]).sort((a, b) => a[0] - b[0]);
  };
  // A target-tracking policy's AlarmHigh has the policy's target value as its threshold (as on AWS).
  const alarms = (await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `TargetTracking-service/${cluster}/${service}-AlarmHigh-` }))).MetricAlarms ?? [];
  return { start, end, cpu: points("cpu"), mem: points("mem"), targets: alarms.map((a) => ({ metric: a.MetricName, threshold: a.Threshold })) };
}

function UtilizationChart({ data }: { data: Awaited<ReturnType<typeof utilization>> }) {
  const s = Math.floor(data.start.getTime() / 1000);
  const e = Math.floor(data.end.getTime() / 1000);
  const series: Series[] = [
    { label: "CPU %", points: data.cpu, color: "#3b82f6" },
    { label: "Memory %", points: data.mem, color: "#a855f7" },
    ...data.targets.filter((t) => t.threshold !== undefined).map((t) => ({
      label: `Target ${t.metric === "MemoryUtilization" ? "memory" : "CPU"} ${t.threshold}%`, points: [[s, t.threshold!], [e, t.threshold!]] as Array<[number, number]>, color: "#f97316", dash: true,
    })),
  ];
  return (
    <>
      <Chart title="CPU and memory utilization (1 min average, last hour)" unit="%" series={series} />
      {data.cpu.length === 0 && <p class="muted">No data points yet: Berth publishes AWS/ECS utilization once the service's tasks run.</p>}
    </>
  );
}

function ServiceActions({ cluster, service, desired, done }: { cluster: string; service: string; desired: number; done: () => void }) {
  const [count, setCount] = useState(String(desired));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState("");
  const call = async (input: { desiredCount?: number; forceNewDeployment?: boolean }, what: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await aws().ecs.send(new UpdateServiceCommand({ cluster, service, ...input }));
      setMessage(what);
      done();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="service-actions">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void call({ desiredCount: Number(count) }, `Desired count set to ${count}.`);
        }}
      >
        <label>
          Desired count{" "}
          <input name="desiredCount" type="number" min="0" required value={count} onInput={(e) => setCount((e.target as HTMLInputElement).value)} />
        </label>{" "}
        <button type="submit" disabled={busy}>Update</button>
      </form>
      <button type="button" disabled={busy} onClick={() => void call({ forceNewDeployment: true }, "A new deployment was started.")}>Force new deployment</button>
      {message && <span class="muted" role="status">{message}</span>}
      {error !== undefined && <ErrorBox error={error} />}
    </div>
  );
}

export function ServicePage({ cluster, service }: { cluster: string; service: string }) {
  const loaded = useLoad(async () => {
    const { ecs, elb } = aws();
    const [described] = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services ?? [];
    if (!described) return undefined;
    const tasks = await tasksOf(cluster, service);
    const targets = [];
    for (const lb of described.loadBalancers ?? []) {
      if (!lb.targetGroupArn) continue;
      const health = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: lb.targetGroupArn }))).TargetHealthDescriptions ?? [];
      targets.push({ lb, health });
    }
    return { described, tasks, targets };
  }, [cluster, service], (c) => c.taskArn.includes(`:task/${cluster}/`));
  const metrics = useLoad(() => utilization(cluster, service), [cluster, service], () => false);
  const s = loaded.data?.described;
  return (
    <Page title={service} crumbs={[["Clusters", href("clusters")], [cluster, href("clusters", cluster)]]}>
      <Loading loaded={loaded}>
        {(data) =>
          !data ? (
            <div class="error" role="alert">ServiceNotFoundException: no service {service} in cluster {cluster}.</div>
          ) : (
            <>
              <p class="summary">
                <Badge value={data.described.status} /> desired <strong data-field="desiredCount">{data.described.desiredCount}</strong>, running{" "}
                <strong data-field="runningCount">{data.described.runningCount}</strong>, pending <strong>{data.described.pendingCount}</strong>; task definition{" "}
                <strong>{lastPart(data.described.taskDefinition)}</strong>; {data.described.launchType ?? "capacity provider strategy"}
              </p>
              <ServiceActions key={`${s?.desiredCount}`} cluster={cluster} service={service} desired={s?.desiredCount ?? 0} done={loaded.reload} />
              <Section title="Deployments" id="deployments">
                <Table
                  head={["Deployment", "Status", "Task definition", "Desired", "Pending", "Running", "Failed", "Rollout state", "Updated"]}
                  rows={(data.described.deployments ?? []).map((d) => [
                    <span title={d.id}>{d.id?.slice(0, 18)}</span>, <Badge value={d.status} />, lastPart(d.taskDefinition), d.desiredCount, d.pendingCount, d.runningCount, d.failedTasks,
                    <span><Badge value={d.rolloutState} /> <span class="muted">{d.rolloutStateReason}</span></span>, <Time at={d.updatedAt} />,
                  ])}
                />
              </Section>
              <Section title="Utilization" id="metrics">
                <Loading loaded={metrics}>{(m) => <UtilizationChart data={m} />}</Loading>
              </Section>
              {data.targets.length > 0 && (
                <Section title="Load balancer target health" id="targets">
                  {data.targets.map(({ lb, health }) => (
                    <div key={lb.targetGroupArn}>
                      <h3>{lastPart(lb.targetGroupArn?.split("/").slice(0, -1).join("/"))} → {lb.containerName}:{lb.containerPort}</h3>
                      <Table
                        head={["Target", "Port", "State", "Reason", "Description"]}
                        empty="No targets registered."
                        rows={health.map((h) => [h.Target?.Id, h.Target?.Port, <Badge value={h.TargetHealth?.State} />, h.TargetHealth?.Reason ?? "", h.TargetHealth?.Description ?? ""])}
                      />
                    </div>
                  ))}
                </Section>
              )}
              <Section title={`Tasks (${data.tasks.length})`} id="tasks">
                <TaskTable cluster={cluster} tasks={data.tasks} />
              </Section>
              <Section title="Events" id="events">
                <Table head={["Time", "Message"]} empty="No events yet." rows={(data.described.events ?? []).slice(0, 25).map((e) => [<Time at={e.createdAt} />, e.message])} />
              </Section>
            </>
          )
        }
      </Loading>
    </Page>
  );
}
