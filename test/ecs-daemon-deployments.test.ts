import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateCapacityProviderCommand, CreateClusterCommand, CreateDaemonCommand, DeleteDaemonCommand, DescribeDaemonCommand, DescribeDaemonDeploymentsCommand,
  DescribeTasksCommand, ListDaemonDeploymentsCommand, PutClusterCapacityProvidersCommand, RegisterContainerInstanceCommand, RegisterDaemonTaskDefinitionCommand,
  UpdateDaemonCommand, type DaemonDeployment, type ECSClient,
} from "@aws-sdk/client-ecs";
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * What watches a daemon deployment, end to end with real containers: the circuit breaker (a
 * revision whose container exits at once), CloudWatch alarms during the bake time, and the bake
 * time itself, which a kill -9 of the server does not lose.
 */
const run = promisify(execFile);
const CLUSTER = "rollouts";
const ASG_ARN = "arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:5b1c6d0e-1111-2222-3333-444455556666:autoScalingGroupName/rollout-pool";
const dataDir = mkdtempSync(join(tmpdir(), "berth-daemon-deployments-"));

let berth: BerthProcess;
let ecs: ECSClient;
let cw: CloudWatchClient;
let providerArn: string;
let daemonArn: string;
let firstRevision: string;
const instances: string[] = [];
const defs: Record<string, string> = {};

/** The running containers of this Berth: the task each belongs to and what it runs. */
async function runningContainers(): Promise<Array<{ taskArn: string; command: string }>> {
  const { stdout } = await run("docker", ["ps", "--no-trunc", "--filter", `label=berth.instance=${berth.berthId}`, "--format", '{{.Label "berth.task-arn"}}\t{{.Command}}']);
  return stdout.trim().split("\n").filter(Boolean).map((l) => {
    const [taskArn, command] = l.split("\t");
    return { taskArn: taskArn!, command: command! };
  });
}

/** The tasks whose containers run `marker`, once there is one on each instance and nothing else runs. */
const everyInstanceRuns = (marker: string) =>
  waitFor(`one "${marker}" container per instance and nothing else`, async () => {
    const all = await runningContainers();
    const mine = all.filter((c) => c.command.includes(marker));
    return mine.length === instances.length && all.length === mine.length ? mine.map((c) => c.taskArn) : undefined;
  }, 120_000);

const describeDeployment = async (arn: string) => (await ecs.send(new DescribeDaemonDeploymentsCommand({ daemonDeploymentArns: [arn] }))).daemonDeployments![0]!;
const reaches = (arn: string, status: string, timeoutMs = 120_000): Promise<DaemonDeployment> =>
  waitFor(`daemon deployment ${status}`, async () => {
    const d = await describeDeployment(arn);
    return d.status === status ? d : undefined;
  }, timeoutMs);

async function register(marker: string, script = `echo ${marker}; sleep 3600`): Promise<string> {
  const { daemonTaskDefinitionArn } = await ecs.send(new RegisterDaemonTaskDefinitionCommand({
    family: "rollout-agent", memory: "64",
    containerDefinitions: [{ name: "agent", image: TEST_IMAGE, memory: 32, stopTimeout: 1, entryPoint: ["sh", "-c"], command: [script] }],
  }));
  return daemonTaskDefinitionArn!;
}

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ dataDir });
  ecs = berth.ecs();
  cw = new CloudWatchClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  providerArn = (await ecs.send(new CreateCapacityProviderCommand({ name: "rollout-pool", autoScalingGroupProvider: { autoScalingGroupArn: ASG_ARN } }))).capacityProvider!.capacityProviderArn!;
  await ecs.send(new PutClusterCapacityProvidersCommand({ cluster: CLUSTER, capacityProviders: ["rollout-pool"], defaultCapacityProviderStrategy: [] }));
  for (let i = 0; i < 2; i++) instances.push((await ecs.send(new RegisterContainerInstanceCommand({ cluster: CLUSTER }))).containerInstance!.containerInstanceArn!);
  defs.v1 = await register("rollout-one");
  defs.v2 = await register("rollout-two");
  defs.v3 = await register("rollout-three");
  defs.bad = await register("rollout-bad", "echo rollout-bad; exit 3");
});

after(async () => {
  try {
    if (daemonArn) {
      await ecs.send(new DeleteDaemonCommand({ daemonArn }));
      await waitFor("the daemon's containers stop", async () => ((await runningContainers()).length === 0 ? true : undefined));
    }
  } finally {
    cw?.destroy();
    await berth.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("a revision whose container exits at once trips the circuit breaker and the daemon rolls back to the previous revision", async () => {
  const created = await ecs.send(new CreateDaemonCommand({ daemonName: "agent", clusterArn: CLUSTER, daemonTaskDefinitionArn: defs.v1, capacityProviderArns: [providerArn] }));
  daemonArn = created.daemonArn!;
  const first = await reaches(created.deploymentArn!, "SUCCESSFUL");
  firstRevision = first.targetDaemonRevision!.arn!;
  // The circuit breaker watched the deployment (threshold: half the instances, at least 3) and is done watching.
  assert.deepEqual(first.circuitBreaker, { status: "MONITORING_COMPLETE", failureCount: 0, threshold: 3 });
  assert.deepEqual(first.alarms, { status: "DISABLED" });
  await everyInstanceRuns("rollout-one");

  // drainPercent 25 of two instances: one at a time.
  const updated = await ecs.send(new UpdateDaemonCommand({ daemonArn, daemonTaskDefinitionArn: defs.bad, capacityProviderArns: [providerArn] }));
  const failed = await reaches(updated.deploymentArn!, "ROLLBACK_SUCCESSFUL", 180_000);
  assert.equal(failed.statusReason, "ECS deployment circuit breaker: tasks failed to start.");
  assert.equal(failed.circuitBreaker!.status, "TRIGGERED");
  assert.equal(failed.circuitBreaker!.threshold, 3);
  assert.ok(failed.circuitBreaker!.failureCount! >= 3, `failureCount ${failed.circuitBreaker!.failureCount}`);
  assert.equal(failed.rollback!.rollbackTargetDaemonRevisionArn, firstRevision);
  assert.equal(failed.rollback!.reason, "ECS deployment circuit breaker: tasks failed to start.");
  assert.deepEqual(failed.rollback!.rollbackCapacityProviders, [providerArn]);
  assert.ok(failed.rollback!.startedAt! >= failed.startedAt! && failed.finishedAt! >= failed.rollback!.startedAt!);
  assert.notEqual(failed.targetDaemonRevision!.arn, firstRevision);

  // Every instance runs the first revision again.
  await everyInstanceRuns("rollout-one");
  const daemon = (await ecs.send(new DescribeDaemonCommand({ daemonArn }))).daemon!;
  assert.deepEqual(daemon.currentRevisions!.map((r) => [r.arn, r.totalRunningCount]), [[firstRevision, 2]]);
  const listed = await ecs.send(new ListDaemonDeploymentsCommand({ daemonArn, status: ["ROLLBACK_SUCCESSFUL"] }));
  assert.deepEqual(listed.daemonDeployments!.map((d) => [d.daemonDeploymentArn, d.statusReason]), [[updated.deploymentArn, "ECS deployment circuit breaker: tasks failed to start."]]);

  // The bad revision's tasks stopped on their own: what the breaker counted.
  const { stdout } = await run("docker", ["ps", "-a", "--no-trunc", "--filter", `label=berth.instance=${berth.berthId}`, "--filter", "status=exited", "--format", '{{.Label "berth.task-arn"}}']);
  const exited = [...new Set(stdout.trim().split("\n").filter(Boolean))];
  const badTasks = (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: exited }))).tasks!.filter((t) => t.taskDefinitionArn === defs.bad);
  assert.ok(badTasks.length >= 3);
  assert.ok(badTasks.every((t) => t.stopCode === "EssentialContainerExited" && t.lastStatus === "STOPPED"));
});

test("an alarm that goes to ALARM during the bake time rolls the update back", async () => {
  await cw.send(new PutMetricAlarmCommand({
    AlarmName: "daemon-errors", Namespace: "Berth/Daemons", MetricName: "AgentErrors", Statistic: "Sum", Period: 60, EvaluationPeriods: 1,
    Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold", TreatMissingData: "notBreaching",
  }));
  // A bake time far longer than the test: only the alarm can end this deployment.
  const updated = await ecs.send(new UpdateDaemonCommand({
    daemonArn, daemonTaskDefinitionArn: defs.v2, capacityProviderArns: [providerArn],
    deploymentConfiguration: { drainPercent: 100, bakeTimeInMinutes: 60, alarms: { alarmNames: ["daemon-errors"], enable: true } },
  }));
  await everyInstanceRuns("rollout-two");
  const baking = await describeDeployment(updated.deploymentArn!);
  assert.equal(baking.status, "IN_PROGRESS", "every instance runs the new revision, yet the deployment bakes");
  assert.deepEqual(baking.alarms, { status: "MONITORING", alarmNames: ["daemon-errors"], triggeredAlarmNames: [] });
  assert.equal(baking.targetDaemonRevision!.totalRunningInstanceCount, 2);

  await cw.send(new SetAlarmStateCommand({ AlarmName: "daemon-errors", StateValue: "ALARM", StateReason: "agent errors while baking" }));
  const done = await reaches(updated.deploymentArn!, "ROLLBACK_SUCCESSFUL");
  assert.deepEqual(done.alarms, { status: "TRIGGERED", alarmNames: ["daemon-errors"], triggeredAlarmNames: ["daemon-errors"] });
  assert.equal(done.statusReason, "ECS deployment failed: alarm(s) in ALARM state: daemon-errors.");
  assert.equal(done.circuitBreaker!.status, "MONITORING_COMPLETE");
  // The last deployment that completed is the first one (the breaker's rollback went back to it too).
  assert.equal(done.rollback!.rollbackTargetDaemonRevisionArn, firstRevision);
  await everyInstanceRuns("rollout-one");
  await cw.send(new SetAlarmStateCommand({ AlarmName: "daemon-errors", StateValue: "OK", StateReason: "quiet again" }));
});

test("a good update completes only once its tasks have baked, and a kill -9 during the bake time resumes it", async () => {
  const updated = await ecs.send(new UpdateDaemonCommand({
    daemonArn, daemonTaskDefinitionArn: defs.v3, capacityProviderArns: [providerArn],
    deploymentConfiguration: { drainPercent: 100, bakeTimeInMinutes: 1, alarms: { alarmNames: [], enable: false } },
  }));
  const news = await everyInstanceRuns("rollout-three");
  const baking = await describeDeployment(updated.deploymentArn!);
  assert.equal(baking.status, "IN_PROGRESS", "the new tasks run but have not baked yet");
  assert.equal(baking.circuitBreaker!.status, "MONITORING");
  assert.equal(baking.targetDaemonRevision!.totalRunningInstanceCount, 2);

  await berth.kill9();
  berth = await BerthProcess.start({ dataDir });
  ecs = berth.ecs();
  const adopted = await waitFor("the new tasks are adopted RUNNING", async () => {
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: news }));
    return tasks!.every((t) => t.lastStatus === "RUNNING") ? tasks! : undefined;
  });
  assert.equal((await describeDeployment(updated.deploymentArn!)).status, "IN_PROGRESS", "the bake time goes on after the restart");

  const done = await reaches(updated.deploymentArn!, "SUCCESSFUL", 180_000);
  const lastStart = Math.max(...adopted.map((t) => t.startedAt!.getTime()));
  assert.ok(done.finishedAt!.getTime() >= lastStart + 60_000, "the deployment completed no sooner than a bake time after its last task started");
  assert.deepEqual(done.circuitBreaker, { status: "MONITORING_COMPLETE", failureCount: 0, threshold: 3 });
  assert.deepEqual(done.sourceDaemonRevisions!.map((r) => r.arn), [firstRevision]);
  assert.deepEqual((await everyInstanceRuns("rollout-three")).sort(), [...news].sort(), "the same tasks ran through the restart");
});

test("a new task that never turns HEALTHY holds its deployment IN_PROGRESS until a newer deployment stops it", async () => {
  const { daemonTaskDefinitionArn: sick } = await ecs.send(new RegisterDaemonTaskDefinitionCommand({
    family: "rollout-agent", memory: "64",
    containerDefinitions: [{
      name: "agent", image: TEST_IMAGE, memory: 32, stopTimeout: 1, entryPoint: ["sh", "-c"], command: ["echo rollout-sick; sleep 3600"],
      healthCheck: { command: ["CMD-SHELL", "exit 1"], interval: 5, timeout: 2, retries: 1, startPeriod: 0 },
    }],
  }));
  const updated = await ecs.send(new UpdateDaemonCommand({
    daemonArn, daemonTaskDefinitionArn: sick!, capacityProviderArns: [providerArn], deploymentConfiguration: { drainPercent: 100, bakeTimeInMinutes: 0 },
  }));
  const tasks = await everyInstanceRuns("rollout-sick");
  await waitFor("the new tasks are UNHEALTHY", async () => {
    const described = (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks }))).tasks!;
    return described.every((t) => t.lastStatus === "RUNNING" && t.healthStatus === "UNHEALTHY") ? true : undefined;
  });
  const held = await describeDeployment(updated.deploymentArn!);
  assert.equal(held.status, "IN_PROGRESS", "running but unhealthy tasks do not complete the deployment");
  assert.equal(held.targetDaemonRevision!.totalRunningInstanceCount, 2);

  const fixed = await ecs.send(new UpdateDaemonCommand({ daemonArn, daemonTaskDefinitionArn: defs.v3, capacityProviderArns: [providerArn] }));
  const superseded = await describeDeployment(updated.deploymentArn!);
  assert.equal(superseded.status, "STOPPED");
  assert.equal(superseded.statusReason, "A newer deployment of the daemon superseded this deployment.");
  assert.equal(superseded.circuitBreaker!.status, "MONITORING_COMPLETE");
  await reaches(fixed.deploymentArn!, "SUCCESSFUL");
  await everyInstanceRuns("rollout-three");
});
