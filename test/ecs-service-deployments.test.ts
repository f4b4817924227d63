import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateServiceCommand, DeleteServiceCommand, DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand, DescribeServicesCommand, DescribeTasksCommand,
  ListServiceDeploymentsCommand, ListTasksCommand, RegisterTaskDefinitionCommand, StopServiceDeploymentCommand, UpdateServiceCommand,
  type ContainerDefinition, type DeploymentConfiguration, type ECSClient, type Service, type ServiceDeployment,
} from "@aws-sdk/client-ecs";
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { blueGreenAlb, forwardWeights } from "./blue-green-kit.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

const dataDir = mkdtempSync(join(tmpdir(), "berth-service-deployments-"));
let berth: BerthProcess;
let ecs: ECSClient;
let cw: CloudWatchClient;
let elb: ElasticLoadBalancingV2Client;
const ARGS = ["--instances", "1", "--instance-cpu", "2048", "--instance-memory", "1024", "--load-balancer-health-check-speedup", "5"];
const defs: Record<string, string> = {};

/** Healthy after its first health check (5 s), so a rolling deployment completes without ECS's 40 s wait. */
const healthy = (value: string): ContainerDefinition => ({
  name: "app", image: TEST_IMAGE, memory: 32, essential: true, stopTimeout: 1, command: ["sleep", "600"],
  environment: [{ name: "V", value }],
  healthCheck: { command: ["CMD-SHELL", "true"], interval: 5, timeout: 2, retries: 1 },
});
/**
 * Never healthy within its five-minute start period (its check fails, which Docker does not count
 * while the period lasts), so a deployment to it stays IN_PROGRESS. `sleep` as PID 1 ignores
 * SIGTERM: the task takes its stopTimeout to stop, which keeps a failed deployment visible a while.
 */
const slow: ContainerDefinition = {
  name: "app", image: TEST_IMAGE, memory: 32, essential: true, stopTimeout: 8, command: ["sleep", "600"],
  healthCheck: { command: ["CMD-SHELL", "false"], interval: 5, timeout: 2, retries: 1, startPeriod: 300 },
};

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ARGS, dataDir });
  ecs = berth.ecs();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  cw = new CloudWatchClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  const crashing: ContainerDefinition = { ...healthy("3"), command: ["sh", "-c", "exit 1"] };
  for (const [key, family, container] of [["v1", "deploy", healthy("1")], ["v2", "deploy", healthy("2")], ["slow", "slow", slow], ["crash", "crash", crashing]] as const) {
    const out = await ecs.send(new RegisterTaskDefinitionCommand({ family, networkMode: "bridge", containerDefinitions: [container] }));
    defs[key] = out.taskDefinition!.taskDefinitionArn!;
  }
});
after(async () => {
  elb?.destroy();
  try {
    await berth.dispose();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const describeService = async (name: string): Promise<Service> => (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: [name] }))).services![0]!;
const list = async (service: string, extra: Record<string, unknown> = {}) => (await ecs.send(new ListServiceDeploymentsCommand({ cluster: "default", service, ...extra }))).serviceDeployments!;
const describeDeployment = async (arn: string): Promise<ServiceDeployment> => (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments![0]!;
const revision = async (arn: string) => (await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [arn] }))).serviceRevisions![0]!;

/** Waits until the service deployment reaches `status`, and returns it. */
const reaches = (arn: string, status: string, timeoutMs = 180_000) =>
  waitFor(`${arn} ${status}`, async () => {
    const d = await describeDeployment(arn);
    return d.status === status ? d : undefined;
  }, timeoutMs);

/** The task definitions of the service's tasks that are not STOPPED. */
async function liveDefinitions(service: string): Promise<string[]> {
  const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster: "default", serviceName: service }));
  if (taskArns.length === 0) return [];
  const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster: "default", tasks: taskArns }));
  return tasks.filter((t) => t.lastStatus !== "STOPPED").map((t) => t.taskDefinitionArn!);
}

/** Creates a one-task service on deploy:1 and waits for its first deployment to be SUCCESSFUL. */
async function createSteady(name: string, deploymentConfiguration: DeploymentConfiguration = {}): Promise<ServiceDeployment> {
  const { service } = await ecs.send(new CreateServiceCommand({ serviceName: name, taskDefinition: defs.v1, desiredCount: 1, deploymentConfiguration }));
  assert.ok(service!.currentServiceDeployment, "CreateService names its service deployment");
  return reaches(service!.currentServiceDeployment!, "SUCCESSFUL");
}

/** Updates the service to `taskDefinition` and returns the new service deployment's ARN. */
async function update(name: string, taskDefinition: string): Promise<string> {
  const { service } = await ecs.send(new UpdateServiceCommand({ service: name, taskDefinition }));
  return service!.currentServiceDeployment!;
}

test("a rolling deployment is a SUCCESSFUL service deployment whose target revision runs the new task definition; list, filters, pages", async () => {
  const first = await createSteady("web");
  assert.match(first.serviceDeploymentArn!, /^arn:aws:ecs:us-east-1:000000000000:service-deployment\/default\/web\/[A-Za-z0-9_-]{22}$/);
  assert.deepEqual(first.sourceServiceRevisions, [], "a new service has nothing to deploy from");
  const firstTarget = first.targetServiceRevision!.arn!;
  assert.match(firstTarget, /^arn:aws:ecs:us-east-1:000000000000:service-revision\/default\/web\/\d{19}$/);

  const arn = await update("web", defs.v2!);
  assert.notEqual(arn, first.serviceDeploymentArn);
  const done = await reaches(arn, "SUCCESSFUL");
  assert.equal(done.serviceArn, "arn:aws:ecs:us-east-1:000000000000:service/default/web");
  assert.equal(done.clusterArn, "arn:aws:ecs:us-east-1:000000000000:cluster/default");
  assert.ok(done.startedAt && done.finishedAt && done.createdAt);
  assert.ok(done.finishedAt >= done.startedAt && done.startedAt >= done.createdAt);
  assert.deepEqual(done.sourceServiceRevisions!.map((s) => s.arn), [firstTarget]);
  assert.equal(done.targetServiceRevision!.runningTaskCount, 1);
  assert.equal(done.targetServiceRevision!.requestedTaskCount, 1);
  assert.equal(done.deploymentCircuitBreaker!.status, "DISABLED");
  assert.equal(done.alarms!.status, "DISABLED");
  assert.equal(done.deploymentConfiguration!.maximumPercent, 200);

  const target = await revision(done.targetServiceRevision!.arn!);
  assert.equal(target.taskDefinition, defs.v2);
  assert.equal(target.serviceArn, done.serviceArn);
  assert.equal(target.launchType, "EC2");
  assert.deepEqual(target.containerImages, [{ containerName: "app", image: TEST_IMAGE }]);
  assert.equal((await revision(firstTarget)).taskDefinition, defs.v1);
  assert.deepEqual(await liveDefinitions("web"), [defs.v2]);
  const svc = await describeService("web");
  assert.equal(svc.currentServiceDeployment, arn);
  assert.deepEqual(svc.currentServiceRevisions!.map((r) => [r.arn, r.runningTaskCount]), [[done.targetServiceRevision!.arn, 1]]);

  // Newest first; filters by status and creation time; pages.
  const all = await list("web");
  assert.deepEqual(all.map((d) => d.serviceDeploymentArn), [arn, first.serviceDeploymentArn]);
  assert.equal(all[0]!.targetServiceRevisionArn, done.targetServiceRevision!.arn);
  assert.deepEqual(all.map((d) => d.status), ["SUCCESSFUL", "SUCCESSFUL"]);
  assert.deepEqual(await list("web", { status: ["IN_PROGRESS", "ROLLBACK_IN_PROGRESS"] }), []);
  assert.deepEqual(await list("web", { createdAt: { after: new Date(Date.now() + 3_600_000) } }), []);
  assert.deepEqual((await list("web", { createdAt: { after: done.createdAt } })).map((d) => d.serviceDeploymentArn), [arn]);
  const page1 = await ecs.send(new ListServiceDeploymentsCommand({ service: "web", maxResults: 1 }));
  assert.equal(page1.serviceDeployments!.length, 1);
  assert.ok(page1.nextToken);
  const page2 = await ecs.send(new ListServiceDeploymentsCommand({ service: "web", maxResults: 1, nextToken: page1.nextToken }));
  assert.deepEqual(page2.serviceDeployments!.map((d) => d.serviceDeploymentArn), [first.serviceDeploymentArn]);
  assert.equal(page2.nextToken, undefined);

  // Debian's AWS CLI (2.9) predates these operations: the SDK is the client here.
});

test("StopServiceDeployment ROLLBACK mid-deployment ends ROLLBACK_SUCCESSFUL with the old task definition running", async () => {
  const first = await createSteady("stopme");
  const arn = await update("stopme", defs.slow!);
  await reaches(arn, "IN_PROGRESS");
  // Mid-deployment: the new task runs (never healthy), the old one still serves.
  await waitFor("the slow task running", async () => {
    const live = await liveDefinitions("stopme");
    return live.includes(defs.slow!) && live.includes(defs.v1!);
  });

  const out = await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: "ROLLBACK" }));
  assert.equal(out.serviceDeploymentArn, arn);
  const rolledBack = await reaches(arn, "ROLLBACK_SUCCESSFUL");
  assert.equal(rolledBack.rollback!.serviceRevisionArn, first.targetServiceRevision!.arn);
  assert.equal(rolledBack.rollback!.reason, "ECS deployment stopped by StopServiceDeployment for a rollback.");
  assert.ok(rolledBack.rollback!.startedAt && rolledBack.finishedAt);
  const svc = await describeService("stopme");
  assert.equal(svc.taskDefinition, defs.v1, "the service runs its old task definition again");
  assert.deepEqual(await liveDefinitions("stopme"), [defs.v1]);
  const messages = svc.events!.map((e) => e.message!);
  assert.ok(messages.some((m) => /^\(service stopme\) \(deployment ecs-svc\/\d+\) deployment stopped\.$/.test(m)), messages.join("\n"));
  assert.ok(messages.some((m) => /^\(service stopme\) rolling back to deployment ecs-svc\/\d+\.$/.test(m)));

  // A finished deployment cannot be stopped; unknown ARNs get ECS's errors; nothing changes.
  await assert.rejects(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn })), (err: Error) => err.name === "ConflictException" && /ROLLBACK_SUCCESSFUL/.test(err.message));
  await assert.rejects(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: first.serviceDeploymentArn })), { name: "ConflictException" });
  await assert.rejects(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: `${arn}x` })), { name: "ServiceDeploymentNotFoundException" });
  await assert.rejects(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: "not-an-arn" })), { name: "ServiceDeploymentNotFoundException" });
  await assert.rejects(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: "PAUSE" as never })), (err: Error) => err.name === "InvalidParameterException" || err.name === "ValidationException");
  assert.equal((await describeDeployment(arn)).status, "ROLLBACK_SUCCESSFUL");
  await assert.rejects(ecs.send(new ListServiceDeploymentsCommand({ service: "nope" })), { name: "ServiceNotFoundException" });
  await assert.rejects(ecs.send(new ListServiceDeploymentsCommand({ service: "stopme", cluster: "nope" })), { name: "ClusterNotFoundException" });
  await assert.rejects(ecs.send(new ListServiceDeploymentsCommand({ service: "stopme", maxResults: 101 })), { name: "InvalidParameterException" });
  await assert.rejects(ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [] })), { name: "InvalidParameterException" });
  const missing = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: ["arn:aws:ecs:us-east-1:000000000000:service-revision/default/stopme/1"] }));
  assert.deepEqual(missing.failures, [{ arn: "arn:aws:ecs:us-east-1:000000000000:service-revision/default/stopme/1", reason: "MISSING" }]);
  // Another region's view does not see this one's deployments.
  const elsewhere = await berth.ecs("eu-west-1").send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
  assert.deepEqual(elsewhere.failures, [{ arn, reason: "MISSING" }]);
});

test("an alarm set to ALARM during a deployment fails it (rolloutState FAILED) and rolls back", async () => {
  await cw.send(new PutMetricAlarmCommand({
    AlarmName: "deploy-errors", Namespace: "Berth/Deployments", MetricName: "Errors", Statistic: "Sum", Period: 60, EvaluationPeriods: 1,
    Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold", TreatMissingData: "notBreaching",
  }));
  const first = await createSteady("alarmed", { alarms: { alarmNames: ["deploy-errors"], enable: true, rollback: true } });
  assert.deepEqual(first.alarms, { status: "MONITORING_COMPLETE", alarmNames: ["deploy-errors"], triggeredAlarmNames: [] });
  const arn = await update("alarmed", defs.slow!);
  await reaches(arn, "IN_PROGRESS");
  await waitFor("the slow task running", async () => (await liveDefinitions("alarmed")).includes(defs.slow!));
  assert.equal((await describeDeployment(arn)).alarms!.status, "MONITORING");

  await cw.send(new SetAlarmStateCommand({ AlarmName: "deploy-errors", StateValue: "ALARM", StateReason: "errors during the deployment" }));
  // The failed deployment stays listed (FAILED) until its tasks have stopped and the rollback completed.
  const failed = await waitFor("a FAILED deployment", async () => (await describeService("alarmed")).deployments!.find((d) => d.rolloutState === "FAILED"));
  assert.equal(failed.rolloutStateReason, "ECS deployment failed: alarm(s) in ALARM state: deploy-errors.");
  assert.equal(failed.taskDefinition, defs.slow);
  const rolledBack = await reaches(arn, "ROLLBACK_SUCCESSFUL");
  assert.deepEqual(rolledBack.alarms, { status: "TRIGGERED", alarmNames: ["deploy-errors"], triggeredAlarmNames: ["deploy-errors"] });
  assert.equal(rolledBack.statusReason, failed.rolloutStateReason);
  assert.equal(rolledBack.rollback!.serviceRevisionArn, first.targetServiceRevision!.arn);
  const svc = await describeService("alarmed");
  assert.equal(svc.taskDefinition, defs.v1);
  assert.deepEqual(svc.deployments!.map((d) => [d.taskDefinition, d.rolloutState]), [[defs.v1, "COMPLETED"]]);
  assert.deepEqual(await liveDefinitions("alarmed"), [defs.v1]);
  const messages = svc.events!.map((e) => e.message!);
  assert.ok(messages.includes(`(service alarmed) (deployment ${failed.id}) deployment failed: alarm detected.`), messages.join("\n"));
  assert.ok(messages.some((m) => /^\(service alarmed\) rolling back to deployment ecs-svc\/\d+\.$/.test(m)));
});

test("StopServiceDeployment ABORT leaves the deployment where it is: STOPPED, rolloutState FAILED, both revisions still running", async () => {
  await createSteady("aborted");
  const arn = await update("aborted", defs.slow!);
  await waitFor("the slow task running", async () => (await liveDefinitions("aborted")).includes(defs.slow!));
  await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: "ABORT" }));
  const stopped = await reaches(arn, "STOPPED");
  assert.equal(stopped.statusReason, "ECS deployment stopped by StopServiceDeployment.");
  assert.equal(stopped.rollback, undefined);
  assert.ok(stopped.stoppedAt && stopped.finishedAt);
  const svc = await describeService("aborted");
  assert.deepEqual(svc.deployments!.map((d) => [d.taskDefinition, d.rolloutState]), [[defs.slow, "FAILED"], [defs.v1, "COMPLETED"]]);
  assert.equal(svc.deployments![0]!.rolloutStateReason, "ECS deployment stopped by StopServiceDeployment.");
  assert.deepEqual((await liveDefinitions("aborted")).sort(), [defs.v1, defs.slow].sort());
  await assert.rejects(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn })), { name: "ConflictException" });
  await ecs.send(new DeleteServiceCommand({ service: "aborted", force: true }));
});

test("the circuit breaker's rollback is a ROLLBACK_SUCCESSFUL service deployment with its failure count", async () => {
  const first = await createSteady("breaker", { deploymentCircuitBreaker: { enable: true, rollback: true } });
  assert.deepEqual(first.deploymentCircuitBreaker, { status: "MONITORING_COMPLETE", failureCount: 0, threshold: 3 });
  const arn = await update("breaker", defs.crash!);
  const done = await reaches(arn, "ROLLBACK_SUCCESSFUL", 180_000);
  assert.equal(done.deploymentCircuitBreaker!.status, "TRIGGERED");
  assert.ok(done.deploymentCircuitBreaker!.failureCount! >= 3);
  assert.equal(done.statusReason, "ECS deployment circuit breaker: tasks failed to start.");
  assert.equal(done.rollback!.serviceRevisionArn, first.targetServiceRevision!.arn);
  assert.equal((await describeService("breaker")).taskDefinition, defs.v1);
  await ecs.send(new DeleteServiceCommand({ service: "breaker", force: true }));
});

const weights = (ruleArn: string) => forwardWeights(elb, ruleArn);

test("BLUE_GREEN: an alarm in ALARM during the bake time rolls back, production traffic returns to blue", async () => {
  const { blue, green, production } = await blueGreenAlb(elb, "baked");
  const web = (body: string) => ecs.send(new RegisterTaskDefinitionCommand({
    family: "baked", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
    containerDefinitions: [{
      name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1, entryPoint: ["sh", "-c"], portMappings: [{ containerPort: 8080, protocol: "tcp" }],
      command: [`mkdir -p /www && echo ok > /www/health && echo ${body} > /www/index.html && exec httpd -f -p 8080 -h /www`],
    }],
  })).then((o) => o.taskDefinition!.taskDefinitionArn!);
  const v1 = await web("v1");
  const v2 = await web("v2");
  await cw.send(new PutMetricAlarmCommand({
    AlarmName: "bake-errors", Namespace: "Berth/Deployments", MetricName: "BakeErrors", Statistic: "Sum", Period: 60, EvaluationPeriods: 1,
    Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold", TreatMissingData: "notBreaching",
  }));
  const { service } = await ecs.send(new CreateServiceCommand({
    serviceName: "baked", taskDefinition: v1, desiredCount: 1, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
    loadBalancers: [{ targetGroupArn: blue, containerName: "web", containerPort: 8080, advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: production } }],
    // A bake time far longer than the test: only the alarm can end green's deployment.
    deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 60, alarms: { alarmNames: ["bake-errors"], enable: true, rollback: true } },
  }));
  const first = await reaches(service!.currentServiceDeployment!, "SUCCESSFUL", 180_000);

  const arn = await update("baked", v2);
  await waitFor("production traffic on green", async () => (await weights(production))[green] === 100 || undefined, 180_000);
  const baking = await waitFor("the bake time", async () => {
    const d = await describeDeployment(arn);
    return d.lifecycleStage === "BAKE_TIME" ? d : undefined;
  });
  assert.equal(baking.status, "IN_PROGRESS");
  await cw.send(new SetAlarmStateCommand({ AlarmName: "bake-errors", StateValue: "ALARM", StateReason: "errors while baking" }));
  const done = await reaches(arn, "ROLLBACK_SUCCESSFUL", 180_000);
  assert.deepEqual(done.alarms!.triggeredAlarmNames, ["bake-errors"]);
  assert.equal(done.rollback!.serviceRevisionArn, first.targetServiceRevision!.arn);
  assert.deepEqual(await weights(production), { [blue]: 100, [green]: 0 }, "production traffic is back on blue");
  const svc = await describeService("baked");
  assert.equal(svc.taskDefinition, v1);
  assert.deepEqual(svc.deployments!.map((d) => [d.taskDefinition, d.rolloutState]), [[v1, "COMPLETED"]]);
  await ecs.send(new DeleteServiceCommand({ service: "baked", force: true }));
  await waitFor("baked INACTIVE", async () => (await describeService("baked")).status === "INACTIVE", 60_000);
});

test("service deployments and revisions survive a restart; a deleted service's deployments stop", async () => {
  const before = await list("web");
  await berth.stop();
  berth = await BerthProcess.start({ args: ARGS, dataDir });
  ecs = berth.ecs();
  assert.deepEqual(await list("web"), before);
  const done = await describeDeployment(before[0]!.serviceDeploymentArn!);
  assert.equal(done.status, "SUCCESSFUL");
  assert.equal((await revision(done.targetServiceRevision!.arn!)).taskDefinition, defs.v2);

  // A deployment in progress when its service is deleted is STOPPED.
  const arn = await update("web", defs.slow!);
  await reaches(arn, "IN_PROGRESS");
  await ecs.send(new DeleteServiceCommand({ service: "web", force: true }));
  const stopped = await reaches(arn, "STOPPED");
  assert.equal(stopped.statusReason, "The service was deleted.");
  for (const name of ["stopme", "alarmed"]) await ecs.send(new DeleteServiceCommand({ service: name, force: true }));
});
