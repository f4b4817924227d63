import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import {
  CreateExpressGatewayServiceCommand, CreateServiceCommand, DeleteExpressGatewayServiceCommand, DeleteServiceCommand, DescribeExpressGatewayServiceCommand,
  DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand, DescribeServicesCommand, ListServiceDeploymentsCommand, UpdateExpressGatewayServiceCommand, type ECSClient, type ServiceRevision,
} from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client, DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand, DescribeScalingPoliciesCommand } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * What Express Mode made for a service, as its service revision names it (ecsManagedResources):
 * each ARN read back through its own API; the rollback alarm CloudWatch holds, which the ECS
 * service's deployments name and which reads the service's own 4XX/5XX share; after Delete, the
 * resources DELETED and gone, the log group kept. And the alarm at work: an update whose tasks
 * answer 404 to the canary's 5% fails on it and rolls back.
 */
let berth: BerthProcess;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
let aas: ApplicationAutoScalingClient;
let cw: CloudWatchClient;
let logs: CloudWatchLogsClient;

before(async () => {
  await ensureTestImage();
  // ELB metrics every 2 s (AWS: every minute), and CloudWatch's periods ten times shorter (a
  // 60-second period is 6 s), so that the alarm's metrics have data at once and it decides in seconds.
  berth = await BerthProcess.start({ args: ["--load-balancer-health-check-speedup", "5", "--metrics-interval-seconds", "2", "--metric-period-scale", "10"] });
  ecs = berth.ecs();
  const config = { endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
  elb = new ElasticLoadBalancingV2Client(config);
  aas = new ApplicationAutoScalingClient(config);
  cw = new CloudWatchClient(config);
  logs = new CloudWatchLogsClient(config);
});
after(async () => {
  for (const c of [elb, aas, cw, logs]) c?.destroy();
  await berth?.dispose();
});

/** GET http://ADDRESS/PATH with a Host header: the shared ALB routes by it (loopback only). */
function getByHost(address: string, host: string, path: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: address, port: 80, path, headers: { host }, timeout: 2000 }, (res) => {
      res.resume().on("end", () => resolve(res.statusCode));
    });
    req.on("error", () => resolve(undefined)).on("timeout", () => req.destroy());
    req.end();
  });
}

const ROLES = { executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole", infrastructureRoleArn: "arn:aws:iam::000000000000:role/ecsInfrastructureRoleForExpressServices" };
/** busybox httpd on 8080: /ping answers ok; / answers `page`, or 404 without one. */
const site = (page?: string) => ({
  image: TEST_IMAGE, containerPort: 8080,
  command: ["sh", "-c", `mkdir -p /www && echo ok > /www/ping && ${page ? `echo ${page} > /www/index.html && ` : ""}exec httpd -f -p 8080 -h /www`],
});
const revisionOf = async (arn: string): Promise<ServiceRevision> => (await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [arn] }))).serviceRevisions![0]!;

test("an express service's revision names what was made for it; its deployments name an alarm of its 4XX/5XX share", async () => {
  const created = (await ecs.send(new CreateExpressGatewayServiceCommand({
    serviceName: "orders", executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole",
    infrastructureRoleArn: "arn:aws:iam::000000000000:role/ecsInfrastructureRoleForExpressServices", cpu: "256", memory: "512", healthCheckPath: "/ping",
    primaryContainer: { image: TEST_IMAGE, containerPort: 8080, command: ["sh", "-c", "mkdir -p /www && echo ok > /www/ping && exec httpd -f -p 8080 -h /www"] },
    scalingTarget: { minTaskCount: 1, maxTaskCount: 3, autoScalingMetric: "AVERAGE_CPU", autoScalingTargetValue: 50 },
  }))).service!;
  const config = created.activeConfigurations![0]!;
  const endpoint = config.ingressPaths![0]!.endpoint!;
  const managed = (await revisionOf(config.serviceRevisionArn!)).ecsManagedResources!;
  assert.ok(managed, "the revision of an express service names its managed resources");

  // The ingress path: the shared ALB, its listener, the service's rule and its two target groups, each ACTIVE and real.
  const ingress = managed.ingressPaths![0]!;
  assert.deepEqual([ingress.accessType, ingress.endpoint], ["PUBLIC", endpoint]);
  const lb = (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [ingress.loadBalancer!.arn!] }))).LoadBalancers![0]!;
  assert.match(lb.LoadBalancerName!, /^ecs-express-gateway-alb-[0-9a-f]{8}$/);
  assert.deepEqual([ingress.loadBalancer!.status, ingress.loadBalancer!.scheme], ["ACTIVE", lb.Scheme]);
  const listener = (await elb.send(new DescribeListenersCommand({ ListenerArns: [ingress.listener!.arn!] }))).Listeners![0]!;
  assert.deepEqual([listener.LoadBalancerArn, listener.Port, ingress.listener!.status], [lb.LoadBalancerArn, 80, "ACTIVE"]);
  const rule = (await elb.send(new DescribeRulesCommand({ RuleArns: [ingress.rule!.arn!] }))).Rules![0]!;
  assert.deepEqual(rule.Conditions![0]!.HostHeaderConfig!.Values, [new URL(endpoint).hostname], "the rule is the service's host rule");
  assert.equal(ingress.rule!.status, "ACTIVE");
  const groupArns = ingress.targetGroups!.map((g) => g.arn!);
  assert.equal(groupArns.length, 2, "the production and the alternate target group");
  const groups = (await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: groupArns }))).TargetGroups!;
  assert.deepEqual(groups.map((g) => [g.TargetGroupName!.replace(/[0-9a-f]{8}/, "ID"), g.Port, g.HealthCheckPath]).sort(), [["ecs-gateway-tg-ID", 8080, "/ping"], ["ecs-gateway-tg-ID-alt", 8080, "/ping"]]);
  assert.deepEqual(ingress.targetGroups!.map((g) => [g.port, g.healthCheckPort, g.healthCheckPath, g.status]), [[8080, 8080, "/ping", "ACTIVE"], [8080, 8080, "/ping", "ACTIVE"]]);
  const service = (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["orders"] }))).services![0]!;
  assert.equal(service.loadBalancers![0]!.targetGroupArn, groupArns[0], "the first is the service's production target group");

  // Scaling: the scalable target and its target tracking policy, as Application Auto Scaling knows them.
  const target = (await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "ecs", ResourceIds: ["service/default/orders"] }))).ScalableTargets![0]!;
  const scaling = managed.autoScaling!;
  assert.deepEqual([scaling.scalableTarget!.arn, scaling.scalableTarget!.minCapacity, scaling.scalableTarget!.maxCapacity, scaling.scalableTarget!.status], [target.ScalableTargetARN, 1, 3, "ACTIVE"]);
  const policy = (await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "ecs", ResourceId: "service/default/orders" }))).ScalingPolicies![0]!;
  assert.deepEqual(scaling.applicationAutoScalingPolicies!.map((p) => [p.arn, p.policyType, p.metric, p.targetValue, p.status]), [[policy.PolicyARN, "TargetTrackingScaling", "AVERAGE_CPU", 50, "ACTIVE"]]);

  // The log group, made with the service.
  const group = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/ecs/default/orders" }))).logGroups!;
  assert.deepEqual(managed.logGroups!.map((g) => [g.logGroupName, g.arn, g.status]), [["/aws/ecs/default/orders", group[0]!.logGroupArn, "ACTIVE"]]);

  // The rollback alarm: in CloudWatch, named by the ECS service's deployment configuration.
  const alarmArn = managed.metricAlarms![0]!.arn!;
  const alarmName = alarmArn.split(":alarm:")[1]!;
  assert.match(alarmName, /^ecs-gateway-rollback-[0-9a-f]{8}$/);
  assert.equal(managed.metricAlarms![0]!.status, "ACTIVE");
  const alarm = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms![0]!;
  assert.equal(alarm.AlarmArn, alarmArn);
  assert.deepEqual([alarm.ComparisonOperator, alarm.Threshold, alarm.EvaluationPeriods, alarm.DatapointsToAlarm, alarm.TreatMissingData], ["GreaterThanThreshold", 1, 3, 2, "notBreaching"],
    "AWS: the 4xx and 5xx share above 1% for 2 datapoints within 3 minutes");
  const read = alarm.Metrics!.filter((m) => m.MetricStat).map((m) => [m.MetricStat!.Metric!.MetricName, m.MetricStat!.Metric!.Dimensions!.find((d) => d.Name === "TargetGroup")!.Value]);
  for (const g of groupArns) {
    const path = g.slice(g.lastIndexOf(":") + 1);
    for (const metric of ["HTTPCode_Target_4XX_Count", "HTTPCode_Target_5XX_Count", "RequestCount"]) assert.ok(read.some(([n, v]) => n === metric && v === path), `${metric} of ${path}`);
  }
  assert.deepEqual(service.deploymentConfiguration!.alarms, { alarmNames: [alarmName], enable: true, rollback: true });

  // The alarm reads this service's traffic: requests its container answers 404 make its share 100%.
  const address = lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
  const host = new URL(endpoint).hostname;
  await waitFor("the service's target healthy", async () => {
    const health = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: groupArns[0] }))).TargetHealthDescriptions!;
    return health.some((h) => h.TargetHealth!.State === "healthy") || undefined;
  }, 120_000);
  await waitFor("the service answers 404 for a missing page", async () => (await getByHost(address, host, "/missing")) === 404 || undefined, 60_000);
  for (let i = 0; i < 5; i++) assert.equal(await getByHost(address, host, "/missing"), 404);
  const share = await waitFor("the alarm's expression sees the errors", async () => {
    const end = new Date(Date.now() + 60_000);
    const out = await cw.send(new GetMetricDataCommand({ MetricDataQueries: alarm.Metrics, StartTime: new Date(end.getTime() - 600_000), EndTime: end }));
    const values = out.MetricDataResults!.find((r) => r.Id === "errorPercent")?.Values ?? [];
    return values.find((v) => v > 1);
  }, 60_000);
  assert.ok(share > 1 && share <= 100, `share ${share}%`);

  // A plain service's revision has no managed resources.
  await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "plain", taskDefinition: "orders", desiredCount: 0, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } }));
  const plainDeployment = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: "default", service: "plain" }))).serviceDeployments![0]!;
  const plainRevisionArn = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [plainDeployment.serviceDeploymentArn!] }))).serviceDeployments![0]!.targetServiceRevision!.arn!;
  const plainRevision = await revisionOf(plainRevisionArn);
  assert.match(plainRevision.serviceArn!, /\/default\/plain$/);
  assert.equal(plainRevision.ecsManagedResources, undefined);
  await ecs.send(new DeleteServiceCommand({ cluster: "default", service: "plain", force: true }));

  // Delete: the alarm goes with the rest; the revision shows them DELETED; the log group (its logs) stays.
  await ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: created.serviceArn }));
  assert.deepEqual((await cw.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms, []);
  assert.deepEqual((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, []);
  const after = (await revisionOf(config.serviceRevisionArn!)).ecsManagedResources!;
  const ingressAfter = after.ingressPaths![0]!;
  assert.deepEqual([ingressAfter.loadBalancer!.status, ingressAfter.listener!.status, ingressAfter.rule!.status, ...ingressAfter.targetGroups!.map((g) => g.status)], ["DELETED", "DELETED", "DELETED", "DELETED", "DELETED"]);
  assert.deepEqual([after.autoScaling!.scalableTarget!.status, after.metricAlarms![0]!.status, after.logGroups![0]!.status], ["DELETED", "DELETED", "ACTIVE"]);
  assert.equal((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/ecs/default/orders" }))).logGroups!.length, 1);
  await waitFor("orders INACTIVE", async () => (await ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: created.serviceArn }))).service!.status!.statusCode === "INACTIVE" || undefined, 60_000);
});

test("an update whose new tasks answer errors to the canary's share of the traffic fails on the alarm and rolls back", async () => {
  const created = (await ecs.send(new CreateExpressGatewayServiceCommand({
    serviceName: "payments", ...ROLES, cpu: "256", memory: "512", healthCheckPath: "/ping", primaryContainer: site("v1"),
  }))).service!;
  const endpoint = created.activeConfigurations![0]!.ingressPaths![0]!.endpoint!;
  const host = new URL(endpoint).hostname;
  const managed = (await revisionOf(created.activeConfigurations![0]!.serviceRevisionArn!)).ecsManagedResources!;
  const alarmName = managed.metricAlarms![0]!.arn!.split(":alarm:")[1]!;
  const lb = (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [managed.ingressPaths![0]!.loadBalancer!.arn!] }))).LoadBalancers![0]!;
  const address = lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
  await waitFor("payments answers", async () => (await getByHost(address, host, "/")) === 200 || undefined, 120_000);
  const describe = async () => (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["payments"] }))).services![0]!;
  await waitFor("the first deployment COMPLETED", async () => (await describe()).deployments![0]!.rolloutState === "COMPLETED" || undefined, 240_000);

  // v2 has no page: its tasks are healthy (/ping) but answer / with 404. Traffic flows all along.
  const updated = (await ecs.send(new UpdateExpressGatewayServiceCommand({ serviceArn: created.serviceArn, primaryContainer: site() }))).service!;
  let traffic = true;
  const codes = new Map<number | undefined, number>();
  const load = (async () => {
    while (traffic) {
      const code = await getByHost(address, host, "/");
      codes.set(code, (codes.get(code) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    const deployment = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: "default", service: "payments" }))).serviceDeployments!
      .find((d) => d.targetServiceRevisionArn === updated.targetConfiguration!.serviceRevisionArn)!;
    const rolledBack = await waitFor("the update's deployment failed on the alarm and rolling back", async () => {
      const d = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [deployment.serviceDeploymentArn!] }))).serviceDeployments![0]!;
      return d.status === "ROLLBACK_IN_PROGRESS" || d.status === "ROLLBACK_SUCCESSFUL" ? d : undefined;
    }, 240_000);
    assert.deepEqual([rolledBack.alarms!.status, rolledBack.alarms!.triggeredAlarmNames], ["TRIGGERED", [alarmName]]);
    const history = (await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: alarmName, HistoryItemType: "StateUpdate" }))).AlarmHistoryItems!;
    assert.ok(history.some((h) => /to ALARM/.test(h.HistorySummary!)), "the alarm went into ALARM");
    // The service's rule sends all of the traffic back to v1's target group.
    const rule = managed.ingressPaths![0]!.rule!.arn!;
    await waitFor("all of the traffic back on v1", async () => {
      const weights = (await elb.send(new DescribeRulesCommand({ RuleArns: [rule] }))).Rules![0]!.Actions![0]!.ForwardConfig!.TargetGroups!.map((g) => g.Weight);
      return JSON.stringify(weights) === "[100,0]" || undefined;
    }, 60_000);
    assert.ok((codes.get(404) ?? 0) > 0, "the canary's tasks answered some of the traffic with 404");
  } finally {
    traffic = false;
    await load;
  }
  // Back on v1: its page answers again.
  await waitFor("v1 answers all of the traffic", async () => (await getByHost(address, host, "/")) === 200 || undefined, 60_000);
  await ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: created.serviceArn }));
  assert.deepEqual((await cw.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms, []);
  await waitFor("payments INACTIVE", async () => (await ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: created.serviceArn }))).service!.status!.statusCode === "INACTIVE" || undefined, 60_000);
});
