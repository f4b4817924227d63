import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, ListServicesCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand,
  type ContainerDefinition, type CreateServiceCommandInput, type ECSClient,
} from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { httpGet, waitFor } from "./wait.js";
import { blueGreenAlb, forwardWeights } from "./blue-green-kit.js";

/**
 * ECS's BLUE_GREEN deployment strategy behind a real ALB: the new (green) tasks start beside the
 * old (blue) ones in the alternate target group, production traffic moves to them all at once
 * when they are healthy (the production listener rule's weights are rewritten), the blue tasks
 * stop after the bake time, and the next deployment uses the two target groups the other way round.
 */
let berth: BerthProcess;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;

/** busybox httpd on 8080 answering `body` on every path. */
const web = (body: string): ContainerDefinition => ({
  name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1,
  entryPoint: ["sh", "-c"],
  command: [`mkdir -p /www && echo ok > /www/health && echo ${body} > /www/index.html && exec httpd -f -p 8080 -h /www`],
  portMappings: [{ containerPort: 8080, protocol: "tcp" }],
});

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--load-balancer-health-check-speedup", "5"] });
  ecs = berth.ecs();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  await ecs.send(new CreateClusterCommand({ clusterName: "default" }));
});
after(async () => {
  elb?.destroy();
  await berth?.dispose();
});

const revision = async (body: string) => (await ecs.send(new RegisterTaskDefinitionCommand({
  family: "shop", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [web(body)],
}))).taskDefinition!.taskDefinitionArn!;

const describe = async (name: string) => (await ecs.send(new DescribeServicesCommand({ services: [name] }))).services![0]!;

const weights = (ruleArn: string) => forwardWeights(elb, ruleArn);
const albPair = async (name: string) => {
  const alb = await blueGreenAlb(elb, name, { testRule: true });
  return { ...alb, testRule: alb.testRule! };
};

const refusal = async (input: CreateServiceCommandInput) => {
  try {
    await ecs.send(new CreateServiceCommand(input));
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  return undefined;
};

test("the deployment strategy fields are validated with ECS's errors, and a refused service is not created", async () => {
  const v1 = await revision("v1");
  const { blue, green, production } = await albPair("checks");
  const base = {
    serviceName: "checked", taskDefinition: v1, desiredCount: 1, launchType: "FARGATE" as const, networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
  };
  const lb = { targetGroupArn: blue, containerName: "web", containerPort: 8080 };

  assert.deepEqual(await refusal({ ...base, deploymentConfiguration: { strategy: "PURPLE" as "ROLLING" } }), {
    name: "InvalidParameterException",
    message: "1 validation error detected: Value 'PURPLE' at 'deploymentConfiguration.strategy' failed to satisfy constraint: Member must satisfy enum value set: [ROLLING, BLUE_GREEN, LINEAR, CANARY]",
  });
  assert.deepEqual(await refusal({ ...base, loadBalancers: [lb], deploymentConfiguration: { strategy: "BLUE_GREEN" } }), {
    name: "ClientException", message: "advancedConfiguration field is required for all loadBalancers when using the blue/green deployment strategy",
  });
  assert.deepEqual(await refusal({ ...base, loadBalancers: [{ ...lb, advancedConfiguration: { alternateTargetGroupArn: green, roleArn: "arn:aws:iam::000000000000:role/ecs-lb" } }], deploymentConfiguration: { strategy: "BLUE_GREEN" } }), {
    name: "InvalidParameterException", message: "productionListenerRule must be specified in advancedConfiguration.",
  });
  const missingGroup = green.replace(/[0-9a-f]{16}$/, "0000000000000000");
  assert.equal((await refusal({ ...base, loadBalancers: [{ ...lb, advancedConfiguration: { alternateTargetGroupArn: missingGroup, productionListenerRule: production } }], deploymentConfiguration: { strategy: "BLUE_GREEN" } }))?.message,
    `Unable to find the target group with targetGroupArn ${missingGroup}.`);
  const missingRule = production.replace(/[0-9a-f]{16}$/, "0000000000000000");
  assert.equal((await refusal({ ...base, loadBalancers: [{ ...lb, advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: missingRule } }], deploymentConfiguration: { strategy: "BLUE_GREEN" } }))?.message,
    `Unable to find the listener rule ${missingRule}.`);
  assert.deepEqual(await refusal({ ...base, loadBalancers: [{ ...lb, advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: production } }], deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 1441 } }), {
    name: "InvalidParameterException", message: "bakeTimeInMinutes must be between 0 and 1440.",
  });
  assert.deepEqual(await refusal({ ...base, loadBalancers: [{ ...lb, advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: production } }] }), {
    name: "InvalidParameterException", message: "advancedConfiguration can only be specified when using the blue/green, linear or canary deployment strategy.",
  });
  assert.deepEqual((await ecs.send(new ListServicesCommand({}))).serviceArns, [], "no refused service was created");
});

test("a BLUE_GREEN deployment under traffic: green starts in the alternate target group, traffic moves at once, blue stops, the groups swap roles", async () => {
  const v1 = await revision("v1");
  const v2 = await revision("v2");
  const v3 = await revision("v3");
  const { address, blue, green, production, testRule } = await albPair("shop");

  await ecs.send(new CreateServiceCommand({
    serviceName: "shop", taskDefinition: v1, desiredCount: 2, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
    loadBalancers: [{ targetGroupArn: blue, containerName: "web", containerPort: 8080, advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: production, testListenerRule: testRule } }],
    deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 0 },
  }));
  const created = await describe("shop");
  assert.equal(created.deploymentConfiguration!.strategy, "BLUE_GREEN");
  assert.equal(created.loadBalancers![0]!.advancedConfiguration!.alternateTargetGroupArn, green);
  await waitFor("the first deployment completed", async () => (await describe("shop")).deployments![0]!.rolloutState === "COMPLETED", 120_000);
  assert.deepEqual(await weights(production), { [blue]: 100, [green]: 0 }, "the first deployment serves from the primary target group");
  assert.deepEqual(await httpGet(`http://${address}/`), { status: 200, body: "v1\n" });

  // Three clients send requests back to back through the deployment; each keeps its own sequence.
  let sending = true;
  const failures: string[] = [];
  const sequences: string[][] = [[], [], []];
  const client = async (seen: string[]) => {
    while (sending) {
      const r = await httpGet(`http://${address}/`);
      const body = r?.body.trim();
      if (r?.status === 200 && (body === "v1" || body === "v2")) {
        if (seen.at(-1) !== body) seen.push(body);
      } else failures.push(JSON.stringify(r));
    }
  };
  const clients = sequences.map(client);

  await ecs.send(new UpdateServiceCommand({ service: "shop", taskDefinition: v2 }));
  // TEST_TRAFFIC_SHIFT comes once green has scaled up, before production traffic moves.
  await waitFor("the test rule sends test traffic to green", async () => (await weights(testRule))[green] === 100 || undefined, 180_000);
  await waitFor("the deployment to v2 completed", async () => {
    const s = await describe("shop");
    return s.deployments!.length === 1 && s.deployments![0]!.taskDefinition === v2 && s.deployments![0]!.rolloutState === "COMPLETED";
  }, 180_000);
  sending = false;
  await Promise.all(clients);

  if (failures.length > 0) {
    const events = (await describe("shop")).events!.map((e) => `${e.createdAt!.toISOString()} ${e.message}`);
    assert.fail(`${failures.length} requests failed, first: ${failures.slice(0, 3).join(" | ")}\nservice events:\n${events.sort().join("\n")}`);
  }
  // Each client saw v1, then v2, and never v1 again: the switch happened at once.
  for (const seen of sequences) assert.deepEqual(seen, ["v1", "v2"]);
  assert.deepEqual(await weights(production), { [blue]: 0, [green]: 100 }, "production traffic goes to the green target group");
  const events = (await describe("shop")).events!.map((e) => e.message!);
  assert.ok(events.some((m) => /registered \d targets? in \(target-group .*shop-green/.test(m)), "green tasks were registered in the alternate target group");
  assert.ok(events.some((m) => m.includes("production traffic shifted")), events.join("\n"));

  // The next deployment goes the other way: green is now production, the new tasks go to blue.
  await ecs.send(new UpdateServiceCommand({ service: "shop", taskDefinition: v3 }));
  await waitFor("the deployment to v3 completed", async () => {
    const s = await describe("shop");
    return s.deployments!.length === 1 && s.deployments![0]!.taskDefinition === v3 && s.deployments![0]!.rolloutState === "COMPLETED";
  }, 180_000);
  assert.deepEqual(await weights(production), { [blue]: 100, [green]: 0 });
  assert.deepEqual(await weights(testRule), { [blue]: 100, [green]: 0 });
  for (let i = 0; i < 5; i++) assert.deepEqual(await httpGet(`http://${address}/`), { status: 200, body: "v3\n" });

  await ecs.send(new DeleteServiceCommand({ service: "shop", force: true }));
  await waitFor("shop INACTIVE", async () => (await describe("shop")).status === "INACTIVE", 60_000);
});

test("a BLUE_GREEN deployment whose green tasks fail during the bake time rolls back: production traffic moves back to blue", async () => {
  const v1 = await revision("v1");
  // v2 serves (and passes its health checks) for 15 seconds, then its essential container exits.
  const v2 = (await ecs.send(new RegisterTaskDefinitionCommand({
    family: "shop", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
    containerDefinitions: [{ ...web("v2"), command: ["mkdir -p /www && echo ok > /www/health && echo v2 > /www/index.html && httpd -p 8080 -h /www && sleep 15 && exit 1"] }],
  }))).taskDefinition!.taskDefinitionArn!;
  const { address, blue, green, production } = await albPair("back");
  await ecs.send(new CreateServiceCommand({
    serviceName: "back", taskDefinition: v1, desiredCount: 2, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
    loadBalancers: [{ targetGroupArn: blue, containerName: "web", containerPort: 8080, advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: production } }],
    // A bake time far longer than the test: only the rollback can end green's deployment.
    deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 60, deploymentCircuitBreaker: { enable: true, rollback: true } },
  }));
  await waitFor("the first deployment completed", async () => (await describe("back")).deployments![0]!.rolloutState === "COMPLETED", 120_000);
  const blueDeployment = (await describe("back")).deployments![0]!.id!;

  await ecs.send(new UpdateServiceCommand({ service: "back", taskDefinition: v2 }));
  await waitFor("production traffic on green", async () => (await weights(production))[green] === 100 || undefined, 120_000);
  assert.deepEqual(await httpGet(`http://${address}/`), { status: 200, body: "v2\n" });

  await waitFor("the rollback to blue completed", async () => {
    const s = await describe("back");
    return s.deployments!.length === 1 && s.deployments![0]!.id === blueDeployment && s.deployments![0]!.rolloutState === "COMPLETED";
  }, 240_000);
  const s = await describe("back");
  assert.equal(s.taskDefinition, v1);
  assert.deepEqual(await weights(production), { [blue]: 100, [green]: 0 }, "production traffic is back on blue");
  const events = s.events!.map((e) => e.message!);
  assert.ok(events.includes(`(service back) rolling back to deployment ${blueDeployment}.`), events.join("\n"));
  for (let i = 0; i < 5; i++) assert.deepEqual(await httpGet(`http://${address}/`), { status: 200, body: "v1\n" });

  await ecs.send(new DeleteServiceCommand({ service: "back", force: true }));
  await waitFor("back INACTIVE", async () => (await describe("back")).status === "INACTIVE", 60_000);
});

test("a LINEAR deployment moves production traffic in steps: half of it to green for the step bake time, then all", async () => {
  const v1 = await revision("v1");
  const v2 = await revision("v2");
  const { address, blue, green, production } = await albPair("steps");
  const base = {
    serviceName: "steps", taskDefinition: v1, desiredCount: 1, launchType: "FARGATE" as const, networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
  };
  const lb = { targetGroupArn: blue, containerName: "web", containerPort: 8080 };
  assert.deepEqual(await refusal({ ...base, loadBalancers: [lb], deploymentConfiguration: { strategy: "LINEAR" } }), {
    name: "ClientException", message: "advancedConfiguration field is required for all loadBalancers when using the linear deployment strategy",
  });
  const advanced = { ...lb, advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: production } };
  assert.deepEqual(await refusal({ ...base, loadBalancers: [advanced], deploymentConfiguration: { strategy: "LINEAR", linearConfiguration: { stepPercent: 2.5 } } }), {
    name: "InvalidParameterException", message: "stepPercent must be a multiple of 0.1 between 3.0 and 100.0.",
  });
  assert.deepEqual(await refusal({ ...base, loadBalancers: [advanced], deploymentConfiguration: { strategy: "CANARY", canaryConfiguration: { canaryPercent: 5.05 } } }), {
    name: "InvalidParameterException", message: "canaryPercent must be a multiple of 0.1 between 0.1 and 100.0.",
  });

  await ecs.send(new CreateServiceCommand({
    ...base, loadBalancers: [advanced], deploymentConfiguration: { strategy: "LINEAR", bakeTimeInMinutes: 0, linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 1 } },
  }));
  assert.deepEqual((await describe("steps")).deploymentConfiguration!.linearConfiguration, { stepPercent: 50, stepBakeTimeInMinutes: 1 });
  await waitFor("the first deployment completed", async () => (await describe("steps")).deployments![0]!.rolloutState === "COMPLETED", 120_000);

  await ecs.send(new UpdateServiceCommand({ service: "steps", taskDefinition: v2 }));
  await waitFor("half of production traffic on green", async () => (await weights(production))[green] === 500 || undefined, 120_000);
  assert.deepEqual(await weights(production), { [blue]: 500, [green]: 500 });
  // During the step both revisions answer production traffic.
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const r = await httpGet(`http://${address}/`);
    assert.equal(r?.status, 200);
    seen.add(r!.body.trim());
  }
  assert.deepEqual([...seen].sort(), ["v1", "v2"]);
  assert.equal((await describe("steps")).deployments!.length, 2, "blue still runs during the step");

  await waitFor("the deployment to v2 completed", async () => {
    const s = await describe("steps");
    return s.deployments!.length === 1 && s.deployments![0]!.taskDefinition === v2 && s.deployments![0]!.rolloutState === "COMPLETED";
  }, 180_000);
  assert.deepEqual(await weights(production), { [blue]: 0, [green]: 100 });
  const events = (await describe("steps")).events!.map((e) => e.message!);
  assert.ok(events.some((m) => m.endsWith("50% of production traffic shifted to the new service revision.")), events.join("\n"));
  for (let i = 0; i < 5; i++) assert.deepEqual(await httpGet(`http://${address}/`), { status: 200, body: "v2\n" });

  await ecs.send(new DeleteServiceCommand({ service: "steps", force: true }));
  await waitFor("steps INACTIVE", async () => (await describe("steps")).status === "INACTIVE", 60_000);
});
