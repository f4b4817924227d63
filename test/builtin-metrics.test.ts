import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand, type Dimension } from "@aws-sdk/client-cloudwatch";
import { CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, RegisterTaskDefinitionCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { AgentProcess, BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * The metrics Berth produces itself, read back through the CloudWatch API as a user would:
 * AWS/ECS CPUUtilization of a service whose task burns CPU against an idle one (Fargate, embedded
 * agent; EC2, a remote `berth agent`), Container Insights task counts, and AWS/ApplicationELB
 * counts for requests sent through a real load balancer. Metrics are published every 2 seconds
 * (metricsIntervalSeconds) instead of AWS's 60.
 */
const TOKEN = "builtin-metrics-token";
const agentDir = mkdtempSync(join(tmpdir(), "berth-metrics-agent-"));
let berth: BerthProcess;
let ecs: ECSClient;
let cw: CloudWatchClient;
let agent: AgentProcess | undefined;
const backends: http.Server[] = [];

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--metrics-interval-seconds", "2", "--agent-token", TOKEN, "--load-balancer-health-check-speedup", "10"] });
  ecs = berth.ecs();
  cw = new CloudWatchClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
});

after(async () => {
  for (const [cluster, service] of [["fg", "burn"], ["fg", "idle"], ["remote", "burn"]]) {
    await ecs.send(new DeleteServiceCommand({ cluster, service, force: true })).catch(() => {});
  }
  try {
    assert.deepEqual(await AgentProcess.disposeWith(berth, agent, agentDir), []);
  } finally {
    for (const b of backends) b.closeAllConnections(), b.close();
  }
});

/** GetMetricStatistics over the last ten minutes in one-minute periods; the newest datapoint. */
async function latest(namespace: string, metricName: string, dims: Record<string, string>, statistic: "Average" | "Sum" | "Maximum") {
  const now = Date.now();
  const { Datapoints = [] } = await cw.send(new GetMetricStatisticsCommand({
    Namespace: namespace, MetricName: metricName, Dimensions: Object.entries(dims).map(([Name, Value]): Dimension => ({ Name, Value })),
    StartTime: new Date(now - 600_000), EndTime: new Date(now + 60_000), Period: 60, Statistics: [statistic],
  }));
  const newest = Datapoints.sort((a, b) => b.Timestamp!.getTime() - a.Timestamp!.getTime())[0];
  return newest?.[statistic];
}

async function registerBurnAndIdle(launch: "FARGATE" | "EC2") {
  const common = { requiresCompatibilities: [launch], cpu: "256", memory: "512", ...(launch === "FARGATE" ? { networkMode: "awsvpc" as const } : { networkMode: "bridge" as const }) };
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "burn", ...common, containerDefinitions: [{ name: "burn", image: TEST_IMAGE, entryPoint: ["sh", "-c"], command: ["while :; do :; done"], stopTimeout: 1 }] }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "idle", ...common, containerDefinitions: [{ name: "idle", image: TEST_IMAGE, entryPoint: ["sh", "-c"], command: ["exec sleep 3600"], stopTimeout: 1 }] }));
}

const awsvpc = { awsvpcConfiguration: { subnets: ["subnet-1"] } };

test("a Fargate service burning CPU shows CPUUtilization far above an idle one's; Container Insights counts its tasks", async () => {
  await ecs.send(new CreateClusterCommand({ clusterName: "fg", settings: [{ name: "containerInsights", value: "enabled" }] }));
  await registerBurnAndIdle("FARGATE");
  for (const name of ["burn", "idle"]) {
    await ecs.send(new CreateServiceCommand({ cluster: "fg", serviceName: name, taskDefinition: name, desiredCount: 1, launchType: "FARGATE", networkConfiguration: awsvpc }));
  }
  const burn = await waitFor("the burning service's CPUUtilization", async () => {
    const v = await latest("AWS/ECS", "CPUUtilization", { ClusterName: "fg", ServiceName: "burn" }, "Average");
    return v !== undefined && v >= 40 ? v : undefined;
  }, 90_000);
  const idle = await waitFor("the idle service's CPUUtilization", () => latest("AWS/ECS", "CPUUtilization", { ClusterName: "fg", ServiceName: "idle" }, "Maximum"), 60_000);
  // A busy loop takes all of the 256 units it reserves (Fargate caps it there), sleep none of them.
  assert.ok(idle < 10, `idle service at ${idle}%`);
  assert.ok(burn > idle * 4, `burning ${burn}% vs idle ${idle}%`);
  const memory = await waitFor("MemoryUtilization", () => latest("AWS/ECS", "MemoryUtilization", { ClusterName: "fg", ServiceName: "idle" }, "Average"));
  assert.ok(memory > 0 && memory < 50, `a sleeping busybox uses a sliver of 512 MiB: ${memory}%`);

  const counts = await waitFor("Container Insights task counts", async () => {
    const dims = { ClusterName: "fg", ServiceName: "burn" };
    const [running, desired, pending] = await Promise.all(["RunningTaskCount", "DesiredTaskCount", "PendingTaskCount"].map((m) => latest("ECS/ContainerInsights", m, dims, "Maximum")));
    // Maximum over the latest period: a period that began while the task was still PENDING says
    // pending 1 beside running 1; the counts settle in the next one.
    return running === 1 && pending === 0 ? { running, desired, pending } : undefined;
  });
  assert.deepEqual(counts, { running: 1, desired: 1, pending: 0 });
  // A Fargate-only cluster has no cluster-level utilization, as on ECS.
  assert.equal(await latest("AWS/ECS", "CPUUtilization", { ClusterName: "fg" }, "Average"), undefined);
});

test("requests through a real load balancer show up as RequestCount and HTTPCode_Target_2XX_Count equal to the number sent", async () => {
  const server = http.createServer((req, res) => res.end(req.url === "/health" ? "ok" : "hello"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  backends.push(server);
  const port = (server.address() as AddressInfo).port;
  const lb = (await berth.aws("elbv2", "create-load-balancer", "--name", "metrics", "--type", "application", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0];
  const tg = (await berth.aws("elbv2", "create-target-group", "--name", "metrics", "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1",
    "--health-check-path", "/health", "--health-check-interval-seconds", "5", "--healthy-threshold-count", "2")).TargetGroups[0];
  await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "HTTP", "--port", "80", "--default-actions", `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`);
  await berth.aws("elbv2", "register-targets", "--target-group-arn", tg.TargetGroupArn, "--targets", `Id=127.0.0.1,Port=${port}`);
  const address: string = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
  await waitFor("the target in service", async () => (await fetch(`http://${address}/`)).status === 200);

  const lbDim = (lb.LoadBalancerArn as string).split(":loadbalancer/")[1]!;
  const tgDim = (tg.TargetGroupArn as string).split(":").pop()!;
  assert.match(lbDim, /^app\/metrics\/[0-9a-f]{16}$/);
  assert.match(tgDim, /^targetgroup\/metrics\/[0-9a-f]{16}$/);
  // Sum over the whole window, whichever one-minute periods the requests fell in.
  const total = async (metric: string, dims: Record<string, string>) => {
    const now = Date.now();
    const { MetricDataResults = [] } = await cw.send(new GetMetricDataCommand({
      StartTime: new Date(now - 600_000), EndTime: new Date(now + 60_000),
      MetricDataQueries: [{ Id: "m", MetricStat: { Metric: { Namespace: "AWS/ApplicationELB", MetricName: metric, Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })) }, Period: 60, Stat: "Sum" } }],
    }));
    return (MetricDataResults[0]?.Values ?? []).reduce((a, b) => a + b, 0);
  };
  const series: Array<[string, Record<string, string>]> = [
    ["RequestCount", { LoadBalancer: lbDim }],
    ["RequestCount", { TargetGroup: tgDim, LoadBalancer: lbDim }],
    ["RequestCount", { TargetGroup: tgDim }],
    ["HTTPCode_Target_2XX_Count", { LoadBalancer: lbDim }],
    ["HTTPCode_Target_2XX_Count", { TargetGroup: tgDim, LoadBalancer: lbDim }],
  ];
  const totals = () => Promise.all(series.map(([m, d]) => total(m, d)));
  // The requests that waited for the target are published first: wait until two readings two intervals apart agree.
  let before = await totals();
  for (;;) {
    await new Promise((r) => setTimeout(r, 4500));
    const again = await totals();
    if (again.every((v, i) => v === before[i])) break;
    before = again;
  }
  const SENT = 25;
  for (let i = 0; i < SENT; i++) assert.equal((await fetch(`http://${address}/`)).status, 200);
  // Every series, not only the first: on a loaded machine one may be published a poll after another.
  await waitFor("every series counting every request sent", async () => (await totals()).every((v, i) => v >= before[i]! + SENT) || undefined, 60_000);
  // Counts are published once: nothing more arrives for the same requests.
  await new Promise((r) => setTimeout(r, 4500));
  assert.deepEqual(await totals(), before.map((v) => v + SENT), series.map(([m, d]) => `${m} ${JSON.stringify(d)}`).join("; "));
  assert.equal(await total("HTTPCode_ELB_5XX_Count", { LoadBalancer: lbDim }), 0);
  assert.equal(await latest("AWS/ApplicationELB", "HealthyHostCount", { TargetGroup: tgDim, LoadBalancer: lbDim }, "Maximum"), 1);
  const rt = await latest("AWS/ApplicationELB", "TargetResponseTime", { LoadBalancer: lbDim }, "Average");
  assert.ok(rt !== undefined && rt >= 0 && rt < 5, `TargetResponseTime ${rt}`);
});

test("a remote agent's tasks are measured too: service and cluster CPUUtilization on EC2", async () => {
  await ecs.send(new CreateClusterCommand({ clusterName: "remote" }));
  agent = await AgentProcess.start({ endpoint: berth.endpoint, cluster: "remote", token: TOKEN, hostIp: "127.0.2.9", dataDir: agentDir, args: ["--instance-cpu", "2048", "--instance-memory", "2048"] });
  await registerBurnAndIdle("EC2");
  await ecs.send(new CreateServiceCommand({ cluster: "remote", serviceName: "burn", taskDefinition: "burn", desiredCount: 1, launchType: "EC2" }));
  const service = await waitFor("the remote service's CPUUtilization", async () => {
    const v = await latest("AWS/ECS", "CPUUtilization", { ClusterName: "remote", ServiceName: "burn" }, "Average");
    return v !== undefined && v >= 40 ? v : undefined;
  }, 90_000);
  // The cluster: the task's use over the 2048 units the one instance registered, a quarter of the service's figure over 256 units at most.
  const cluster = await waitFor("the remote cluster's CPUUtilization", () => latest("AWS/ECS", "CPUUtilization", { ClusterName: "remote" }, "Average"));
  assert.ok(cluster > 0 && cluster <= 100, `cluster ${cluster}%`);
  assert.ok(cluster < service, `cluster ${cluster}% is the same use over more capacity than the service's ${service}%`);
});
