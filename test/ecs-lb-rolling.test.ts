import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand,
  type ContainerDefinition, type ECSClient,
} from "@aws-sdk/client-ecs";
import {
  ElasticLoadBalancingV2Client, CreateListenerCommand, CreateLoadBalancerCommand, CreateRuleCommand, CreateTargetGroupCommand, ModifyTargetGroupAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { boto3Json } from "./boto3.js";
import { httpGet, waitFor } from "./wait.js";

/**
 * The issue's scenario with both kinds of service behind one ALB: an awsvpc Fargate service (IP
 * targets) on the listener's default action and a bridge EC2 service (instance targets, dynamic
 * host ports) behind a path rule. A rolling deployment of the Fargate service under continuous
 * traffic loses no request: every one is answered 200 by the old revision or the new, and once
 * the deployment completes only by the new. boto3 reads the targets' health as a user would.
 */
let berth: BerthProcess;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;

/** busybox httpd on 8080 answering `body` on every path, and "ok" on /health. */
const web = (body: string, extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1,
  entryPoint: ["sh", "-c"],
  command: [`mkdir -p /www/legacy && echo ok > /www/health && echo ${body} > /www/index.html && echo ${body} > /www/legacy/index.html && exec httpd -f -p 8080 -h /www`],
  portMappings: [{ containerPort: 8080, protocol: "tcp" }],
  ...extra,
});

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--instances", "1", "--load-balancer-health-check-speedup", "5"] });
  ecs = berth.ecs();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  await ecs.send(new CreateClusterCommand({ clusterName: "default" }));
});
after(async () => {
  elb?.destroy();
  await berth?.dispose();
});

async function targetGroup(name: string, type: "ip" | "instance"): Promise<string> {
  const arn = (await elb.send(new CreateTargetGroupCommand({
    Name: name, Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: type,
    // Ten failures in a row before a target is unhealthy, and 0.8 s to answer (at the speedup of 5):
    // a machine busy with other work must not fail a healthy busybox httpd, which would take its
    // task out of service (and rightly: that is what ECS does) in the middle of the count.
    HealthCheckPath: "/health", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 4, HealthyThresholdCount: 2, UnhealthyThresholdCount: 10,
  }))).TargetGroups![0]!.TargetGroupArn!;
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "2" }] }));
  return arn;
}

/** Each target group's targets and states, read with boto3. */
async function healthByBoto3(groups: string[]): Promise<Record<string, string[]>> {
  const script = `
import json, sys, boto3
elb = boto3.client("elbv2", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
out = {}
for arn in sys.argv[2:]:
    out[arn] = sorted(d["TargetHealth"]["State"] for d in elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"])
print(json.dumps(out))
`;
  return boto3Json(script, berth.endpoint, ...groups);
}

const describe = async (name: string) => (await ecs.send(new DescribeServicesCommand({ services: [name] }))).services![0]!;

test("a Fargate service and a bridge service behind one ALB; a rolling deployment under traffic loses no request", async () => {
  const revision = async (body: string) => (await ecs.send(new RegisterTaskDefinitionCommand({
    family: "api", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [web(body)],
  }))).taskDefinition!.taskDefinitionArn!;
  const v1 = await revision("v1");
  const v2 = await revision("v2");
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "legacy", networkMode: "bridge", containerDefinitions: [web("legacy", { memory: 32, portMappings: [{ containerPort: 8080, hostPort: 0, protocol: "tcp" }] })],
  }));

  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: "shop", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!;
  const address = lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
  const api = await targetGroup("api", "ip");
  const legacy = await targetGroup("legacy", "instance");
  const listener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn!, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: api }] }))).Listeners![0]!.ListenerArn!;
  await elb.send(new CreateRuleCommand({
    ListenerArn: listener, Priority: 10, Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/legacy/*"] } }], Actions: [{ Type: "forward", TargetGroupArn: legacy }],
  }));

  await ecs.send(new CreateServiceCommand({
    serviceName: "api", taskDefinition: v1, desiredCount: 2, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
    loadBalancers: [{ targetGroupArn: api, containerName: "web", containerPort: 8080 }],
    deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
  }));
  await ecs.send(new CreateServiceCommand({
    serviceName: "legacy", taskDefinition: "legacy", desiredCount: 1, launchType: "EC2",
    loadBalancers: [{ targetGroupArn: legacy, containerName: "web", containerPort: 8080 }],
  }));
  await waitFor("every target healthy", async () => {
    const h = await healthByBoto3([api, legacy]);
    return JSON.stringify(h) === JSON.stringify({ [api]: ["healthy", "healthy"], [legacy]: ["healthy"] });
  }, 90_000);
  await waitFor("api's first deployment completed", async () => (await describe("api")).deployments![0]!.rolloutState === "COMPLETED", 60_000);

  assert.deepEqual(await httpGet(`http://${address}/legacy/`), { status: 200, body: "legacy\n" }, "the path rule reaches the bridge task");
  assert.deepEqual(await httpGet(`http://${address}/`), { status: 200, body: "v1\n" }, "the default action reaches the Fargate tasks");

  // Four clients send requests back to back through the whole deployment; each is counted.
  let sending = true;
  const counts = { v1: 0, v2: 0, legacy: 0 };
  const failures: string[] = [];
  const client = async (path: string) => {
    while (sending) {
      const r = await httpGet(`http://${address}${path}`);
      const body = r?.body.trim();
      if (r?.status === 200 && (body === "v1" || body === "v2" || body === "legacy") && (body === "legacy") === (path === "/legacy/")) counts[body]++;
      else failures.push(`${path}: ${JSON.stringify(r)}`);
    }
  };
  const clients = [client("/"), client("/"), client("/"), client("/legacy/")];

  await ecs.send(new UpdateServiceCommand({ service: "api", taskDefinition: v2 }));
  await waitFor("the deployment to v2 completed", async () => {
    const s = await describe("api");
    return s.deployments!.length === 1 && s.deployments![0]!.taskDefinition === v2 && s.deployments![0]!.rolloutState === "COMPLETED";
  }, 120_000);
  // The old tasks' targets drain (2 s) while the deployment completes; requests keep flowing past it.
  await waitFor("only v2 targets left", async () => JSON.stringify((await healthByBoto3([api]))[api]) === JSON.stringify(["healthy", "healthy"]), 30_000);
  sending = false;
  await Promise.all(clients);

  const total = counts.v1 + counts.v2 + counts.legacy + failures.length;
  if (failures.length > 0) {
    // What the services went through explains the failures (a task replaced, a target drained).
    const events = [...(await describe("api")).events!, ...(await describe("legacy")).events!].map((e) => `${e.createdAt!.toISOString()} ${e.message}`);
    assert.fail(`${failures.length} of ${total} requests failed, first: ${failures.slice(0, 3).join(" | ")}\nservice events:\n${events.sort().join("\n")}`);
  }
  assert.ok(counts.v1 > 0 && counts.v2 > 0 && counts.legacy > 0, `both revisions and the bridge service answered: ${JSON.stringify(counts)}`);
  for (let i = 0; i < 10; i++) assert.deepEqual(await httpGet(`http://${address}/`), { status: 200, body: "v2\n" }, "after the deployment only v2 answers");

  for (const name of ["api", "legacy"]) await ecs.send(new DeleteServiceCommand({ service: name, force: true }));
  for (const name of ["api", "legacy"]) await waitFor(`${name} INACTIVE`, async () => (await describe(name)).status === "INACTIVE", 60_000);
});
