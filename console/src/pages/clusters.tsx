import { useMemo } from "preact/hooks";
import { ECSClient, DescribeClustersCommand, ListClustersCommand, DescribeServicesCommand, ListServicesCommand, ListContainerInstancesCommand, DescribeContainerInstancesCommand, type Service } from "@aws-sdk/client-ecs";
import { allPages, client, chunks, lastPart } from "../aws";
import { prime, useLoad } from "../live";
import { Badge, Link, Loading, Page, Section, Table, Time } from "../ui";
import { href } from "../router";
import { byName } from "../locale-free";
import { RunTaskForm } from "./run-task";
import { primeTasks, TasksSection } from "./task-list";

export function ClustersPage() {
  const loaded = useLoad(async () => {
    const ecs = client(ECSClient);
    const arns = await allPages(async (nextToken) => {
      const r = await ecs.send(new ListClustersCommand({ nextToken }));
      return { items: r.clusterArns ?? [], next: r.nextToken };
    });
    const clusters = (await Promise.all(chunks(arns, 100).map((names) => ecs.send(new DescribeClustersCommand({ clusters: names }))))).flatMap((r) => r.clusters ?? []);
    return clusters.sort((a, b) => byName(a.clusterName ?? "", b.clusterName ?? ""));
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

/**
 * Every service of the cluster, described (10 a call, the batches at once), by name. ListServices
 * is asked for its largest page (100; its default is 10), so 100 services are one round trip, not
 * ten in a row.
 */
async function servicesOf(cluster: string): Promise<Service[]> {
  const ecs = client(ECSClient);
  const serviceArns = await allPages(async (nextToken) => {
    const r = await ecs.send(new ListServicesCommand({ cluster, nextToken, maxResults: 100 }));
    return { items: r.serviceArns ?? [], next: r.nextToken };
  });
  const services = (await Promise.all(chunks(serviceArns, 10).map((batch) => ecs.send(new DescribeServicesCommand({ cluster, services: batch }))))).flatMap((r) => r.services ?? []);
  return services.sort((a, b) => byName(a.serviceName ?? "", b.serviceName ?? ""));
}

/** Every container instance of the cluster, described. */
async function instancesOf(cluster: string) {
  const ecs = client(ECSClient);
  const instanceArns = await allPages(async (nextToken) => {
    const r = await ecs.send(new ListContainerInstancesCommand({ cluster, nextToken, maxResults: 100 }));
    return { items: r.containerInstanceArns ?? [], next: r.nextToken };
  });
  return (await Promise.all(chunks(instanceArns, 100).map((batch) => ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: batch }))))).flatMap((r) => r.containerInstances ?? []);
}

function ServicesTable({ cluster, list }: { cluster: string; list: Service[] }) {
  return (
    <Table
      head={["Service", "Status", "Desired", "Running", "Pending", "Task definition", "Rollout"]}
      empty="No services."
      rows={list.map((s) => [
        <Link to={["clusters", cluster, "services", s.serviceName!]}>{s.serviceName}</Link>,
        <Badge value={s.status} />, s.desiredCount, s.runningCount, s.pendingCount, lastPart(s.taskDefinition),
        <Badge value={s.deployments?.find((d) => d.status === "PRIMARY")?.rolloutState} />,
      ])}
    />
  );
}

const describeCluster = async (cluster: string) => (await client(ECSClient).send(new DescribeClustersCommand({ clusters: [cluster] }))).clusters?.[0] ?? null;

/**
 * Starts a cluster page's first reads (its summary, services and tasks) before the page is
 * rendered: main.tsx calls it when the console opens on that page (live.ts prime()).
 */
export function primeClusterPage(cluster: string): void {
  // The longest chains first: ListServices then 10 DescribeServices, ListTasks then DescribeTasks.
  prime(`services/${cluster}`, () => servicesOf(cluster));
  primeTasks(cluster);
  prime(`cluster/${cluster}`, () => describeCluster(cluster));
}

const ofCluster = (cluster: string) => (c: { taskArn: string }) => c.taskArn.includes(`:task/${cluster}/`);

/**
 * A cluster's page: its summary, services, tasks and container instances, each section loaded on
 * its own and shown as soon as it is in, so the page does not wait for its slowest read before
 * showing anything. The summary's, services' and tasks' reads go out at once; the container
 * instances' (below them) once those are in.
 */
export function ClusterPage({ cluster }: { cluster: string }) {
  const described = useLoad(() => describeCluster(cluster), [cluster], ofCluster(cluster), { primed: `cluster/${cluster}` });
  const services = useLoad(() => servicesOf(cluster), [cluster], ofCluster(cluster), { primed: `services/${cluster}` });
  // The table's rows are made once per answer: the page renders again when each of its other
  // sections arrives, and 100 rows need not be made and compared again each time.
  const servicesTable = useMemo(() => services.data && <ServicesTable cluster={cluster} list={services.data} />, [cluster, services.data]);
  // Below the services and tasks: read once they are in, not competing with them for connections.
  const instances = useLoad(() => instancesOf(cluster), [cluster], ofCluster(cluster), { deferred: true });
  return (
    <Page title={cluster} crumbs={[["Clusters", href("clusters")]]}>
      <Loading loaded={described}>
        {(c) => c ? (
          <p class="summary">
            <Badge value={c.status} /> {c.runningTasksCount} running, {c.pendingTasksCount} pending tasks; {c.activeServicesCount} services;{" "}
            {c.registeredContainerInstancesCount} container instances
          </p>
        ) : <div class="error" role="alert">ClusterNotFoundException: no cluster {cluster} in this account and region.</div>}
      </Loading>
      <Section title={services.data ? `Services (${services.data.length})` : "Services"} id="services">
        <Loading loaded={services}>{() => servicesTable}</Loading>
      </Section>
      <TasksSection cluster={cluster} counts={described.data ? { running: described.data.runningTasksCount, pending: described.data.pendingTasksCount } : undefined} actions={described.data ? (reload) => <RunTaskForm cluster={cluster} done={reload} /> : undefined} />
      <Section title={instances.data ? `Container instances (${instances.data.length})` : "Container instances"} id="instances">
        <Loading loaded={instances}>
          {(list) => (
            <Table
              head={["Instance", "Status", "Agent connected", "Running tasks", "Pending tasks", "CPU free", "Memory free (MiB)"]}
              empty="No container instances (Fargate tasks need none)."
              rows={list.map((i) => [
                <span title={i.containerInstanceArn}>{i.ec2InstanceId ?? lastPart(i.containerInstanceArn)}</span>,
                <Badge value={i.status} />, String(i.agentConnected), i.runningTasksCount, i.pendingTasksCount,
                i.remainingResources?.find((r) => r.name === "CPU")?.integerValue, i.remainingResources?.find((r) => r.name === "MEMORY")?.integerValue,
              ])}
            />
          )}
        </Loading>
      </Section>
    </Page>
  );
}
