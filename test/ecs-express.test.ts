import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateExpressGatewayServiceCommand, CreateServiceCommand, DeleteExpressGatewayServiceCommand, DeleteServiceCommand, DescribeExpressGatewayServiceCommand, DescribeServicesCommand,
  DescribeServiceDeploymentsCommand, ListClustersCommand, ListServiceDeploymentsCommand, ListServicesCommand, ListTaskDefinitionsCommand, UpdateExpressGatewayServiceCommand,
  UpdateServiceCommand, type ECSClient, type ExpressGatewayContainer,
} from "@aws-sdk/client-ecs";
import {
  ElasticLoadBalancingV2Client, DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand,
  ModifyTargetGroupAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { request } from "node:http";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * ECS Express Mode end to end: images become Fargate services behind one shared load balancer
 * (a host-header rule and two target groups each) with target tracking scaling; each endpoint's
 * hostname answers with its container's page; an update deploys as a canary (5% of the traffic,
 * then all of it, by the rule's weights); deleting one service leaves the other reachable, and the
 * load balancer goes with the last. Each piece is read back through its own API.
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

/** GET http://ADDRESS/PATH with a Host header: the shared ALB routes by it (loopback only). */
function getByHost(address: string, host: string, path = "/"): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: address, port: 80, path, headers: { host }, timeout: 2000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c)).on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", () => resolve(undefined)).on("timeout", () => req.destroy());
    req.end();
  });
}

const hostOf = (endpoint: string) => new URL(endpoint).hostname;
const expressLbs = async () => (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers!;
/** The forward weights of a rule, in the order of the given target groups. */
const weights = async (ruleArn: string, groups: string[]) => {
  const rule = (await elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }))).Rules![0]!;
  const forward = rule.Actions!.find((a) => a.Type === "forward")!.ForwardConfig!.TargetGroups!;
  return groups.map((g) => forward.find((f) => f.TargetGroupArn === g)?.Weight ?? 0);
};

test("two express services share one load balancer, each answering on its own host; a canary update; deleting one leaves the other", async () => {
  const create = (name: string, body: string, extra: object = {}) => ecs.send(new CreateExpressGatewayServiceCommand({
    serviceName: name, executionRoleArn: EXECUTION_ROLE, infrastructureRoleArn: INFRASTRUCTURE_ROLE,
    primaryContainer: web(body), cpu: "256", memory: "512", healthCheckPath: "/health", ...extra,
  }));
  const shop = (await create("shop", "shop-v1", {
    scalingTarget: { minTaskCount: 1, maxTaskCount: 2, autoScalingMetric: "AVERAGE_CPU", autoScalingTargetValue: 70 }, tags: [{ key: "team", value: "web" }],
  })).service!;
  assert.equal(shop.serviceArn, "arn:aws:ecs:us-east-1:000000000000:service/default/shop");
  assert.equal(shop.cluster, "arn:aws:ecs:us-east-1:000000000000:cluster/default", "the default cluster is made when missing");
  assert.equal(shop.infrastructureRoleArn, INFRASTRUCTURE_ROLE);
  assert.equal(shop.status!.statusCode, "ACTIVE");
  assert.deepEqual(shop.tags, [{ key: "team", value: "web" }]);
  const config = shop.activeConfigurations![0]!;
  assert.deepEqual([config.cpu, config.memory, config.healthCheckPath], ["256", "512", "/health"]);
  assert.match(config.serviceRevisionArn!, /^arn:aws:ecs:us-east-1:000000000000:service-revision\/default\/shop\/\d{19}$/);
  assert.match(shop.currentDeployment!, /^arn:aws:ecs:us-east-1:000000000000:service-deployment\/default\/shop\//);
  assert.equal(config.ingressPaths![0]!.accessType, "PUBLIC");
  const shopEndpoint = config.ingressPaths![0]!.endpoint!;
  assert.match(shopEndpoint, /^http:\/\/shop-[0-9a-f]{8}\.ecs\.us-east-1\.on\.aws\/$/, "AWS's hostname form: SERVICE-ID.ecs.REGION.on.aws");

  const cart = (await create("cart", "cart-v1")).service!;
  const cartEndpoint = cart.activeConfigurations![0]!.ingressPaths![0]!.endpoint!;
  assert.notEqual(hostOf(cartEndpoint), hostOf(shopEndpoint));

  // One load balancer for both: each service's target groups on it, one host rule each.
  const lbs = await expressLbs();
  assert.equal(lbs.length, 1, "the two services share one load balancer");
  const lb = lbs[0]!;
  const address = lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
  const describe = async (name: string) => (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: [name] }))).services![0]!;
  const shopService = await describe("shop");
  assert.equal(shopService.launchType, "FARGATE");
  assert.equal(shopService.desiredCount, 1, "minTaskCount tasks to start with");
  assert.deepEqual(shopService.deploymentConfiguration!.strategy, "CANARY", "Express Mode deploys as a canary");
  assert.deepEqual(shopService.deploymentConfiguration!.canaryConfiguration, { canaryPercent: 5, canaryBakeTimeInMinutes: 3 });
  assert.equal(shopService.deploymentConfiguration!.bakeTimeInMinutes, 3);
  // AWS's bake times are 3 + 3 minutes; the service's deployment configuration is the user's to
  // change through UpdateService, as on AWS: a 1-minute canary, no bake after it.
  await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "shop", deploymentConfiguration: { strategy: "CANARY", canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: 1 }, bakeTimeInMinutes: 0 } }));
  const shopLb = shopService.loadBalancers![0]!;
  const shopGroups = [shopLb.targetGroupArn!, shopLb.advancedConfiguration!.alternateTargetGroupArn!];
  const shopRule = shopLb.advancedConfiguration!.productionListenerRule!;
  const cartLb = (await describe("cart")).loadBalancers![0]!;
  const cartGroups = [cartLb.targetGroupArn!, cartLb.advancedConfiguration!.alternateTargetGroupArn!];
  for (const arn of [...shopGroups, ...cartGroups]) {
    const tg = (await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }))).TargetGroups![0]!;
    assert.deepEqual([tg.HealthCheckPath, tg.TargetType, tg.Port], ["/health", "ip", 8080]);
    // The target groups are ordinary ones: the user tunes them through ELBv2 (old targets drain in 2 s, not 300).
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "2" }] }));
  }
  const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn! }))).Listeners!;
  assert.deepEqual(listeners.map((l) => [l.Protocol, l.Port, l.DefaultActions![0]!.Type]), [["HTTP", 80, "fixed-response"]]);
  // The rules through the AWS CLI: one host-header rule per service, all of its traffic on its production target group.
  const rules = (await berth.aws("elbv2", "describe-rules", "--listener-arn", listeners[0]!.ListenerArn!, "--region", "us-east-1")).Rules
    .filter((r: any) => !r.IsDefault).map((r: any) => [r.Conditions[0].HostHeaderConfig.Values[0], r.Actions[0].ForwardConfig.TargetGroups.map((g: any) => [g.TargetGroupArn, g.Weight])]);
  assert.deepEqual(rules, [[hostOf(shopEndpoint), [[shopGroups[0], 100], [shopGroups[1], 0]]], [hostOf(cartEndpoint), [[cartGroups[0], 100], [cartGroups[1], 0]]]]);

  // Both answer through the one load balancer, each by its own host; another host gets the listener's 404.
  await waitFor("shop answers on its host", async () => (await getByHost(address, hostOf(shopEndpoint)))?.body === "shop-v1\n" || undefined, 120_000);
  await waitFor("cart answers on its host", async () => (await getByHost(address, hostOf(cartEndpoint)))?.body === "cart-v1\n" || undefined, 120_000);
  assert.equal((await getByHost(address, "nobody.ecs.us-east-1.on.aws"))?.status, 404);
  await waitFor("shop's task's target healthy by the /health check", async () => {
    const health = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: shopGroups[0] }))).TargetHealthDescriptions!;
    return JSON.stringify(health.map((h) => h.TargetHealth!.State)) === '["healthy"]' || undefined;
  }, 60_000);
  const scaling = await berth.aws("application-autoscaling", "describe-scalable-targets", "--service-namespace", "ecs", "--region", "us-east-1");
  assert.deepEqual(scaling.ScalableTargets.map((t: any) => [t.ResourceId, t.MinCapacity, t.MaxCapacity]).sort(), [["service/default/cart", 1, 20], ["service/default/shop", 1, 2]]);
  await waitFor("the container's output in its own log group", async () => {
    const events = await berth.aws("logs", "filter-log-events", "--log-group-name", "/aws/ecs/default/shop", "--region", "us-east-1").catch(() => undefined);
    return events?.events?.some((e: { message: string }) => e.message === "serving shop-v1") || undefined;
  }, 30_000);

  // The same name again, while it is active: refused.
  await rejects(create("shop", "x"), "InvalidParameterException", /idempotent/);

  // The update starts once the create's deployment is done (a newer one would replace it part-way).
  await waitFor("shop's first deployment COMPLETED", async () => (await describe("shop")).deployments![0]!.rolloutState === "COMPLETED" || undefined, 240_000);
  const updated = (await ecs.send(new UpdateExpressGatewayServiceCommand({ serviceArn: shop.serviceArn, primaryContainer: web("shop-v2"), scalingTarget: { maxTaskCount: 3 } }))).service!;
  assert.equal(updated.status!.statusCode, "ACTIVE");
  assert.equal(updated.targetConfiguration!.scalingTarget!.maxTaskCount, 3);
  assert.notEqual(updated.targetConfiguration!.serviceRevisionArn, config.serviceRevisionArn);
  // The canary: 5% of shop's traffic on the new tasks (ELB weights of a thousand: 0.1% steps are exact), then all of it; cart's rule untouched.
  await waitFor("5% of shop's traffic on the new revision's target group", async () => JSON.stringify(await weights(shopRule, shopGroups)) === "[950,50]" || undefined, 120_000);
  await waitFor("all of shop's traffic on the new revision", async () => JSON.stringify(await weights(shopRule, shopGroups)) === "[0,100]" || undefined, 180_000);
  await waitFor("shop answers with the new revision's page", async () => (await getByHost(address, hostOf(shopEndpoint)))?.body === "shop-v2\n" || undefined, 60_000);
  assert.deepEqual(await weights(cartLb.advancedConfiguration!.productionListenerRule!, cartGroups), [100, 0]);
  assert.equal((await getByHost(address, hostOf(cartEndpoint)))?.body, "cart-v1\n");
  // The deployment through ECS's own API.
  const deployments = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: "default", service: "shop" }))).serviceDeployments!;
  assert.equal(deployments.length, 2, "the create's deployment and the update's");
  const canary = await waitFor("the canary deployment SUCCESSFUL", async () => {
    const d = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [deployments[0]!.serviceDeploymentArn!] }))).serviceDeployments![0]!;
    return d.status === "SUCCESSFUL" ? d : undefined;
  }, 120_000);
  assert.equal(canary.deploymentConfiguration!.strategy, "CANARY");
  assert.equal(canary.targetServiceRevision!.arn, updated.targetConfiguration!.serviceRevisionArn);
  const described = await waitFor("the new configuration alone is active", async () => {
    const s = (await ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: shop.serviceArn }))).service!;
    return (s.activeConfigurations!.length === 1 && s.activeConfigurations![0]!.serviceRevisionArn === updated.targetConfiguration!.serviceRevisionArn && s) || undefined;
  }, 60_000);
  assert.equal(described.tags, undefined, "tags only when include names TAGS");
  assert.equal(described.currentDeployment, deployments[0]!.serviceDeploymentArn);

  // Deleting shop: its rule and target groups go, the load balancer stays for cart, which still answers.
  const deleted = (await ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: shop.serviceArn }))).service!;
  assert.equal(deleted.status!.statusCode, "DRAINING");
  for (const arn of shopGroups) await rejects(elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] })), "TargetGroupNotFoundException");
  await rejects(elb.send(new DescribeRulesCommand({ RuleArns: [shopRule] })), "RuleNotFoundException");
  assert.deepEqual((await expressLbs()).map((l) => l.LoadBalancerArn), [lb.LoadBalancerArn], "the shared load balancer stays while cart uses it");
  assert.equal((await getByHost(address, hostOf(cartEndpoint)))?.body, "cart-v1\n");
  assert.equal((await getByHost(address, hostOf(shopEndpoint)))?.status, 404, "shop's host has no rule any more");
  await waitFor("shop INACTIVE", async () => (await ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: shop.serviceArn }))).service!.status!.statusCode === "INACTIVE" || undefined, 60_000);
  await rejects(ecs.send(new UpdateExpressGatewayServiceCommand({ serviceArn: shop.serviceArn, cpu: "512" })), "ServiceNotActiveException");
  await rejects(ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: shop.serviceArn })), "ServiceNotActiveException");

  // A third service reuses the shared load balancer; then the last ones go, and the load balancer with them.
  const third = (await create("third", "third-v1")).service!;
  assert.equal((await expressLbs()).length, 1, "a new service joins the existing load balancer");
  await ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: third.serviceArn }));
  await ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: cart.serviceArn }));
  assert.deepEqual(await expressLbs(), [], "the load balancer is deleted with its last service");
  assert.deepEqual((await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups, []);
  assert.equal(await getByHost(address, hostOf(cartEndpoint)), undefined, "nothing answers at the load balancer's address any more");
  const gone = await berth.aws("application-autoscaling", "describe-scalable-targets", "--service-namespace", "ecs", "--region", "us-east-1");
  assert.equal(gone.ScalableTargets.length, 0);
  await waitFor("every express service INACTIVE", async () => (await ecs.send(new ListServicesCommand({ cluster: "default" }))).serviceArns!.length === 0 || undefined, 60_000);

  // A plain service of the same name, created afterwards, is not the express service.
  await ecs.send(new CreateServiceCommand({ serviceName: "shop", taskDefinition: "shop", desiredCount: 0, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } }));
  await rejects(ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: shop.serviceArn })), "ResourceNotFoundException");
  await rejects(ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: shop.serviceArn })), "ServiceNotFoundException");
  await ecs.send(new DeleteServiceCommand({ service: "shop", force: true }));
});
