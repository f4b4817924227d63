import { ECSClient, DescribeClustersCommand, ListClustersCommand, DescribeServicesCommand, ListServicesCommand, ListTasksCommand, DescribeTasksCommand, ListContainerInstancesCommand, DescribeContainerInstancesCommand, type Task, type Service } from "@aws-sdk/client-ecs";
import { allPages, client, chunks, lastPart } from "../aws";
import { useLoad } from "../live";
import { Badge, Link, Loading, Page, Section, Table, Time } from "../ui";
import { href } from "../router";
import { RunTaskForm } from "./run-task";

export function ClustersPage() {
  const loaded = useLoad(async () => {
    const ecs = client(ECSClient);
    const arns = await allPages(async (nextToken) => {
      const r = await ecs.send(new ListClustersCommand({ nextToken }));
      return { items: r.clusterArns ?? [], next: r.nextToken };
    });
    const clusters = (await Promise.all(chunks(arns, 100).map((names) => ecs.send(new DescribeClustersCommand({ clusters: names }))))).flatMap((r) => r.clusters ?? []);
    return clusters.sort((a, b) => (a.clusterName ?? "").localeCompare(b.clusterName ?? ""));
  }, []);
  return (
    <Page title="Clusters">
      <Loading loaded={loaded}>
        {(clusters) => (
          <Section title={`${clusters.length} clusters`}>
            <Table
              head={["Cluster", "Status", "Services", "Running tasks", "Pending tasks", "Container instances"]}
              empty="No clusters in this account and region."
              rows={clusters.map((c) => [
                <Link to={["clusters", c.clusterName!]}>{c.clusterName}</Link>,
                <Badge value={c.status} />, c.activeServicesCount, c.runningTasksCount, c.pendingTasksCount, c.registeredContainerInstancesCount,
              ])}
            />
          </Section>
        )}
      </Loading>
    </Page>
  );
}

/** Every task of a cluster (or of one service) that ListTasks lists, RUNNING and recently STOPPED, described. */
export async function tasksOf(cluster: string, serviceName?: string): Promise<Task[]> {
  const ecs = client(ECSClient);
  const arns = (await Promise.all((["RUNNING", "STOPPED"] as const).map((desiredStatus) => allPages(async (nextToken) => {
    const r = await ecs.send(new ListTasksCommand({ cluster, nextToken, desiredStatus, ...(serviceName ? { serviceName } : {}) }));
    return { items: r.taskArns ?? [], next: r.nextToken };
  })))).flat();
  // The batches are described at once: a cluster of 1,000 tasks is 10 calls, not 10 round trips in a row.
  const tasks: Task[] = (await Promise.all(chunks(arns, 100).map((batch) => ecs.send(new DescribeTasksCommand({ cluster, tasks: batch }))))).flatMap((r) => r.tasks ?? []);
  // Running ones first, then the most recently stopped.
  const rank = (t: Task) => (t.desiredStatus === "STOPPED" ? 1 : 0);
  return tasks.sort((a, b) => rank(a) - rank(b) || +new Date(b.createdAt ?? 0) - +new Date(a.createdAt ?? 0));
}

export function TaskTable({ cluster, tasks }: { cluster: string; tasks: Task[] }) {
  return (
    <Table
      head={["Task", "Last status", "Desired", "Task definition", "Started", "Stopped reason"]}
      empty="No tasks."
      rows={tasks.map((t) => [
        <Link to={["clusters", cluster, "tasks", lastPart(t.taskArn)]}>{lastPart(t.taskArn).slice(0, 12)}</Link>,
        <Badge value={t.lastStatus} />, t.desiredStatus, lastPart(t.taskDefinitionArn), <Time at={t.startedAt} />, t.stoppedReason ?? "",
      ])}
    />
  );
}

/** Every service of the cluster, described (10 a call, the batches at once), by name. */
async function servicesOf(cluster: string): Promise<Service[]> {
  const ecs = client(ECSClient);
  const serviceArns = await allPages(async (nextToken) => {
    const r = await ecs.send(new ListServicesCommand({ cluster, nextToken }));
    return { items: r.serviceArns ?? [], next: r.nextToken };
  });
  const services = (await Promise.all(chunks(serviceArns, 10).map((batch) => ecs.send(new DescribeServicesCommand({ cluster, services: batch }))))).flatMap((r) => r.services ?? []);
  return services.sort((a, b) => (a.serviceName ?? "").localeCompare(b.serviceName ?? ""));
}

/** Every container instance of the cluster, described. */
async function instancesOf(cluster: string) {
  const ecs = client(ECSClient);
  const instanceArns = await allPages(async (nextToken) => {
    const r = await ecs.send(new ListContainerInstancesCommand({ cluster, nextToken }));
    return { items: r.containerInstanceArns ?? [], next: r.nextToken };
  });
  return (await Promise.all(chunks(instanceArns, 100).map((batch) => ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: batch }))))).flatMap((r) => r.containerInstances ?? []);
}

export function ClusterPage({ cluster }: { cluster: string }) {
  const loaded = useLoad(async () => {
    const ecs = client(ECSClient);
    // The four reads are independent: they go out at once, so the page waits for the slowest, not the sum.
    const [described, services, tasks, instances] = await Promise.all([
      ecs.send(new DescribeClustersCommand({ clusters: [cluster] })).then((r) => r.clusters?.[0]),
      servicesOf(cluster),
      tasksOf(cluster),
      instancesOf(cluster),
    ]);
    return { described, services, tasks, instances };
  }, [cluster], (c) => c.taskArn.includes(`:task/${cluster}/`));
  return (
    <Page title={cluster} crumbs={[["Clusters", href("clusters")]]}>
      <Loading loaded={loaded}>
        {({ described, services, tasks, instances }) => (
          <>
            {!described && <div class="error" role="alert">ClusterNotFoundException: no cluster {cluster} in this account and region.</div>}
            {described && (
              <p class="summary">
                <Badge value={described.status} /> {described.runningTasksCount} running, {described.pendingTasksCount} pending tasks; {described.activeServicesCount} services;{" "}
                {described.registeredContainerInstancesCount} container instances
              </p>
            )}
            <Section title={`Services (${services.length})`} id="services">
              <Table
                head={["Service", "Status", "Desired", "Running", "Pending", "Task definition", "Rollout"]}
                empty="No services."
                rows={services.map((s) => [
                  <Link to={["clusters", cluster, "services", s.serviceName!]}>{s.serviceName}</Link>,
                  <Badge value={s.status} />, s.desiredCount, s.runningCount, s.pendingCount, lastPart(s.taskDefinition),
                  <Badge value={s.deployments?.find((d) => d.status === "PRIMARY")?.rolloutState} />,
                ])}
              />
            </Section>
            <Section title={`Tasks (${tasks.length})`} id="tasks">
              {described && <RunTaskForm cluster={cluster} done={loaded.reload} />}
              <TaskTable cluster={cluster} tasks={tasks} />
            </Section>
            <Section title={`Container instances (${instances.length})`} id="instances">
              <Table
                head={["Instance", "Status", "Agent connected", "Running tasks", "Pending tasks", "CPU free", "Memory free (MiB)"]}
                empty="No container instances (Fargate tasks need none)."
                rows={instances.map((i) => [
                  <span title={i.containerInstanceArn}>{i.ec2InstanceId ?? lastPart(i.containerInstanceArn)}</span>,
                  <Badge value={i.status} />, String(i.agentConnected), i.runningTasksCount, i.pendingTasksCount,
                  i.remainingResources?.find((r) => r.name === "CPU")?.integerValue, i.remainingResources?.find((r) => r.name === "MEMORY")?.integerValue,
                ])}
              />
            </Section>
          </>
        )}
      </Loading>
    </Page>
  );
}
