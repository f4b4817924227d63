import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateExpressGatewayServiceCommand, CreateServiceCommand, DeleteExpressGatewayServiceCommand, DeleteServiceCommand, DescribeExpressGatewayServiceCommand, DescribeServicesCommand,
  ListClustersCommand, ListServicesCommand, ListTaskDefinitionsCommand, UpdateExpressGatewayServiceCommand, type ECSClient, type ExpressGatewayContainer,
} from "@aws-sdk/client-ecs";
import {
  ElasticLoadBalancingV2Client, DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ModifyTargetGroupAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { httpGet, waitFor } from "./wait.js";

/**
 * ECS Express Mode end to end: an image becomes a Fargate service behind its own load balancer
 * (listener, target group with the health check path) with target tracking scaling; its endpoint
 * answers with the container's page; an update rolls a new revision; a delete removes the service,
 * the load balancer and the target group. Each piece is read back through its own API.
 */
let berth: BerthProcess;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;

const EXECUTION_ROLE = "arn:aws:iam::000000000000:role/ecsTaskExecutionRole";
const INFRASTRUCTURE_ROLE = "arn:aws:iam::000000000000:role/ecsInfrastructureRoleForExpressServices";

/** busybox httpd on 8080 answering `body` on /, and "ok" on /health. */
const web = (body: string): ExpressGatewayContainer => ({
  image: TEST_IMAGE, containerPort: 8080,
  command: ["sh", "-c", `echo ok > /health && mkdir -p /www && mv /health /www/health && echo ${body} > /www/index.html && echo serving ${body} && exec httpd -f -p 8080 -h /www`],
});

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--load-balancer-health-check-speedup", "5"] });
  ecs = berth.ecs();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
});
after(async () => {
  elb?.destroy();
  await berth?.dispose();
});

const rejects = async (p: Promise<unknown>, name: string, message?: RegExp) =>
  assert.rejects(p, (err: Error) => err.name === name && (!message || message.test(err.message)), `expected ${name}`);

test("bad requests are refused and make nothing", async () => {
  const base = { executionRoleArn: EXECUTION_ROLE, infrastructureRoleArn: INFRASTRUCTURE_ROLE, primaryContainer: web("x") };
  await rejects(ecs.send(new CreateExpressGatewayServiceCommand({ ...base, serviceName: "bad", scalingTarget: { minTaskCount: 3, maxTaskCount: 2 } })), "InvalidParameterException", /maxTaskCount/);
  await rejects(ecs.send(new CreateExpressGatewayServiceCommand({ ...base, serviceName: "bad", healthCheckPath: "health" })), "InvalidParameterException", /healthCheckPath/);
  await rejects(ecs.send(new CreateExpressGatewayServiceCommand({ ...base, serviceName: "bad", cluster: "nowhere" })), "ClusterNotFoundException");
  await rejects(ecs.send(new CreateExpressGatewayServiceCommand({ ...base, serviceName: "no spaces" })), "InvalidParameterException", /Service name/);
  await rejects(ecs.send(new CreateExpressGatewayServiceCommand({ ...base, serviceName: "bad", primaryContainer: { ...web("x"), containerPort: 70000 } })), "InvalidParameterException", /containerPort/);
  await rejects(ecs.send(new CreateExpressGatewayServiceCommand({ ...base, serviceName: "bad", cpu: "3", memory: "5" })), "ClientException");
  // Refused by ELBv2 once the target group is made: the target group goes again, the task definition is deregistered.
  await rejects(ecs.send(new CreateExpressGatewayServiceCommand({ ...base, serviceName: "bad", networkConfiguration: { subnets: ["not a subnet", "nor this"] } })),
    "InvalidParameterException", /CreateLoadBalancer: The subnet ID 'not a subnet' is not valid/);
  assert.deepEqual((await ecs.send(new ListTaskDefinitionsCommand({ status: "ACTIVE" }))).taskDefinitionArns, [], "the task definition made on the way was deregistered");
  assert.deepEqual((await ecs.send(new ListClustersCommand({}))).clusterArns, [], "nor is the default cluster left made");
  const arn = "arn:aws:ecs:us-east-1:000000000000:service/default/nothing";
  await rejects(ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: arn })), "ResourceNotFoundException");
  await rejects(ecs.send(new UpdateExpressGatewayServiceCommand({ serviceArn: arn, cpu: "512" })), "ServiceNotFoundException");
  await rejects(ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: arn })), "ServiceNotFoundException");
  assert.equal((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers!.length, 0, "no load balancer was left behind");
  assert.equal((await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups!.length, 0, "no target group was left behind");
});

test("create: the endpoint answers with the container's page; update rolls a new revision; delete removes everything it made", async () => {
  const created = (await ecs.send(new CreateExpressGatewayServiceCommand({
    serviceName: "shop", executionRoleArn: EXECUTION_ROLE, infrastructureRoleArn: INFRASTRUCTURE_ROLE,
    primaryContainer: web("v1"), cpu: "256", memory: "512", healthCheckPath: "/health",
    scalingTarget: { minTaskCount: 1, maxTaskCount: 2, autoScalingMetric: "AVERAGE_CPU", autoScalingTargetValue: 70 },
    tags: [{ key: "team", value: "web" }],
  }))).service!;
  assert.equal(created.serviceName, "shop");
  assert.equal(created.serviceArn, "arn:aws:ecs:us-east-1:000000000000:service/default/shop");
  assert.equal(created.cluster, "arn:aws:ecs:us-east-1:000000000000:cluster/default", "the default cluster is made when missing");
  assert.equal(created.infrastructureRoleArn, INFRASTRUCTURE_ROLE);
  assert.equal(created.status!.statusCode, "ACTIVE");
  assert.deepEqual(created.tags, [{ key: "team", value: "web" }]);
  const config = created.activeConfigurations![0]!;
  assert.equal(config.executionRoleArn, EXECUTION_ROLE);
  assert.deepEqual([config.cpu, config.memory, config.healthCheckPath], ["256", "512", "/health"]);
  assert.deepEqual(config.scalingTarget, { minTaskCount: 1, maxTaskCount: 2, autoScalingMetric: "AVERAGE_CPU", autoScalingTargetValue: 70 });
  assert.match(config.serviceRevisionArn!, /^arn:aws:ecs:us-east-1:000000000000:service-revision\/default\/shop\/\d{19}$/);
  assert.match(created.currentDeployment!, /^arn:aws:ecs:us-east-1:000000000000:service-deployment\/default\/shop\//);
  const endpoint = config.ingressPaths![0]!.endpoint!;
  assert.equal(config.ingressPaths![0]!.accessType, "PUBLIC");

  // The pieces, each through its own API.
  const service = (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["shop"] }))).services![0]!;
  assert.equal(service.launchType, "FARGATE");
  assert.equal(service.desiredCount, 1, "minTaskCount tasks to start with");
  const tgArn = service.loadBalancers![0]!.targetGroupArn!;
  const tg = (await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] }))).TargetGroups![0]!;
  assert.deepEqual([tg.HealthCheckPath, tg.TargetType, tg.Port], ["/health", "ip", 8080]);
  const lbArn = tg.LoadBalancerArns![0]!;
  // The target group is an ordinary one: the user tunes it through ELBv2 (old targets drain in 2 s, not 300).
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "2" }] }));
  const lb = (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers![0]!;
  assert.equal(endpoint, `http://${lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress}/`);
  const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners!;
  assert.deepEqual(listeners.map((l) => [l.Protocol, l.Port, l.DefaultActions![0]!.TargetGroupArn]), [["HTTP", 80, tgArn]]);
  const scaling = await berth.aws("application-autoscaling", "describe-scalable-targets", "--service-namespace", "ecs", "--region", "us-east-1");
  assert.deepEqual(scaling.ScalableTargets.map((t: any) => [t.ResourceId, t.MinCapacity, t.MaxCapacity]), [["service/default/shop", 1, 2]]);
  const policies = await berth.aws("application-autoscaling", "describe-scaling-policies", "--service-namespace", "ecs", "--region", "us-east-1");
  assert.deepEqual(policies.ScalingPolicies.map((p: any) => [p.PolicyType, p.TargetTrackingScalingPolicyConfiguration.TargetValue, p.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType]),
    [["TargetTrackingScaling", 70, "ECSServiceAverageCPUUtilization"]]);

  await waitFor("the endpoint answers with the container's page", async () => (await httpGet(endpoint))?.body === "v1\n" || undefined, 120_000);
  assert.deepEqual(await httpGet(`${endpoint}health`), { status: 200, body: "ok\n" });
  // The container's output goes to the service's own log group.
  assert.deepEqual(config.primaryContainer!.awsLogsConfiguration, { logGroup: "/aws/ecs/default/shop", logStreamPrefix: "ecs" });
  await waitFor("the container's output in its log group", async () => {
    const events = await berth.aws("logs", "filter-log-events", "--log-group-name", "/aws/ecs/default/shop", "--region", "us-east-1").catch(() => undefined);
    return events?.events?.some((e: { message: string }) => e.message === "serving v1") || undefined;
  }, 30_000);
  await waitFor("the task's target healthy by the /health check", async () => {
    const health = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions!;
    return JSON.stringify(health.map((h) => h.TargetHealth!.State)) === '["healthy"]' || undefined;
  }, 60_000);

  // The same name again, while it is active: refused.
  await rejects(ecs.send(new CreateExpressGatewayServiceCommand({ serviceName: "shop", executionRoleArn: EXECUTION_ROLE, infrastructureRoleArn: INFRASTRUCTURE_ROLE, primaryContainer: web("x") })),
    "InvalidParameterException", /idempotent/);

  // Update: a new image command, more memory, a larger scaling range; the service rolls to the new revision.
  const updated = (await ecs.send(new UpdateExpressGatewayServiceCommand({
    serviceArn: created.serviceArn, primaryContainer: web("v2"), memory: "1024", scalingTarget: { maxTaskCount: 3, autoScalingMetric: "REQUEST_COUNT_PER_TARGET", autoScalingTargetValue: 100 }, healthCheckPath: "/index.html",
  }))).service!;
  assert.equal(updated.status!.statusCode, "ACTIVE");
  const target = updated.targetConfiguration!;
  assert.deepEqual([target.cpu, target.memory, target.healthCheckPath], ["256", "1024", "/index.html"]);
  assert.equal((await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] }))).TargetGroups![0]!.HealthCheckPath, "/index.html", "the target group checks the new path");
  assert.deepEqual(target.scalingTarget, { minTaskCount: 1, maxTaskCount: 3, autoScalingMetric: "REQUEST_COUNT_PER_TARGET", autoScalingTargetValue: 100 });
  const requestPolicy = (await berth.aws("application-autoscaling", "describe-scaling-policies", "--service-namespace", "ecs", "--region", "us-east-1")).ScalingPolicies;
  assert.equal(requestPolicy.length, 1, "the policy was replaced, not added to");
  assert.deepEqual(requestPolicy[0].TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification, {
    PredefinedMetricType: "ALBRequestCountPerTarget", ResourceLabel: `${lbArn.split(":loadbalancer/")[1]}/${tgArn.split(":").at(-1)}`,
  });
  assert.equal(requestPolicy[0].TargetTrackingScalingPolicyConfiguration.TargetValue, 100);
  assert.notEqual(target.serviceRevisionArn, config.serviceRevisionArn);
  const rolled = (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["shop"] }))).services![0]!;
  assert.match(rolled.taskDefinition!, /:task-definition\/shop:2$/);
  await waitFor("the endpoint answers with the new revision's page", async () => (await httpGet(endpoint))?.body === "v2\n" || undefined, 120_000);
  const after = await berth.aws("application-autoscaling", "describe-scalable-targets", "--service-namespace", "ecs", "--region", "us-east-1");
  assert.equal(after.ScalableTargets[0].MaxCapacity, 3);
  const described = await waitFor("the new configuration alone is active", async () => {
    const s = (await ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: created.serviceArn }))).service!;
    return (s.activeConfigurations!.length === 1 && s.activeConfigurations![0]!.serviceRevisionArn === target.serviceRevisionArn && s) || undefined;
  }, 60_000);
  assert.equal(described.tags, undefined, "tags only when include names TAGS");
  assert.notEqual(described.currentDeployment, created.currentDeployment, "the update is the current deployment");

  // Delete: the service drains, the load balancer and the target group are gone.
  const deleted = (await ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: created.serviceArn }))).service!;
  assert.equal(deleted.status!.statusCode, "DRAINING");
  await rejects(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] })), "LoadBalancerNotFoundException");
  await rejects(elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] })), "TargetGroupNotFoundException");
  const gone = await berth.aws("application-autoscaling", "describe-scalable-targets", "--service-namespace", "ecs", "--region", "us-east-1");
  assert.equal(gone.ScalableTargets.length, 0);
  await waitFor("the service INACTIVE", async () => (await ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: created.serviceArn }))).service!.status!.statusCode === "INACTIVE" || undefined, 60_000);
  assert.deepEqual((await ecs.send(new ListServicesCommand({ cluster: "default" }))).serviceArns, []);
  assert.equal(await httpGet(endpoint), undefined, "nothing answers at the endpoint any more");
  await rejects(ecs.send(new UpdateExpressGatewayServiceCommand({ serviceArn: created.serviceArn, cpu: "512" })), "ServiceNotActiveException");
  await rejects(ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: created.serviceArn })), "ServiceNotActiveException");

  // A plain service of the same name, created afterwards, is not the express service.
  await ecs.send(new CreateServiceCommand({ serviceName: "shop", taskDefinition: "shop", desiredCount: 0, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } }));
  await rejects(ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: created.serviceArn })), "ResourceNotFoundException");
  await rejects(ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: created.serviceArn })), "ServiceNotFoundException");
  await ecs.send(new DeleteServiceCommand({ service: "shop", force: true }));
});
