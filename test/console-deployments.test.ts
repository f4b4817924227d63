import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { CreateServiceCommand, DescribeServicesCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand, type ContainerDefinition, type DeploymentConfiguration, type ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";
import { blueGreenAlb, forwardWeights } from "./blue-green-kit.js";
import { launchBrowser, openPage, waitForText } from "./console-kit.js";

/**
 * The service page's deployment timeline for the traffic-shifting strategies other than LINEAR
 * (console-actions.test.ts has that one): a BLUE_GREEN deployment started by the SDK and a CANARY
 * deployment started by the AWS CLI, each followed live by a page opened before it began (the page
 * is never reloaded), in headless Debian chromium against a live Berth. What the page shows is
 * checked against what the SDK reads (the production rule's weights, the deployment's state).
 */
let berth: BerthProcess;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
let browser: Browser;
let page: Page;

/** busybox httpd on 8080 answering `body`, healthy at /health. */
const web = (body: string): ContainerDefinition => ({
  name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1, entryPoint: ["sh", "-c"],
  command: [`mkdir -p /www && echo ok > /www/health && echo ${body} > /www/index.html && exec httpd -f -p 8080 -h /www`],
  portMappings: [{ containerPort: 8080, protocol: "tcp" }],
});

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--instances", "1", "--load-balancer-health-check-speedup", "5"] });
  ecs = berth.ecs();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
});

after(async () => {
  elb?.destroy();
  await browser?.close();
  await berth?.dispose();
});

/** A Fargate service `name` of one task behind a blue/green ALB pair, its first deployment completed; its revisions v1 and v2. */
async function shiftingService(name: string, deploymentConfiguration: DeploymentConfiguration) {
  const revision = async (body: string) => (await ecs.send(new RegisterTaskDefinitionCommand({
    family: name, requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [web(body)],
  }))).taskDefinition!.taskDefinitionArn!;
  const v1 = await revision("v1");
  const v2 = await revision("v2");
  const alb = await blueGreenAlb(elb, name);
  await ecs.send(new CreateServiceCommand({
    cluster: "default", serviceName: name, taskDefinition: v1, desiredCount: 1, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
    loadBalancers: [{ targetGroupArn: alb.blue, containerName: "web", containerPort: 8080, advancedConfiguration: { alternateTargetGroupArn: alb.green, productionListenerRule: alb.production } }],
    deploymentConfiguration,
  }));
  const describe = async () => (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: [name] }))).services![0]!;
  await waitFor(`${name}'s first deployment completed`, async () => (await describe()).deployments![0]!.rolloutState === "COMPLETED" || undefined, 120_000);
  return { ...alb, v1, v2, describe };
}

/** The timeline section's text. */
const timeline = () => page.$eval("#timeline", (el) => (el as unknown as { innerText: string }).innerText);

/** Waits until the timeline lists `steps` in this order after the start of the deployment to `revision`; returns its text. */
const timelineShows = (revision: string, steps: string[], timeoutMs: number) => waitFor(`the timeline's steps ${JSON.stringify(steps)}`, async () => {
  const text = await timeline();
  const start = text.indexOf(`started: ${revision}`);
  if (start < 0) return undefined;
  const at = steps.map((s) => text.indexOf(s, start));
  return at.every((i, n) => i > start && (n === 0 || i > at[n - 1]!)) ? text : undefined;
}, timeoutMs);

test("a BLUE_GREEN deployment started by the SDK: the open service page shows the switch of all production traffic, the bake and the completion", async () => {
  const { blue, green, production, v2, describe } = await shiftingService("bg", { strategy: "BLUE_GREEN", bakeTimeInMinutes: 1 });
  const before = await openPage(page, berth.endpoint, "clusters/default/services/bg", ["Deployment timeline", "started: bg:1, 1 tasks", "Production rule now: bg-blue 100 bg-green 0"]);
  assert.match(before, /Strategy BLUE_GREEN: all production traffic at once, bake time 1 min/);

  await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "bg", taskDefinition: v2 }));
  // All production traffic moves at once when the green task is healthy; the bake (1 min) follows with both revisions up.
  await waitFor("production traffic on green", async () => (await forwardWeights(elb, production))[green] === 100 || undefined, 120_000);
  const primary = (await describe()).deployments!.find((d) => d.status === "PRIMARY")!;
  assert.equal(primary.rolloutState, "IN_PROGRESS", "the bake has not ended yet");
  const during = await waitForText(page, ["100% of production traffic on the new revision", "bg-blue 0 bg-green 100", primary.id!.slice(0, 18)], 60_000);
  assert.match(during, new RegExp(`${primary.id!.slice(0, 18)}\\s+started: bg:2, 1 tasks\\s+PRIMARY IN_PROGRESS`));
  // BLUE_GREEN has no partial step: nothing between 0 and 100 %.
  assert.doesNotMatch(await timeline(), /\b[1-9]\d?(\.\d)?% of production traffic/);

  await waitFor("the deployment to bg:2 completed", async () => {
    const s = await describe();
    return s.deployments!.length === 1 && s.deployments![0]!.taskDefinition === v2 && s.deployments![0]!.rolloutState === "COMPLETED" || undefined;
  }, 180_000);
  assert.deepEqual(await forwardWeights(elb, production), { [blue]: 0, [green]: 100 });
  const done = await timelineShows("bg:2", ["100% of production traffic on the new revision", "deployment completed."], 60_000);
  assert.match(done, new RegExp(`${primary.id!.slice(0, 18)}\\s+started: bg:2, 1 tasks\\s+PRIMARY COMPLETED`));
});

test("a CANARY deployment started by the AWS CLI: the open service page shows the canary's share, then all traffic, then the completion", async () => {
  const { green, production, describe } = await shiftingService("canary", { strategy: "CANARY", bakeTimeInMinutes: 0, canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 1 } });
  const before = await openPage(page, berth.endpoint, "clusters/default/services/canary", ["Deployment timeline", "started: canary:1, 1 tasks", "Production rule now: canary-blue 100 canary-green 0"]);
  assert.match(before, /Strategy CANARY: 20% for 1 min, then all, bake time 0 min/);

  // Debian's AWS CLI (2.9) predates the deployment strategies, but starting a deployment needs none of their fields.
  const updated = await berth.aws("ecs", "update-service", "--cluster", "default", "--service", "canary", "--task-definition", "canary:2");
  const started = updated.service.deployments.find((d: { status: string }) => d.status === "PRIMARY");
  assert.match(started.taskDefinition, /:task-definition\/canary:2$/);
  // 20 % of production traffic for the canary's bake (1 min), then the rest.
  await waitFor("the canary's share on green", async () => (await forwardWeights(elb, production))[green] === 200 || undefined, 120_000);
  const during = await waitForText(page, ["20% of production traffic on the new revision", "canary-blue 800 canary-green 200"], 60_000);
  assert.match(during, new RegExp(`${started.id.slice(0, 18)}\\s+started: canary:2, 1 tasks\\s+PRIMARY IN_PROGRESS`));

  await waitFor("the deployment to canary:2 completed", async () => {
    const s = await describe();
    return s.deployments!.length === 1 && s.deployments![0]!.id === started.id && s.deployments![0]!.rolloutState === "COMPLETED" || undefined;
  }, 180_000);
  const done = await timelineShows("canary:2", ["20% of production traffic on the new revision", "100% of production traffic on the new revision", "deployment completed."], 60_000);
  assert.match(done, new RegExp(`${started.id.slice(0, 18)}\\s+started: canary:2, 1 tasks\\s+PRIMARY COMPLETED`));
  await waitForText(page, ["canary-blue 0 canary-green 100"], 60_000);
});
