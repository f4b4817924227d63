import { ECSClient, DescribeServicesCommand, type Service } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client, DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { client, lastPart } from "../aws";
import { useLoad } from "../live";
import { Badge, Loading, Page, Section, Table, Time } from "../ui";
import { href } from "../router";
import { TasksSection } from "./task-list";
import { RequestChart, ScalingActivities, serviceMetrics, targetGroupsOf, UtilizationChart } from "./service-metrics";
import { DeploymentTimeline, productionWeights } from "./deployment-timeline";
import { ServiceActions } from "./service-actions";

/** The charts and activities: loaded apart from the page (GetMetricData is the slowest call), re-read every 30 s. */
function ServiceMetrics({ cluster, service }: { cluster: string; service: Service }) {
  const groups = targetGroupsOf(service).join(",");
  const metrics = useLoad(() => serviceMetrics(cluster, service), [cluster, service.serviceName, groups], () => false);
  return (
    <>
      <Section title="Utilization" id="metrics">
        <Loading loaded={metrics}>{(m) => <UtilizationChart data={m} />}</Loading>
      </Section>
      {groups && (
        <Section title="Requests" id="requests">
          <Loading loaded={metrics}>{(m) => <RequestChart data={m} />}</Loading>
        </Section>
      )}
      <Section title="Scaling activities" id="scaling">
        <Loading loaded={metrics}>{(m) => <ScalingActivities activities={m.activities} />}</Loading>
      </Section>
    </>
  );
}

export function ServicePage({ cluster, service }: { cluster: string; service: string }) {
  const loaded = useLoad(async () => {
    const ecs = client(ECSClient), elb = client(ElasticLoadBalancingV2Client);
    const [described] = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services ?? [];
    // null, not undefined: undefined is "still loading" to <Loading>.
    if (!described) return null;
    // Each load balancer's target group and, under blue/green, linear or canary, its alternate: a deployment's tasks are in either.
    const groups = (described.loadBalancers ?? []).flatMap((lb) =>
      [lb.targetGroupArn, lb.advancedConfiguration?.alternateTargetGroupArn].filter((arn): arn is string => !!arn).map((arn) => ({ lb, arn })));
    const [targets, weights] = await Promise.all([
      Promise.all(groups.map(async (g) => ({ ...g, health: (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: g.arn }))).TargetHealthDescriptions ?? [] }))),
      productionWeights(described),
    ]);
    return { described, targets, weights };
  }, [cluster, service], (c) => c.taskArn.includes(`:task/${cluster}/`));
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
              <ServiceActions key={`${s?.desiredCount} ${s?.taskDefinition}`} cluster={cluster} service={service} desired={s?.desiredCount ?? 0} taskDefinition={s?.taskDefinition ?? ""} done={loaded.reload} />
              <Section title="Deployments" id="deployments">
                <Table
                  head={["Deployment", "Status", "Task definition", "Desired", "Pending", "Running", "Failed", "Rollout state", "Updated"]}
                  rows={(data.described.deployments ?? []).map((d) => [
                    <span title={d.id}>{d.id?.slice(0, 18)}</span>, <Badge value={d.status} />, lastPart(d.taskDefinition), d.desiredCount, d.pendingCount, d.runningCount, d.failedTasks,
                    <span><Badge value={d.rolloutState} /> <span class="muted">{d.rolloutStateReason}</span></span>, <Time at={d.updatedAt} />,
                  ])}
                />
              </Section>
              <Section title="Deployment timeline" id="timeline">
                <DeploymentTimeline service={data.described} weights={data.weights} />
              </Section>
              <ServiceMetrics cluster={cluster} service={data.described} />
              {data.targets.length > 0 && (
                <Section title="Load balancer target health" id="targets">
                  {data.targets.map(({ lb, arn, health }) => (
                    <div key={arn}>
                      <h3>{lastPart(arn.split("/").slice(0, -1).join("/"))} → {lb.containerName}:{lb.containerPort}</h3>
                      <Table
                        head={["Target", "Port", "State", "Reason", "Description"]}
                        empty="No targets registered."
                        rows={health.map((h) => [h.Target?.Id, h.Target?.Port, <Badge value={h.TargetHealth?.State} />, h.TargetHealth?.Reason ?? "", h.TargetHealth?.Description ?? ""])}
                      />
                    </div>
                  ))}
                </Section>
              )}
              <TasksSection cluster={cluster} service={service} counts={{ running: data.described.runningCount, pending: data.described.pendingCount }} />
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
