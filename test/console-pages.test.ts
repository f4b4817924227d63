import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "puppeteer-core";
import {
  CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, UpdateServiceCommand,
  type ContainerDefinition,
} from "@aws-sdk/client-ecs";
import { CreateRepositoryCommand, DescribeImageScanFindingsCommand } from "@aws-sdk/client-ecr";
import { ApplicationAutoScalingClient, PutScalingPolicyCommand, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import {
  CreateListenerCommand, CreateLoadBalancerCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, ModifyTargetGroupAttributesCommand, type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask } from "./wait.js";
import { ecr, Oci, OCI_MANIFEST, registryPassword, sha256 } from "./registry-kit.js";
import { buildTar } from "../src/registry/scan/tar-builder.js";
import { blueGreenTargetGroup } from "./blue-green-kit.js";
import { launchBrowser, load, mainText, openPage, shot, waitForText } from "./console-kit.js";

/**
 * What issue 16 asks of the console that console.test.ts, console-actions.test.ts and
 * console-deployments.test.ts do not show: a running task's log lines tailing live, an image's
 * scan findings, a target-tracking policy's target line on the utilization chart, secret values
 * never rendered, the account and region picker, the keyboard alone driving pages and actions,
 * and the console served only on the address Berth binds. Headless Debian chromium against a live
 * Berth; what a page shows is checked against what the SDK reads.
 */
const region = "us-east-1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const client = { region, credentials, maxAttempts: 1 };
/** The hand-written OSV records that registry-scan.test.ts matches images against. */
const OSV = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "test", "fixtures", "osv");
const EXECUTION_ROLE = "arn:aws:iam::000000000000:role/ecsTaskExecutionRole";

let berth: BerthProcess;
let ecs: ECSClient;
let browser: Browser;
let page: Page;
/** The origin of every request the main page made: nothing but this Berth (no CDN, nothing from outside). */
const origins = new Set<string>();
/** Pages made by the tests below, visited again at phone width. */
const visited: Array<[string, string[]]> = [];

const open = (hash: string, texts: string[]) => {
  visited.push([hash, texts]);
  return openPage(page, berth.endpoint, hash, texts);
};
const idOf = (arn: string) => arn.split("/").pop()!;

const sleeper = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: "app", image: TEST_IMAGE, memory: 16, essential: true, stopTimeout: 1, command: ["sleep", "600"], ...extra,
});

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--instances", "1", "--instance-cpu", "4096", "--instance-memory", "2048", "--scan-database-dir", OSV, "--load-balancer-health-check-speedup", "5", "--metrics-interval-seconds", "2"] });
  ecs = berth.ecs();
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on("request", (r) => void origins.add(new URL(r.url()).origin));
});

after(async () => {
  await browser?.close();
  await berth?.dispose();
});

test("a running task's log lines tail live on its open page; the tail stops following when the task stops", async () => {
  const logs = { logDriver: "awslogs" as const, options: { "awslogs-group": "/ecs/tail", "awslogs-stream-prefix": "t", "awslogs-create-group": "true", "awslogs-region": region } };
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "ticker", networkMode: "bridge",
    containerDefinitions: [sleeper({ entryPoint: ["sh", "-c"], command: ["i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done"], logConfiguration: logs })],
  }));
  const taskArn = (await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "ticker" }))).tasks![0]!.taskArn!;
  await waitForTask(ecs, "default", taskArn, "RUNNING");
  const id = idOf(taskArn);
  const shown = await open(`clusters/default/tasks/${id}`, ["tick 2", `t/app/${id} (following)`]);
  const latest = (text: string) => Math.max(...[...text.matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));
  const first = latest(shown);
  // Lines written after the page read its tail arrive on the open page. 15 s is well inside the
  // page's own 30 s re-read, and no task changes meanwhile: only the tail can bring them.
  await waitForText(page, [`tick ${first + 4}`], 15_000);
  const logBox = await page.$eval("pre.logs", (el) => (el as unknown as { getAttribute(n: string): string | null }).getAttribute("role"));
  assert.equal(logBox, "log");
  await page.$eval("#logs", (el) => (el as unknown as { scrollIntoView(): void }).scrollIntoView());
  await shot(page, "task-log-tail");

  await ecs.send(new StopTaskCommand({ cluster: "default", task: taskArn, reason: "tail test done" }));
  await waitForTask(ecs, "default", taskArn, "STOPPED");
  const stopped = await waitForText(page, ["tail test done", `t/app/${id}`]);
  await page.waitForFunction((stream: string) => {
    const text = (globalThis as unknown as { document: { querySelector(s: string): { innerText: string } } }).document.querySelector("main").innerText;
    return !text.includes(`${stream} (following)`);
  }, { timeout: 30_000, polling: 200 }, `t/app/${id}`);
  assert.ok(latest(await mainText(page)) >= latest(stopped));
});

/** busybox httpd on 8080 answering `body`, healthy at /health. */
const web = (body: string): ContainerDefinition => ({
  name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1, entryPoint: ["sh", "-c"],
  command: [`mkdir -p /www && echo ok > /www/health && echo ${body} > /www/index.html && exec httpd -f -p 8080 -h /www`],
  portMappings: [{ containerPort: 8080, protocol: "tcp" }],
});

/** The rows of the target health table under the heading that starts with `heading`, as "id port state". */
const targetRows = (p: Page, heading: string) => p.$$eval("#targets h3", (hs, wanted) => {
  type El = { textContent: string; nextElementSibling: El | null; querySelectorAll(s: string): ArrayLike<El> };
  const h = (hs as unknown as El[]).find((x) => x.textContent.startsWith(wanted as string));
  const rows = h?.nextElementSibling ? Array.from(h.nextElementSibling.querySelectorAll("tbody tr")) : [];
  return rows.map((tr) => Array.from(tr.querySelectorAll("td")).slice(0, 3).map((td) => td.textContent).join(" "));
}, heading);
const describedRows = (d: TargetHealthDescription[]) => d.map((t) => `${t.Target!.Id} ${t.Target!.Port} ${t.TargetHealth!.State}`).sort();

test("a rolling deployment behind an ALB: the open service page shows the new task's target healthy and the old one draining; the load balancer's page shows target health as DescribeTargetHealth does", async () => {
  const elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, ...client });
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: "roll-lb", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!;
  const tg = await blueGreenTargetGroup(elb, "roll-tg");
  // Long enough to see the old target drain on the page.
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "30" }] }));
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn!, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: tg }] }));
  const revision = async (body: string) => (await ecs.send(new RegisterTaskDefinitionCommand({
    family: "roll", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [web(body)],
  }))).taskDefinition!.taskDefinitionArn!;
  await revision("v1");
  const v2 = await revision("v2");
  await ecs.send(new CreateServiceCommand({
    cluster: "default", serviceName: "roll", taskDefinition: "roll:1", desiredCount: 1, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
    loadBalancers: [{ targetGroupArn: tg, containerName: "web", containerPort: 8080 }], deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
  }));
  const health = async () => (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions ?? [];
  const [old] = await waitFor("v1's target healthy", async () => {
    const h = await health();
    return h.length === 1 && h[0]!.TargetHealth!.State === "healthy" ? h : undefined;
  }, 120_000);
  await open("clusters/default/services/roll", ["Load balancer target health", `${old!.Target!.Id}`, "healthy"]);
  assert.deepEqual(await targetRows(page, "roll-tg"), describedRows([old!]));

  // The page stays open: the new task's target registers and goes healthy, then the old one drains.
  await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "roll", taskDefinition: v2 }));
  const rowsWith = (state: string, id: string) => waitFor(`${id} ${state} on the page`, async () => (await targetRows(page, "roll-tg")).some((r) => r.startsWith(`${id} `) && r.endsWith(` ${state}`)) || undefined, 120_000);
  const fresh = await waitFor("v2's target registered", async () => (await health()).find((t) => t.Target!.Id !== old!.Target!.Id), 120_000);
  await rowsWith("healthy", fresh.Target!.Id!);
  await rowsWith("draining", old!.Target!.Id!);
  // Once drained, the load balancer's page and the service's show the one target DescribeTargetHealth has.
  const [now] = await waitFor("only v2's target left", async () => {
    const h = await health();
    return h.length === 1 && h[0]!.Target!.Id === fresh.Target!.Id && h[0]!.TargetHealth!.State === "healthy" ? h : undefined;
  }, 120_000);
  await waitFor("the service page without the drained target", async () => JSON.stringify(await targetRows(page, "roll-tg")) === JSON.stringify(describedRows([now!])) || undefined, 60_000);
  await open("load-balancers/roll-lb", ["Target groups and target health", "roll-tg", fresh.Target!.Id!]);
  assert.deepEqual(await targetRows(page, "roll-tg"), describedRows([now!]));
  elb.destroy();
});

test("an image's scan findings: the repository's severity counts and the image's findings, as DescribeImageScanFindings has them", async () => {
  await ecr(berth).send(new CreateRepositoryCommand({ repositoryName: "console/scanned", imageScanningConfiguration: { scanOnPush: true } }));
  const oci = new Oci(berth.endpoint, await registryPassword(berth));
  // One layer with an npm lock file naming two packages that the fixture's advisories cover.
  const lock = JSON.stringify({ name: "app", lockfileVersion: 3, packages: { "": { name: "app" }, "node_modules/lodash": { version: "4.17.20" }, "node_modules/minimist": { version: "1.2.5" } } });
  const layer = await buildTar([{ name: "app/package-lock.json", content: lock }], { gzip: true });
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }));
  const manifest = {
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: await oci.pushBlob("console/scanned", config), size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: await oci.pushBlob("console/scanned", layer), size: layer.length }],
  };
  assert.equal((await oci.pushManifest("console/scanned", "v1", manifest)).status, 201);
  const digest = sha256(JSON.stringify(manifest));
  const scan = await waitFor("the scan on push", async () => {
    const r = await ecr(berth).send(new DescribeImageScanFindingsCommand({ repositoryName: "console/scanned", imageId: { imageDigest: digest } }));
    return r.imageScanStatus?.status === "COMPLETE" ? r : undefined;
  }, 30_000);
  const findings = scan.imageScanFindings!.findings!;
  assert.deepEqual(scan.imageScanFindings!.findingSeverityCounts, { CRITICAL: 1, HIGH: 1 });

  const repo = await open("ecr/console%2Fscanned", ["1 images", "v1", "COMPLETE"]);
  assert.match(repo, /COMPLETE\s+CRITICAL 1\s+HIGH 1/);
  const image = await open(`ecr/console%2Fscanned/${encodeURIComponent(digest)}`, ["Scan findings", "The scan was completed successfully."]);
  for (const f of findings) {
    const version = f.attributes!.find((a) => a.key === "package_version")!.value!;
    const name = f.attributes!.find((a) => a.key === "package_name")!.value!;
    assert.match(image, new RegExp(`${f.name}\\s+${f.severity}\\s+${name} ${version.replace(/\./g, "\\.")}`), image);
  }
  // A finding's name links to its advisory (a web link only).
  const links = await page.$$eval("main a[target=_blank]", (as) => as.map((a) => (a as unknown as { href: string }).href));
  assert.deepEqual(links.sort(), findings.map((f) => f.uri ?? "").filter((u) => /^https?:\/\//.test(u)).sort());
  assert.ok(links.length > 0, "the fixture's advisories have web links");
  await shot(page, "image-scan-findings");
});

test("a target-tracking policy's target is the dashed line on the utilization chart, at the policy's value", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "tracked", networkMode: "bridge", containerDefinitions: [sleeper()] }));
  await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "tracked", taskDefinition: "tracked", desiredCount: 1 }));
  const aas = new ApplicationAutoScalingClient({ endpoint: berth.endpoint, ...client });
  const cw = new CloudWatchClient({ endpoint: berth.endpoint, ...client });
  const resource = { ServiceNamespace: "ecs" as const, ResourceId: "service/default/tracked", ScalableDimension: "ecs:service:DesiredCount" as const };
  // Minimum and maximum 1: the policy can never change the service while the page is looked at.
  await aas.send(new RegisterScalableTargetCommand({ ...resource, MinCapacity: 1, MaxCapacity: 1 }));
  const open0 = await open("clusters/default/services/tracked", ["CPU and memory utilization"]);
  assert.ok(!open0.includes("Target CPU"));
  const labels = () => page.$$eval(".chart", (els) => els.map((e) => (e as unknown as { getAttribute(n: string): string }).getAttribute("aria-label")));
  assert.ok((await labels()).every((l) => !l.includes("Target")), (await labels()).join("\n"));
  await aas.send(new PutScalingPolicyCommand({
    ...resource, PolicyName: "cpu60", PolicyType: "TargetTrackingScaling",
    TargetTrackingScalingPolicyConfiguration: { TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" } },
  }));
  const alarms = (await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: "TargetTracking-service/default/tracked-AlarmHigh-" }))).MetricAlarms!;
  assert.deepEqual(alarms.map((a) => [a.MetricName, a.Threshold]), [["CPUUtilization", 60]]);
  // The page's next read (a reload, as a shared link opens it) draws the target.
  await page.reload();
  await waitForText(page, ["CPU and memory utilization"]);
  const label = await waitFor("the target line on the chart", async () => (await labels()).find((l) => l.startsWith("CPU and memory utilization") && l.includes("Target CPU 60%")));
  assert.match(label, /CPU %, Memory %, Target CPU 60%/);
  // The utilization lines are AWS/ECS's as GetMetricData answers: once it has a point, so has the chart.
  const cpuPoints = async () => {
    const end = new Date();
    const r = await cw.send(new GetMetricDataCommand({
      StartTime: new Date(end.getTime() - 3600_000), EndTime: end,
      MetricDataQueries: [{ Id: "cpu", MetricStat: { Metric: { Namespace: "AWS/ECS", MetricName: "CPUUtilization", Dimensions: [{ Name: "ClusterName", Value: "default" }, { Name: "ServiceName", Value: "tracked" }] }, Period: 60, Stat: "Average" } }],
    }));
    return r.MetricDataResults![0]!.Values!.length;
  };
  assert.ok((await mainText(page)).includes("No data points yet") || (await cpuPoints()) > 0, "the page says when there is nothing to draw");
  await waitFor("a CPUUtilization point of the service", async () => (await cpuPoints()) > 0 || undefined, 60_000);
  await page.reload();
  await waitForText(page, ["CPU and memory utilization"]);
  await waitFor("the chart drawn with data", async () => {
    const text = await mainText(page);
    return text.includes("Scaling activities") && !text.includes("Loading") && !text.includes("No data points yet") || undefined;
  }, 30_000);
  aas.destroy();
  cw.destroy();
});

test("a task with secrets from Parameter Store and Secrets Manager: the page names where they come from, never their values", async () => {
  const PARAM_VALUE = "param-value-never-rendered-7f3a";
  const SECRET_VALUE = "secret-value-never-rendered-91c2";
  const ssm = new SSMClient({ endpoint: berth.endpoint, ...client });
  const sm = new SecretsManagerClient({ endpoint: berth.endpoint, ...client });
  await ssm.send(new PutParameterCommand({ Name: "/console/db-password", Type: "SecureString", Value: PARAM_VALUE }));
  const secretArn = (await sm.send(new CreateSecretCommand({ Name: "console/api-key", SecretString: SECRET_VALUE }))).ARN!;
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "secretive", networkMode: "bridge", executionRoleArn: EXECUTION_ROLE,
    containerDefinitions: [sleeper({ secrets: [{ name: "DB_PASSWORD", valueFrom: "/console/db-password" }, { name: "API_KEY", valueFrom: secretArn }] })],
  }));
  const taskArn = (await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "secretive" }))).tasks![0]!.taskArn!;
  // RUNNING: both values were read and handed to the container (a missing one stops the task).
  await waitForTask(ecs, "default", taskArn, "RUNNING");
  const text = await open(`clusters/default/tasks/${idOf(taskArn)}`, ["DB_PASSWORD", "/console/db-password", "API_KEY", secretArn, "RUNNING"]);
  const html = await page.content();
  for (const value of [PARAM_VALUE, SECRET_VALUE]) {
    assert.ok(!text.includes(value) && !html.includes(value), `${value} is on the page`);
  }
  await ecs.send(new StopTaskCommand({ cluster: "default", task: taskArn }));
  ssm.destroy();
  sm.destroy();
});

test("the account and region picker: each pair shows its own clusters", async () => {
  await new ECSClient({ endpoint: berth.endpoint, region: "us-west-2", credentials, maxAttempts: 1 }).send(new CreateClusterCommand({ clusterName: "west-only" }));
  await new ECSClient({ endpoint: berth.endpoint, region, credentials: { accessKeyId: "111111111111", secretAccessKey: "x" }, maxAttempts: 1 }).send(new CreateClusterCommand({ clusterName: "account-only" }));
  const picker = await browser.newPage();
  try {
    await picker.setViewport({ width: 1280, height: 800 });
    const pick = async (accessKeyId: string, chosen: string) => {
      await load(picker, `${berth.endpoint}/#/settings`);
      await picker.waitForSelector("input[name=region]");
      for (const [name, value] of [["accessKeyId", accessKeyId], ["secretAccessKey", "anything"], ["region", chosen]] as const) {
        await picker.$eval(`input[name=${name}]`, (el, v) => {
          const input = el as unknown as { value: string; dispatchEvent(e: unknown): boolean };
          input.value = v;
          input.dispatchEvent(new (globalThis as unknown as { Event: new (t: string, i: object) => unknown }).Event("input", { bubbles: true }));
        }, value);
      }
      await picker.click("form.settings button[type=submit]");
      await picker.waitForFunction(() => (globalThis as unknown as { location: { hash: string } }).location.hash === "#/clusters", { timeout: 10_000 });
    };
    const clustersShown = () => picker.$$eval("main tbody tr td:first-child", (tds) => tds.map((td) => (td as unknown as { textContent: string }).textContent));
    await pick("test", "us-west-2");
    await waitForText(picker, ["west-only"]);
    assert.deepEqual(await clustersShown(), ["west-only"]);
    assert.equal(await picker.$eval("header .who", (el) => (el as unknown as { textContent: string }).textContent), "test · us-west-2");
    await pick("111111111111", "us-east-1");
    await waitForText(picker, ["account-only"]);
    assert.deepEqual(await clustersShown(), ["account-only"]);
    // The default account's clusters in us-east-1 are not this account's.
    const own = await openPage(page, berth.endpoint, "clusters", ["default"]);
    assert.ok(!own.includes("account-only") && !own.includes("west-only"), own);
  } finally {
    await picker.close();
  }
});

test("the keyboard alone: skip link, links to pages, the theme toggle and an action's form", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "keys", networkMode: "bridge", containerDefinitions: [sleeper()] }));
  await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "keys", taskDefinition: "keys", desiredCount: 0 }));
  const kb = await browser.newPage();
  const active = () => kb.evaluate(() => {
    const el = (globalThis as unknown as { document: { activeElement: { tagName: string; id: string; className: string; getAttribute(n: string): string | null; textContent: string } | null } }).document.activeElement;
    return el ? { tag: el.tagName, id: el.id, cls: el.className, href: el.getAttribute("href"), name: el.getAttribute("name"), text: el.textContent } : undefined;
  });
  /** Presses Tab until the focused element is the one wanted (at most 80 presses). */
  const tabTo = async (what: string, wanted: (a: NonNullable<Awaited<ReturnType<typeof active>>>) => boolean) => {
    for (let i = 0; i < 80; i++) {
      await kb.keyboard.press("Tab");
      const a = await active();
      if (a && wanted(a)) return;
    }
    throw new Error(`Tab never reached ${what}; the page shows:\n${await mainText(kb)}`);
  };
  try {
    await kb.setViewport({ width: 1280, height: 800 });
    await openPage(kb, berth.endpoint, "clusters", ["default"]);
    // The first Tab reaches "Skip to content"; Enter moves the focus to the page's content.
    await kb.keyboard.press("Tab");
    assert.equal((await active())?.cls, "skip");
    await kb.keyboard.press("Enter");
    assert.equal((await active())?.id, "main");
    await tabTo("the default cluster's link", (a) => a.href === "#/clusters/default");
    await kb.keyboard.press("Enter");
    await waitForText(kb, ["Services (", "keys"]);
    await tabTo("the keys service's link", (a) => a.href === "#/clusters/default/services/keys");
    await kb.keyboard.press("Enter");
    await waitForText(kb, ["Desired count", "desired 0"]);
    // The desired count's form: type a number and press Enter, as UpdateService.
    await tabTo("the desired count", (a) => a.name === "desiredCount");
    await kb.keyboard.down("Control");
    await kb.keyboard.press("KeyA");
    await kb.keyboard.up("Control");
    await kb.keyboard.type("2");
    await kb.keyboard.press("Enter");
    await waitFor("keys' desired count 2", async () => (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["keys"] }))).services![0]!.desiredCount === 2 || undefined);
    await waitForText(kb, ["desired 2"]);
    // The theme toggle is a button: Space switches the theme.
    const theme = () => kb.$eval("html", (el) => (el as unknown as { dataset: { theme?: string } }).dataset.theme);
    const before = await theme();
    await tabTo("the theme toggle", (a) => a.cls === "theme");
    await kb.keyboard.press("Space");
    await kb.waitForFunction((was: string | undefined) => (globalThis as unknown as { document: { documentElement: { dataset: { theme?: string } } } }).document.documentElement.dataset.theme !== was, { timeout: 10_000 }, before);
  } finally {
    await kb.close();
  }
});

test("every page above fits a phone's width, in the dark theme; every request went to this Berth alone", async () => {
  const phone = await browser.newPage();
  try {
    await phone.setViewport({ width: 390, height: 844, isMobile: true });
    await phone.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
    phone.on("request", (r) => void origins.add(new URL(r.url()).origin));
    const pages = new Set(["clusters", "clusters/default", "alarms", "settings", ...visited.map(([hash]) => hash)]);
    assert.ok(pages.size >= 10, [...pages].join(" "));
    for (const hash of pages) {
      // What the page showed at 1280x800 may have changed since (a task stopped): it is loaded when nothing in it is loading.
      await load(phone, `${berth.endpoint}/#/${hash}`);
      await phone.waitForFunction(() => {
        const d = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
        return d.querySelector("main h1") !== null && d.querySelector("main [aria-busy=true]") === null;
      }, { timeout: 60_000, polling: 200 });
      assert.equal(await phone.$eval("html", (el) => (el as unknown as { dataset: { theme: string } }).dataset.theme), "dark");
      // Nothing wider than the screen but the tables' own scrolling boxes.
      const width = await phone.$eval("body", (el) => (el as unknown as { scrollWidth: number }).scrollWidth);
      assert.ok(width <= 390, `#/${hash} is ${width}px wide`);
    }
  } finally {
    await phone.close();
  }
  assert.deepEqual([...origins], [berth.endpoint]);
});

test("the console is served only on the address Berth binds", async () => {
  const bound = await BerthProcess.start({ args: ["--host", "127.0.0.9"] });
  const p = await browser.newPage();
  try {
    const { hostname, port } = new URL(bound.endpoint);
    assert.equal(hostname, "127.0.0.9");
    await p.setViewport({ width: 1280, height: 800 });
    await bound.ecs().send(new CreateClusterCommand({ clusterName: "bound-cluster" }));
    await openPage(p, bound.endpoint, "clusters", ["1 clusters", "bound-cluster"]);
    // The same port on another loopback address (the default one) has nothing listening.
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve("connected")));
      socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    assert.equal(refused, "ECONNREFUSED");
    // The socket reached under another name (as through the tasks' API relay on the Docker
    // bridge's gateway, which passes the caller's Host through) serves no console: `/` answers as
    // the API does, the bundle is not found.
    const get = (path: string, host: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get({ host: "127.0.0.9", port: Number(port), path, headers: { host, accept: "text/html" }, agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (c: string) => (body += c)).on("end", () => resolve({ status: res.statusCode!, body }));
      }).on("error", reject);
    });
    const own = await get("/", `127.0.0.9:${port}`);
    assert.equal(own.status, 200);
    const script = /src="(\/console\/app-[A-Z0-9]+\.js)"/.exec(own.body)![1]!;
    assert.equal((await get(script, `127.0.0.9:${port}`)).status, 200);
    for (const other of ["172.17.0.1:40123", `localhost:${port}`, `rebound.example:${port}`]) {
      const page = await get("/", other);
      assert.equal(page.status, 404, other);
      assert.deepEqual(JSON.parse(page.body), { __type: "UnknownOperationException", message: "No route for GET /." });
      assert.equal((await get(script, other)).status, 404, other);
    }
    // The APIs answer under any name, as before.
    assert.match((await get("/?Action=GetCallerIdentity&Version=2011-06-15", "172.17.0.1:40123")).body, /<GetCallerIdentityResponse/);
  } finally {
    await p.close();
    await bound.dispose();
  }
});
