import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "puppeteer-core";
import {
  CreateServiceCommand, DescribeClustersCommand, DescribeServicesCommand, ListTasksCommand, RunTaskCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand, DescribeTasksCommand,
  type ContainerDefinition, type ECSClient,
} from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CreateEventBusCommand, DescribeRuleCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { CreateQueueCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { ApplicationAutoScalingClient, DescribeScalingActivitiesCommand, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { BatchGetImageCommand, CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { httpGet, waitFor } from "./wait.js";
import { blueGreenAlb, forwardWeights } from "./blue-green-kit.js";
import { createRepository, ecr, Oci, registryPassword } from "./registry-kit.js";
import { CONSOLE_DIR } from "../src/console/console-assets.js";
import { clickButton, fill, launchBrowser, openPage, shot, waitForText } from "./console-kit.js";

/**
 * The console's EventBridge and Scheduler pages, the service page's scaling activities, request
 * counts and deployment timeline, and its actions (run task, deploy a revision, delete an image),
 * in headless Debian chromium against a live Berth. Everything shown is created through the SDK
 * first; every action is checked through the SDK afterwards.
 */
const region = "us-east-1";
const ACCOUNT = "000000000000";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const client = { region, credentials, maxAttempts: 1 };
let berth: BerthProcess;
let ecs: ECSClient;
let browser: Browser;
let page: Page;

const open = (hash: string, texts: string[]) => openPage(page, berth.endpoint, hash, texts);
const idOf = (arn: string) => arn.split("/").pop()!;

const sleeper = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: "app", image: TEST_IMAGE, memory: 16, essential: true, stopTimeout: 1, command: ["sleep", "600"], ...extra,
});

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({
    args: ["--instances", "1", "--instance-cpu", "4096", "--instance-memory", "2048", "--metrics-interval-seconds", "2", "--load-balancer-health-check-speedup", "5"],
  });
  ecs = berth.ecs();
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
});

after(async () => {
  await browser?.close();
  await berth?.dispose();
});

test("the console's bundle, every chunk of it, stays under 300 KB gzipped; the first page's HTML preloads the entry's chunks", async () => {
  // The build's own compressed copies (name.br, name.gz) are encodings of these files, not more of the bundle.
  const files = readdirSync(CONSOLE_DIR).filter((f) => !f.endsWith(".br") && !f.endsWith(".gz"));
  const gzipped = files.reduce((n, f) => n + gzipSync(readFileSync(join(CONSOLE_DIR, f)), { level: 9 }).length, 0);
  assert.ok(gzipped < 300 * 1024, `${(gzipped / 1024).toFixed(1)} KB gzipped`);
  const html = await (await fetch(`${berth.endpoint}/`, { headers: { accept: "text/html" } })).text();
  const preloads = [...html.matchAll(/<link rel="modulepreload" href="\/console\/(chunk-[A-Z0-9]+\.js)">/g)].map((m) => m[1]!);
  assert.ok(preloads.length > 0, html);
  for (const chunk of preloads) assert.ok(files.includes(chunk), chunk);
  for (const chunk of preloads) assert.equal((await fetch(`${berth.endpoint}/console/${chunk}`)).status, 200);
});

test("EventBridge: buses and rules with pattern, schedule, state and targets; the console disables and enables a rule", async () => {
  const events = new EventBridgeClient({ endpoint: berth.endpoint, ...client });
  const sqs = new SQSClient({ endpoint: berth.endpoint, ...client });
  await sqs.send(new CreateQueueCommand({ QueueName: "console-orders" }));
  const queueArn = `arn:aws:sqs:${region}:${ACCOUNT}:console-orders`;
  await events.send(new CreateEventBusCommand({ Name: "orders", Description: "orders from the shop" }));
  await events.send(new PutRuleCommand({ Name: "big-orders", EventBusName: "orders", EventPattern: JSON.stringify({ source: ["shop"], detail: { total: [{ numeric: [">", 100] }] } }), Description: "orders over 100" }));
  await events.send(new PutTargetsCommand({ Rule: "big-orders", EventBusName: "orders", Targets: [{ Id: "queue", Arn: queueArn, RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 } }] }));
  await events.send(new PutRuleCommand({ Name: "every-hour", ScheduleExpression: "rate(1 hour)", State: "DISABLED" }));

  const list = await open("events", ["Event bus orders (1 rules)", "Event bus default (1 rules)", "big-orders", "every-hour"]);
  assert.match(list, /every-hour\s+DISABLED\s+rate\(1 hour\)/);
  assert.match(list, /big-orders\s+ENABLED\s+\{"source":\["shop"\]/);

  // The rule's page, reached by its link.
  await page.click(`a[href="#/events/orders/big-orders"]`);
  const rule = await waitForText(page, ["Event pattern", "Targets (1)", queueArn]);
  assert.match(rule, /"numeric": \[\s+">",\s+100\s+\]/, "the pattern is shown as JSON, indented");
  assert.match(rule, /queue\s+arn:aws:sqs:us-east-1:000000000000:console-orders\s+the matched event\s+3 attempts, 600 s/);
  await shot(page, "event-rule");

  const state = async () => (await events.send(new DescribeRuleCommand({ Name: "big-orders", EventBusName: "orders" }))).State;
  await clickButton(page, "Disable rule");
  await waitFor("the rule disabled", async () => (await state()) === "DISABLED" || undefined);
  await waitForText(page, ["Enable rule", "DISABLED"]);
  await clickButton(page, "Enable rule");
  await waitFor("the rule enabled", async () => (await state()) === "ENABLED" || undefined);
  await waitForText(page, ["Disable rule", "ENABLED"]);

  // Recent matched events (Berth's own endpoint; EventBridge has no API for them): a PutEvents that
  // matches appears on the open page with each target's outcome, one that does not match does not.
  await waitForText(page, ["Recent matched events", "No event has matched this rule lately."]);
  const missing = `arn:aws:sqs:${region}:${ACCOUNT}:console-no-such-queue`;
  await events.send(new PutTargetsCommand({ Rule: "big-orders", EventBusName: "orders", Targets: [{ Id: "nowhere", Arn: missing, RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } }] }));
  const put = async (total: number) => (await events.send(new PutEventsCommand({ Entries: [{ EventBusName: "orders", Source: "shop", DetailType: "Order Placed", Detail: JSON.stringify({ total, card: "4111-secret" }) }] }))).Entries![0]!.EventId!;
  const small = await put(50);
  const big = await put(150);
  const received = await waitFor("the matched event in the queue", async () => {
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: "console-orders" }))).QueueUrl!;
    const m = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }))).Messages?.[0];
    return m ? (JSON.parse(m.Body!) as { id: string }) : undefined;
  });
  assert.equal(received.id, big);
  const activity = await waitForText(page, [big.slice(0, 8), "DELIVERED", "FAILED"], 30_000);
  const rows = await page.$$eval("#activity tbody tr", (trs) => trs.map((tr) => (tr as unknown as { innerText: string }).innerText));
  assert.equal(rows.length, 2, rows.join("\n"));
  assert.match(rows.find((r) => r.includes("\tqueue"))!, new RegExp(`${big.slice(0, 8)}\\s+shop\\s+Order Placed\\s+queue\\s+DELIVERED\\s+1`));
  assert.match(rows.find((r) => r.includes("nowhere"))!, new RegExp(`${big.slice(0, 8)}\\s+shop\\s+Order Placed\\s+nowhere\\s+FAILED\\s+1\\s+\\S`));
  assert.ok(!activity.includes(small.slice(0, 8)), "the event that did not match is not shown");
  assert.ok(!activity.includes("4111-secret"), "the event's detail is not shown");
  // The target goes (the page's Targets (1) is true again); its delivery stays in the rule's history.
  await events.send(new RemoveTargetsCommand({ Rule: "big-orders", EventBusName: "orders", Ids: ["nowhere"] }));
  await page.$eval("#activity", (el) => (el as unknown as { scrollIntoView(): void }).scrollIntoView());
  await shot(page, "event-rule-activity");
  // The endpoint itself: the rule by ARN; bad input is an AWS-shaped error.
  const ruleArn = `arn:aws:events:${region}:${ACCOUNT}:rule/orders/big-orders`;
  const direct = await (await fetch(`${berth.endpoint}/_berth/events/rule-activity?rule=${encodeURIComponent(ruleArn)}`)).json() as { activity: Array<{ eventId: string; deliveries: Array<{ targetId: string; status: string }> }> };
  assert.deepEqual(direct.activity.map((a) => [a.eventId, a.deliveries.map((d) => `${d.targetId} ${d.status}`)]), [[big, ["queue DELIVERED", "nowhere FAILED"]]]);
  assert.ok(!JSON.stringify(direct).includes("4111-secret"));
  const bad = await fetch(`${berth.endpoint}/_berth/events/rule-activity?rule=big-orders`);
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { __type: string }).__type, "ValidationException");
  const unknown = await fetch(`${berth.endpoint}/_berth/events/rule-activity?rule=${encodeURIComponent(`${ruleArn}-not`)}`);
  assert.equal(((await unknown.json()) as { __type: string }).__type, "ResourceNotFoundException");

  // A schedule rule's page shows its expression; a rule that does not exist is the API's error.
  await open("events/default/every-hour", ["rate(1 hour)", "No targets"]);
  await open("events/default/nothing-here", ["ResourceNotFoundException", "Rule nothing-here does not exist on EventBus default."]);
  // A service or task that does not exist says so (DescribeServices and DescribeTasks answer with failures, not an error).
  await open("clusters/default/services/nothing-here", ["ServiceNotFoundException: no service nothing-here in cluster default."]);
  await open("clusters/default/tasks/0123456789abcdef0123456789abcdef", ["No task 0123456789abcdef0123456789abcdef in cluster default."]);
  events.destroy();
  sqs.destroy();
});

test("EventBridge Scheduler: the schedules page shows each schedule's expression, time zone, window and target", async () => {
  const scheduler = new SchedulerClient({ endpoint: berth.endpoint, ...client });
  const role = `arn:aws:iam::${ACCOUNT}:role/scheduler`;
  await scheduler.send(new CreateScheduleCommand({
    Name: "nightly-report", ScheduleExpression: "cron(0 2 * * ? *)", ScheduleExpressionTimezone: "Europe/Paris", FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 },
    Target: { Arn: `arn:aws:sqs:${region}:${ACCOUNT}:console-orders`, RoleArn: role, Input: "{}" },
  }));
  await scheduler.send(new CreateScheduleCommand({
    Name: "paused", ScheduleExpression: "rate(5 minutes)", State: "DISABLED", FlexibleTimeWindow: { Mode: "OFF" },
    Target: { Arn: `arn:aws:ecs:${region}:${ACCOUNT}:cluster/default`, RoleArn: role, EcsParameters: { TaskDefinitionArn: `arn:aws:ecs:${region}:${ACCOUNT}:task-definition/once:1` } },
  }));
  const text = await open("schedules", ["2 schedules", "nightly-report", "paused"]);
  assert.match(text, /nightly-report\s+default\s+ENABLED\s+cron\(0 2 \* \* \? \*\)\s+Europe\/Paris\s+15 min\s+arn:aws:sqs:us-east-1:000000000000:console-orders/);
  assert.match(text, /paused\s+default\s+DISABLED\s+rate\(5 minutes\)\s+UTC\s+off\s+arn:aws:ecs:us-east-1:000000000000:cluster\/default/);
  await shot(page, "schedules");
  scheduler.destroy();
});

test("run task from the cluster page: task definition, count and launch type, as RunTask", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "batch", networkMode: "bridge", containerDefinitions: [sleeper()] }));
  const running = async () => (await ecs.send(new ListTasksCommand({ cluster: "default", family: "batch", desiredStatus: "RUNNING" }))).taskArns ?? [];
  assert.deepEqual(await running(), []);
  await open("clusters/default", ["Run task", "Tasks (0)"]);
  await fill(page, "form.run-task input[name=taskDefinition]", "batch:1");
  await fill(page, "form.run-task input[name=count]", "2");
  await page.select("form.run-task select[name=launchType]", "EC2");
  await page.click("form.run-task button[type=submit]");
  const started = await waitForText(page, ["Started 2:"]);
  const arns = await waitFor("two batch tasks", async () => ((await running()).length === 2 ? running() : undefined));
  for (const arn of arns) assert.ok(started.includes(idOf(arn).slice(0, 12)), `the page names task ${idOf(arn)}`);
  const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: "default", tasks: arns }));
  for (const t of tasks!) {
    assert.equal(t.launchType, "EC2");
    assert.equal(t.taskDefinitionArn, `arn:aws:ecs:${region}:${ACCOUNT}:task-definition/batch:1`);
  }
  await waitForText(page, ["Tasks (2)"]);
  await shot(page, "cluster-run-task");

  // A refusal is RunTask's own error, and starts nothing.
  await fill(page, "form.run-task input[name=taskDefinition]", "no-such-family:7");
  await fill(page, "form.run-task input[name=count]", "1");
  await page.click("form.run-task button[type=submit]");
  await waitForText(page, ["ClientException", "TaskDefinition not found."]);
  assert.equal((await running()).length, 2);
});

test("a service's task definition revision changes from its page (UpdateService), and the deployment shows up", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "api", networkMode: "bridge", containerDefinitions: [sleeper()] }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "api", networkMode: "bridge", containerDefinitions: [sleeper({ environment: [{ name: "V", value: "2" }] })] }));
  await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "api", taskDefinition: "api:1", desiredCount: 1 }));
  await open("clusters/default/services/api", ["Task definition", "Deployment timeline", "started: api:1, 1 tasks"]);
  // The family's revisions come from ListTaskDefinitions.
  const options = () => page.$$eval(".service-actions select[name=taskDefinition] option", (els) => els.map((o) => (o as unknown as { value: string }).value));
  await waitFor("the revisions listed", async () => (await options()).includes("api:2") || undefined);
  assert.deepEqual(await options(), ["api:2", "api:1"], "newest first");
  const selected = () => page.$eval(".service-actions select[name=taskDefinition]", (el) => (el as unknown as { value: string }).value);
  assert.equal(await selected(), "api:1");
  await page.select(".service-actions select[name=taskDefinition]", "api:2");
  await page.click(".service-actions form.revision button[type=submit]");
  const updated = await waitFor("api on api:2", async () => {
    const s = (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["api"] }))).services![0]!;
    return s.taskDefinition!.endsWith("task-definition/api:2") ? s : undefined;
  });
  const primary = updated.deployments!.find((d) => d.status === "PRIMARY")!;
  assert.ok(primary.taskDefinition!.endsWith(":api:2") || primary.taskDefinition!.endsWith("/api:2"));
  await waitForText(page, [primary.id!.slice(0, 18), "started: api:2, 1 tasks"]);
  assert.equal(await selected(), "api:2", "the current revision is now api:2");
});

test("an image is deleted from its page after a confirm step (BatchDeleteImage)", async () => {
  await createRepository(berth, { repositoryName: "console/shop" });
  const oci = new Oci(berth.endpoint, await registryPassword(berth));
  const kept = await oci.pushImage("console/shop", "v1");
  const doomed = await oci.pushImage("console/shop", "v2");
  await open(`ecr/console%2Fshop/${encodeURIComponent(doomed.digest)}`, ["Delete image", "v2"]);
  await clickButton(page, "Delete image");
  const confirm = await waitForText(page, ["This cannot be undone", "Yes, delete"]);
  assert.ok(confirm.includes(`Delete console/shop@${doomed.digest.slice(0, 19)} and its tags v2?`), confirm);
  await shot(page, "image-delete-confirm");
  // Cancel deletes nothing.
  await clickButton(page, "Cancel");
  await waitForText(page, ["Delete image"]);
  const present = async (digest: string) => ((await ecr(berth).send(new BatchGetImageCommand({ repositoryName: "console/shop", imageIds: [{ imageDigest: digest }] }))).images ?? []).length === 1;
  assert.equal(await present(doomed.digest), true);
  await clickButton(page, "Delete image");
  await clickButton(page, "Yes, delete");
  // Back on the repository's page, with the other image only.
  await waitForText(page, ["1 images", "v1"]);
  assert.equal(await present(doomed.digest), false, "the image is gone");
  assert.equal(await present(kept.digest), true, "the other image stays");
});

test("a long list shows its first 100 rows until asked for all of them", async () => {
  await createRepository(berth, { repositoryName: "console/many" });
  const oci = new Oci(berth.endpoint, await registryPassword(berth));
  for (let i = 0; i < 101; i++) await oci.pushImage("console/many", `t${i}`);
  await open("ecr/console%2Fmany", ["101 images", "Show all 101 (first 100 shown)"]);
  const rows = () => page.$$eval("main tbody tr", (trs) => trs.length);
  assert.equal(await rows(), 100);
  await clickButton(page, "Show all 101");
  await waitFor("101 rows", async () => (await rows()) === 101 || undefined);
  assert.equal(await page.$(".more"), null, "the button goes once every row is shown");
});

/** busybox httpd on 8080 answering `body`. */
const web = (body: string): ContainerDefinition => ({
  name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1, entryPoint: ["sh", "-c"],
  command: [`mkdir -p /www && echo ok > /www/health && echo ${body} > /www/index.html && exec httpd -f -p 8080 -h /www`],
  portMappings: [{ containerPort: 8080, protocol: "tcp" }],
});

test("a LINEAR deployment behind an ALB: scaling activities, request counts and the traffic-shift timeline on the service page", async () => {
  const elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, ...client });
  const aas = new ApplicationAutoScalingClient({ endpoint: berth.endpoint, ...client });
  const cw = new CloudWatchClient({ endpoint: berth.endpoint, ...client });
  const revision = async (body: string) => (await ecs.send(new RegisterTaskDefinitionCommand({
    family: "shop", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [web(body)],
  }))).taskDefinition!.taskDefinitionArn!;
  const v1 = await revision("v1");
  const v2 = await revision("v2");
  const { address, blue, green, production } = await blueGreenAlb(elb, "shop");
  const weights = () => forwardWeights(elb, production);
  const describe = async () => (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["shop"] }))).services![0]!;

  await ecs.send(new CreateServiceCommand({
    cluster: "default", serviceName: "shop", taskDefinition: v1, desiredCount: 1, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
    loadBalancers: [{ targetGroupArn: blue, containerName: "web", containerPort: 8080, advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: production } }],
    deploymentConfiguration: { strategy: "LINEAR", bakeTimeInMinutes: 0, linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 1 } },
  }));
  await waitFor("the first deployment completed", async () => (await describe()).deployments![0]!.rolloutState === "COMPLETED" || undefined, 120_000);

  // A scalable target whose minimum is above the desired count: Application Auto Scaling sets it to 2.
  await aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: "ecs", ResourceId: "service/default/shop", ScalableDimension: "ecs:service:DesiredCount", MinCapacity: 2, MaxCapacity: 4 }));
  const [activity] = (await aas.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: "ecs", ResourceId: "service/default/shop" }))).ScalingActivities!;
  assert.equal(activity!.Description, "Setting desired count to 2.");
  await waitFor("two healthy shop tasks", async () => {
    const s = await describe();
    return s.runningCount === 2 && s.deployments!.length === 1 && s.deployments![0]!.rolloutState === "COMPLETED" || undefined;
  }, 120_000);

  // Requests through the load balancer become AWS/ApplicationELB RequestCount of the blue group.
  const SENT = 24;
  await waitFor("the load balancer answers", async () => (await httpGet(`http://${address}/`))?.body === "v1\n" || undefined, 60_000);
  for (let i = 1; i < SENT; i++) assert.equal((await httpGet(`http://${address}/`))?.status, 200);
  const requestSum = async () => {
    const end = new Date();
    const r = await cw.send(new GetMetricDataCommand({
      StartTime: new Date(end.getTime() - 3600_000), EndTime: end,
      MetricDataQueries: [{ Id: "r", MetricStat: { Metric: { Namespace: "AWS/ApplicationELB", MetricName: "RequestCount", Dimensions: [{ Name: "TargetGroup", Value: blue.slice(blue.indexOf(":targetgroup/") + 1) }] }, Period: 60, Stat: "Sum" } }],
    }));
    return (r.MetricDataResults![0]!.Values ?? []).reduce((a, v) => a + v, 0);
  };
  await waitFor(`RequestCount ${SENT}`, async () => (await requestSum()) === SENT || undefined, 60_000);

  const text = await open("clusters/default/services/shop", ["Scaling activities", "Setting desired count to 2.", "minimum capacity was set to 2", `${SENT} requests in the last hour`, "Requests"]);
  assert.match(text, /Successful\s+Setting desired count to 2\./);
  assert.match(text, /Strategy LINEAR: 50% a step, 1 min a step, bake time 0 min/);
  assert.match(text, /Production rule now: shop-blue 100 shop-green 0/);
  // The activity is marked on both charts (the canvas's marker is named in the chart's label).
  const labels = await page.$$eval(".chart", (els) => els.map((e) => (e as unknown as { getAttribute(n: string): string }).getAttribute("aria-label")));
  assert.equal(labels.filter((l) => l.includes("1 marked: → 2")).length, 2, labels.join("\n"));
  assert.ok(labels.some((l) => l.startsWith("Requests") && l.includes("shop-blue requests") && l.includes("shop-green per target")), labels.join("\n"));

  // The deployment to v2 moves production traffic in two steps; the page follows without a reload.
  await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "shop", taskDefinition: v2 }));
  await waitFor("half of production traffic on green", async () => (await weights())[green] === 500 || undefined, 120_000);
  const half = (await describe()).deployments!.find((d) => d.status === "PRIMARY")!;
  const during = await waitForText(page, ["50% of production traffic on the new revision", "shop-blue 500 shop-green 500", half.id!.slice(0, 18)], 90_000);
  assert.match(during, new RegExp(`${half.id!.slice(0, 18)}\\s+started: shop:2, 2 tasks\\s+PRIMARY IN_PROGRESS`));
  await page.$eval("#timeline", (el) => (el as unknown as { scrollIntoView(): void }).scrollIntoView());
  await shot(page, "deployment-timeline");
  await waitFor("the deployment to v2 completed", async () => {
    const s = await describe();
    return s.deployments!.length === 1 && s.deployments![0]!.taskDefinition === v2 && s.deployments![0]!.rolloutState === "COMPLETED" || undefined;
  }, 180_000);
  assert.deepEqual(await weights(), { [blue]: 0, [green]: 100 });
  await waitForText(page, ["100% of production traffic on the new revision", "shop-blue 0 shop-green 100", "shop-green → web:8080"], 60_000);
  const timeline = () => page.$eval("#timeline", (el) => (el as unknown as { innerText: string }).innerText);
  // Oldest first: the start, 50 %, 100 %, completion (the page shows the completion once its next read comes).
  const done = await waitFor("v2's completion on the timeline", async () => {
    const text = await timeline();
    return text.lastIndexOf("deployment completed.") > text.indexOf("started: shop:2") ? text : undefined;
  }, 60_000);
  const order = ["started: shop:2", "50% of production traffic", "100% of production traffic", "deployment completed."].map((s) => done.lastIndexOf(s));
  assert.deepEqual([...order].sort((a, b) => a - b), order, done);
  elb.destroy();
  aas.destroy();
  cw.destroy();
});

test("a cluster with more than 100 tasks: one ListTasks page of each kind, running first, DescribeClusters' counts, and all of them when asked", async () => {
  // 101 tasks that stop without a container: their image is not in Berth's registry (the pull fails on loopback).
  const repo = (await ecr(berth).send(new CreateRepositoryCommand({ repositoryName: "console/absent" }))).repository!;
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "absent", networkMode: "bridge", containerDefinitions: [{ name: "app", image: `${repo.repositoryUri}:nothing`, memory: 8 }] }));
  for (let left = 101; left > 0; left -= 10) await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "absent", count: Math.min(10, left) }));
  const list = async (desiredStatus: "RUNNING" | "STOPPED") => {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const r = await ecs.send(new ListTasksCommand({ cluster: "default", desiredStatus, nextToken }));
      arns.push(...(r.taskArns ?? []));
      nextToken = r.nextToken;
    } while (nextToken);
    return arns;
  };
  await waitFor("101 stopped tasks", async () => (await list("STOPPED")).length >= 101 || undefined, 120_000);
  await open("clusters/default", ["first 100 shown)"]);
  const tableText = () => page.$eval("#tasks", (el) => (el as unknown as { innerText: string }).innerText);
  const rows = () => page.$$eval("#tasks tbody tr", (trs) => trs.length);
  // The title's counts are DescribeClusters' (the page follows them as tasks change).
  await waitFor("the cluster's counts in the tasks' title", async () => {
    const c = (await ecs.send(new DescribeClustersCommand({ clusters: ["default"] }))).clusters![0]!;
    return (await tableText()).includes(`Tasks (${c.runningTasksCount} running, ${c.pendingTasksCount} pending; first 100 shown)`) || undefined;
  }, 60_000);
  assert.equal(await rows(), 100);
  // Running tasks come first: every RUNNING row before every STOPPED one, all of them there.
  const desired = await page.$$eval("#tasks tbody tr td:nth-child(3)", (tds) => tds.map((td) => (td as unknown as { textContent: string }).textContent));
  const running = (await list("RUNNING")).length;
  assert.deepEqual(desired, [...Array(running).fill("RUNNING"), ...Array(100 - running).fill("STOPPED")]);
  await clickButton(page, "Show all");
  await waitFor("every task listed", async () => {
    const total = (await list("RUNNING")).length + (await list("STOPPED")).length;
    return ((await tableText()).includes(`Tasks (${total})`) && (await rows()) === total) || undefined;
  }, 60_000);
  assert.equal(await page.$("#tasks .more"), null, "the button goes once every task is listed");
});
