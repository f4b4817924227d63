import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http, { type IncomingMessage } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { request } from "undici";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import type { Browser, Page } from "puppeteer-core";
import {
  CreateServiceCommand, DescribeClustersCommand, DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
  UpdateServiceCommand, type ContainerDefinition, type ECSClient,
} from "@aws-sdk/client-ecs";
import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CreateClusterCommand, ECSClient as EcsClient } from "@aws-sdk/client-ecs";
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import { EventBridgeClient, PutEventsCommand, PutRuleCommand } from "@aws-sdk/client-eventbridge";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask } from "./wait.js";
import { createRepository, Oci, registryPassword } from "./registry-kit.js";
import { fill, launchBrowser, load, openPage, shot, waitForText } from "./console-kit.js";

const region = "us-east-1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
let berth: BerthProcess;
let ecs: ECSClient;
let browser: Browser;
let page: Page;

const container = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: "app", image: TEST_IMAGE, memory: 32, essential: true, stopTimeout: 1, command: ["sleep", "600"],
  healthCheck: { command: ["CMD-SHELL", "true"], interval: 5, timeout: 2, retries: 1 },
  ...extra,
});

const open = (p: Page, hash: string, texts: string[]) => openPage(p, berth.endpoint, hash, texts);

const idOf = (arn: string) => arn.split("/").pop()!;

/** GET /_berth/events signed with SigV4 as the console signs it; resolves once the stream's headers arrive. */
async function openEvents(endpoint: string, creds: { accessKeyId: string; secretAccessKey: string }): Promise<IncomingMessage> {
  const url = new URL("/_berth/events", endpoint);
  const signer = new SignatureV4({ credentials: creds, region, service: "berth", sha256: Sha256 });
  const signed = await signer.sign({ method: "GET", protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host } });
  return new Promise((resolve, reject) => http.get(url, { headers: signed.headers, agent: false }, resolve).on("error", reject));
}

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--instances", "1", "--instance-cpu", "2048", "--instance-memory", "1024"] });
  ecs = berth.ecs();
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on("dialog", (d) => void d.accept());
  const logs = { logDriver: "awslogs" as const, options: { "awslogs-group": "/ecs/console", "awslogs-stream-prefix": "web", "awslogs-create-group": "true", "awslogs-region": region } };
  // Secrets need an execution role at registration, as on ECS (nothing assumes it with enforcement off).
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "web", networkMode: "bridge", executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole",
    containerDefinitions: [container({ logConfiguration: logs, secrets: [{ name: "DB_PASSWORD", valueFrom: "arn:aws:ssm:us-east-1:000000000000:parameter/not-a-value-shown" }] })],
  }));
  // web:2 is web:1 without the secret (so its tasks start); web:3 only differs by its environment.
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", networkMode: "bridge", containerDefinitions: [container({ logConfiguration: logs })] }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", networkMode: "bridge", containerDefinitions: [container({ logConfiguration: logs, environment: [{ name: "V", value: "3" }] })] }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "once", networkMode: "bridge",
    containerDefinitions: [container({ command: ["sh", "-c", "echo hello from the console test; exit 3"], healthCheck: undefined, logConfiguration: logs })],
  }));
});

after(async () => {
  await browser?.close();
  await berth?.dispose();
});

test("GET / serves the console to browsers only; AWS calls at / answer as before", async () => {
  const html = await fetch(`${berth.endpoint}/`, { headers: { accept: "text/html,application/xhtml+xml" } });
  assert.equal(html.status, 200);
  assert.match(html.headers.get("content-type")!, /^text\/html/);
  assert.match(html.headers.get("content-security-policy")!, /default-src 'none'; script-src 'self'/);
  const body = await html.text();
  const script = /src="(\/console\/app-[A-Z0-9]+\.js)"/.exec(body)?.[1];
  assert.ok(script, body);
  const asset = await fetch(berth.endpoint + script);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get("cache-control")!, /immutable/);
  assert.equal((await fetch(`${berth.endpoint}/console/nothing.js`)).status, 404);
  // Compressed at build time, sent as the browser accepts: brotli, else gzip, else as built.
  const plain = await request(berth.endpoint + script, { headers: { "accept-encoding": "identity" } });
  assert.equal(plain.headers["content-encoding"], undefined);
  const original = Buffer.from(await plain.body.arrayBuffer());
  const br = await request(berth.endpoint + script, { headers: { "accept-encoding": "gzip, deflate, br" } });
  assert.equal(br.headers["content-encoding"], "br");
  assert.equal(br.headers.vary, "accept-encoding");
  assert.deepEqual(brotliDecompressSync(Buffer.from(await br.body.arrayBuffer())), original);
  const gz = await request(berth.endpoint + script, { headers: { "accept-encoding": "gzip, br;q=0" } });
  assert.equal(gz.headers["content-encoding"], "gzip");
  assert.deepEqual(gunzipSync(Buffer.from(await gz.body.arrayBuffer())), original);
  // The compressed copies are not files of their own.
  assert.equal((await fetch(`${berth.endpoint}${script}.br`)).status, 404);
  // A client that does not ask for HTML gets the API's answer, as before the console.
  const api = await fetch(`${berth.endpoint}/`);
  assert.equal(api.status, 404);
  assert.deepEqual(await api.json(), { __type: "UnknownOperationException", message: "No route for GET /." });
  // A GET with an Action is an AWS call, whatever it accepts.
  const query = await fetch(`${berth.endpoint}/?Action=GetCallerIdentity&Version=2011-06-15`, { headers: { accept: "text/html" } });
  assert.match(await query.text(), /<GetCallerIdentityResponse/);
});

test("the clusters page and a cluster's page show what the API says", async () => {
  await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "web", taskDefinition: "web:2", desiredCount: 2 }));
  const running = await waitFor("two running tasks", async () => {
    const arns = (await ecs.send(new ListTasksCommand({ cluster: "default", serviceName: "web", desiredStatus: "RUNNING" }))).taskArns ?? [];
    if (arns.length < 2) return undefined;
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: "default", tasks: arns }));
    return tasks!.every((t) => t.lastStatus === "RUNNING") ? tasks! : undefined;
  });
  const [cluster] = (await ecs.send(new DescribeClustersCommand({ clusters: ["default"] }))).clusters!;
  const list = await open(page, "clusters", ["default"]);
  assert.match(list, new RegExp(`default\\s+ACTIVE\\s+${cluster!.activeServicesCount}\\s+${cluster!.runningTasksCount}\\s+${cluster!.pendingTasksCount}\\s+${cluster!.registeredContainerInstancesCount}`));
  await shot(page, "clusters");
  const text = await open(page, "clusters/default", ["web", ...running.map((t) => idOf(t.taskArn!).slice(0, 12))]);
  assert.match(text, /Services \(1\)/);
  assert.match(text, /Container instances \(1\)/);
  // Each task's start, in the browser's time zone (this machine's, as Node's), to the second.
  const two = (n: number) => String(n).padStart(2, "0");
  for (const { startedAt: d } of running) {
    const shown = `${d!.getFullYear()}-${two(d!.getMonth() + 1)}-${two(d!.getDate())} ${two(d!.getHours())}:${two(d!.getMinutes())}:${two(d!.getSeconds())}`;
    assert.ok(text.includes(shown), `${shown} in ${text}`);
  }
  // Links are real links: the service's name takes the keyboard (and a click) to its page.
  await page.click(`a[href="#/clusters/default/services/web"]`);
  await waitForText(page, ["Deployments", "web:2"]);
});

test("a service's page: deployments, tasks and events as DescribeServices has them; a deployment started by the SDK appears live", async () => {
  const service = (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["web"] }))).services![0]!;
  const text = await open(page, "clusters/default/services/web", ["Deployments", service.deployments![0]!.id!.slice(0, 18), "CPU and memory utilization"]);
  assert.match(text, new RegExp(`desired ${service.desiredCount}, running ${service.runningCount}`));
  assert.ok(text.includes(service.events![0]!.message!), "the latest event is shown");
  await shot(page, "service");
  // Nothing reloads the page: the new deployment shows up through the event stream, which
  // announces the new deployment's tasks as they start.
  const stream = await openEvents(berth.endpoint, credentials);
  let received = "";
  stream.setEncoding("utf8").on("data", (chunk: string) => (received += chunk));
  await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "web", taskDefinition: "web:3" }));
  const updated = (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["web"] }))).services![0]!;
  const primary = updated.deployments!.find((d) => d.status === "PRIMARY")!;
  assert.equal(primary.taskDefinition!.split("/").pop(), "web:3");
  await waitForText(page, [primary.id!.slice(0, 18), "web:3", "ACTIVE"]);
  assert.equal(await page.$eval(".live", (el) => (el as unknown as { textContent: string }).textContent), "● live", "changes come over /_berth/events");
  await waitFor("a task event", async () => /event: task\ndata: \{"taskArn":"arn:aws:ecs:us-east-1:\d{12}:task\/default\/[0-9a-f]{32}","lastStatus":"[A-Z]+"/.test(received) || undefined);
  stream.destroy();
  // ... and progresses: the rollout completes, the old deployment goes.
  await waitFor("rollout completed", async () => {
    const s = (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["web"] }))).services![0]!;
    return s.deployments!.length === 1 && s.deployments![0]!.rolloutState === "COMPLETED" ? s : undefined;
  }, 120_000);
  await page.waitForFunction(
    () => !(globalThis as unknown as { document: { querySelector(s: string): { innerText: string } } }).document.querySelector("#deployments")!.innerText.includes("ACTIVE"),
    { timeout: 60_000, polling: 200 },
  );
  await waitForText(page, ["COMPLETED"]);
});

test("the console's actions are the CLI's calls: desired count, force new deployment, stop task", async () => {
  await open(page, "clusters/default/services/web", ["Desired count"]);
  await fill(page, "input[name=desiredCount]", "1");
  await page.click(".service-actions form.desired button[type=submit]");
  await waitFor("desired count 1", async () => (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["web"] }))).services![0]!.desiredCount === 1 || undefined);
  await waitForText(page, ["desired 1"]);

  const before = (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["web"] }))).services![0]!.deployments!.map((d) => d.id);
  const [force] = await page.$$("xpath/.//button[contains(., 'Force new deployment')]");
  await force!.click();
  const forced = await waitFor("a new deployment", async () => {
    const s = (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["web"] }))).services![0]!;
    const fresh = s.deployments!.find((d) => d.status === "PRIMARY" && !before.includes(d.id));
    return fresh;
  });
  await waitForText(page, [forced.id!.slice(0, 18)]);

  const task = await waitFor("a running task of web", async () => {
    const arns = (await ecs.send(new ListTasksCommand({ cluster: "default", serviceName: "web", desiredStatus: "RUNNING" }))).taskArns ?? [];
    return arns[0];
  });
  await open(page, `clusters/default/tasks/${idOf(task)}`, ["Stop task", "Containers"]);
  await shot(page, "task");
  const [stop] = await page.$$("xpath/.//button[contains(., 'Stop task')]");
  await stop!.click();
  const stopped = await waitForTask(ecs, "default", task, "STOPPED");
  assert.equal(stopped.stoppedReason, "Stopped from the Berth console");
  await waitForText(page, ["Stopped from the Berth console"]);
});

test("a task's page: exit codes, stop reason, last log lines; secrets by valueFrom only", async () => {
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "once" }));
  const stopped = await waitForTask(ecs, "default", tasks![0]!.taskArn!, "STOPPED");
  const id = idOf(stopped.taskArn!);
  const text = await open(page, `clusters/default/tasks/${id}`, ["hello from the console test", stopped.stoppedReason!]);
  assert.equal(stopped.containers![0]!.exitCode, 3);
  assert.match(text, /app\s+berth-test\/busybox:latest\s+STOPPED\s+3/);
  // The web:1 task definition has a secret: its source is shown, and nothing could show its value.
  const failed = (await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "web:1" }))).tasks![0]!;
  const secretTask = await waitForTask(ecs, "default", failed.taskArn!, "STOPPED");
  const secretText = await open(page, `clusters/default/tasks/${idOf(secretTask.taskArn!)}`, ["DB_PASSWORD", "parameter/not-a-value-shown"]);
  assert.ok(secretText.includes(secretTask.stoppedReason!), "why it stopped");
});

test("ECR, load balancers and alarms pages show what their APIs say", async () => {
  await createRepository(berth, { repositoryName: "console/app" });
  const oci = new Oci(berth.endpoint, await registryPassword(berth));
  const pushed = await oci.pushImage("console/app", "v1");
  const repos = await open(page, "ecr", ["console/app"]);
  assert.match(repos, /1 repositories/);
  const images = await open(page, "ecr/console%2Fapp", ["v1", pushed.digest.slice(0, 19)]);
  assert.match(images, /1 images/);
  await shot(page, "ecr");

  const elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region, credentials, maxAttempts: 1 });
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: "console-lb", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!;
  const tg = (await elb.send(new CreateTargetGroupCommand({ Name: "console-tg", Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: "ip" }))).TargetGroups![0]!;
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTP", Port: 8080, DefaultActions: [{ Type: "forward", TargetGroupArn: tg.TargetGroupArn }] }));
  await open(page, "load-balancers", ["console-lb", lb.DNSName!]);
  const lbText = await open(page, "load-balancers/console-lb", ["Listeners and rules", "forward to console-tg", "console-tg"]);
  assert.match(lbText, /default\s+any request\s+forward to console-tg/);
  await shot(page, "load-balancer");

  const cw = new CloudWatchClient({ endpoint: berth.endpoint, region, credentials, maxAttempts: 1 });
  await cw.send(new PutMetricAlarmCommand({ AlarmName: "console-hot", Namespace: "Console", MetricName: "Heat", Statistic: "Average", Period: 60, EvaluationPeriods: 1, Threshold: 90, ComparisonOperator: "GreaterThanThreshold" }));
  await cw.send(new SetAlarmStateCommand({ AlarmName: "console-hot", StateValue: "ALARM", StateReason: "set by the console test" }));
  await open(page, "alarms", ["console-hot", "ALARM"]);
  const alarm = await open(page, "alarms/console-hot", ["State history", "set by the console test", "Alarm updated from INSUFFICIENT_DATA to ALARM"]);
  assert.match(alarm, /GreaterThanThreshold 90/);
  await shot(page, "alarm");
});

test("dark theme and phone width", async () => {
  const phone = await browser.newPage();
  try {
    await phone.setViewport({ width: 390, height: 844, isMobile: true });
    await phone.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
    await open(phone, "clusters/default/services/web", ["Deployments"]);
    assert.equal(await phone.$eval("html", (el) => (el as unknown as { dataset: { theme: string } }).dataset.theme), "dark");
    // Nothing wider than the screen but the tables' own scrolling boxes.
    const width = await phone.$eval("body", (el) => (el as unknown as { scrollWidth: number }).scrollWidth);
    assert.ok(width <= 390, `body is ${width}px wide`);
    await shot(phone, "service-phone-dark");
    // The toggle switches themes (a button, reachable by keyboard).
    await phone.click("button.theme");
    // The theme is applied by an effect after the render the click causes.
    await phone.waitForFunction(() => (globalThis as unknown as { document: { documentElement: { dataset: { theme?: string } } } }).document.documentElement.dataset.theme === "light", { timeout: 10_000 });
  } finally {
    await phone.close();
  }
});

test("strict SigV4: nothing is shown without credentials; the credentials entered sign the calls and the event stream", async () => {
  const KEY = "AKIACONSOLETEST";
  const SECRET = "console-secret-key";
  const strict = await BerthProcess.start({ args: ["--strict-sigv4", "--credentials", `${KEY}:${SECRET}`] });
  const context = await browser.createBrowserContext();
  try {
    const signed = new EcsClient({ endpoint: strict.endpoint, region, credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, maxAttempts: 1 });
    await signed.send(new CreateClusterCommand({ clusterName: "private-cluster" }));
    // The event stream is an admin route: refused unsigned, served signed.
    const unsigned = await fetch(`${strict.endpoint}/_berth/events`);
    assert.equal(unsigned.status, 403);
    const events = await openEvents(strict.endpoint, { accessKeyId: KEY, secretAccessKey: SECRET });
    assert.equal(events.statusCode, 200);
    assert.match(events.headers["content-type"]!, /^text\/event-stream/);
    events.destroy();

    const p = await context.newPage();
    await p.setViewport({ width: 1280, height: 800 });
    await load(p, `${strict.endpoint}/#/clusters`);
    const refused = await waitForText(p, ["Enter credentials"]);
    assert.ok(!refused.includes("private-cluster"), refused);
    await p.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }).document.querySelector(".live")!.textContent === "○ polling", { timeout: 30_000 });
    await shot(p, "credentials-refused");
    await p.click(`a[href="#/settings"]`);
    await p.waitForSelector("input[name=accessKeyId]");
    for (const [name, value] of [["accessKeyId", KEY], ["secretAccessKey", SECRET]] as const) {
      await fill(p, `input[name=${name}]`, value);
    }
    await p.click("form.settings button[type=submit]");
    await waitForText(p, ["private-cluster"]);
    await p.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }).document.querySelector(".live")!.textContent === "● live", { timeout: 30_000 });
    // A rule's recent activity is an admin route too: refused unsigned, shown to the credentials entered.
    const eb = new EventBridgeClient({ endpoint: strict.endpoint, region, credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, maxAttempts: 1 });
    const ruleArn = (await eb.send(new PutRuleCommand({ Name: "private-rule", EventPattern: JSON.stringify({ source: ["private"] }) }))).RuleArn!;
    assert.equal((await fetch(`${strict.endpoint}/_berth/events/rule-activity?rule=${encodeURIComponent(ruleArn)}`)).status, 403);
    const eventId = (await eb.send(new PutEventsCommand({ Entries: [{ Source: "private", DetailType: "Private Thing", Detail: "{}" }] }))).Entries![0]!.EventId!;
    await load(p, `${strict.endpoint}/#/events/default/private-rule`);
    const activity = await waitForText(p, ["Recent matched events", eventId.slice(0, 8), "no targets"]);
    assert.match(activity, /private\s+Private Thing\s+no targets/);
    eb.destroy();
    // The secret stays in the tab's session storage, never in the page's URL or local storage.
    assert.ok(!p.url().includes(SECRET));
    assert.equal(await p.evaluate(() => JSON.stringify((globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem("berth.console.settings"))), "null");
  } finally {
    await context.close();
    await strict.dispose();
  }
});
