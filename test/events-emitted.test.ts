import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { BatchDeleteImageCommand } from "@aws-sdk/client-ecr";
import { CreateClusterCommand, CreateServiceCommand, DescribeTasksCommand, ListTasksCommand, RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand, DeleteServiceCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";
import { createRepository, ecr, Oci, registryPassword } from "./registry-kit.js";
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";

/**
 * The events Berth emits onto the default bus, with AWS's detail shapes, observed the way a user
 * would: a rule whose target runs a task with the whole event (<aws.events.event.json>) in an
 * environment override, read back with DescribeTasks.
 */

const ACCOUNT = "000000000000";
let berth: BerthProcess;
let ecs: ECSClient;
let events: EventBridgeClient;

const taskDef = (family: string, command: string) => ({
  family, requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
  containerDefinitions: [{ name: "main", image: TEST_IMAGE, essential: true, entryPoint: ["sh", "-c"], command: [command], stopTimeout: 2 }],
});

/** Every event the probe rule delivered so far. */
async function probed(): Promise<Array<Record<string, any>>> {
  const arns = [
    ...((await ecs.send(new ListTasksCommand({ cluster: "probe", startedBy: "events-rule/probe" }))).taskArns ?? []),
    ...((await ecs.send(new ListTasksCommand({ cluster: "probe", startedBy: "events-rule/probe", desiredStatus: "STOPPED" }))).taskArns ?? []),
  ];
  const found: Array<Record<string, any>> = [];
  for (let i = 0; i < arns.length; i += 100) {
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: "probe", tasks: arns.slice(i, i + 100) }));
    for (const t of tasks ?? []) found.push(JSON.parse(t.overrides!.containerOverrides![0]!.environment![0]!.value!));
  }
  return found;
}

async function waitForEvent(what: string, match: (e: Record<string, any>) => boolean): Promise<Record<string, any>> {
  return waitFor(what, async () => (await probed()).find(match), 60_000);
}

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start();
  ecs = berth.ecs();
  events = new EventBridgeClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  const probe = (await ecs.send(new CreateClusterCommand({ clusterName: "probe" }))).cluster!.clusterArn!;
  await ecs.send(new CreateClusterCommand({ clusterName: "work" }));
  await ecs.send(new RegisterTaskDefinitionCommand(taskDef("probe", "exit 0") as never));
  await ecs.send(new RegisterTaskDefinitionCommand(taskDef("svc", "sleep 600") as never));
  await events.send(new PutRuleCommand({ Name: "probe", EventPattern: JSON.stringify({
    $or: [
      { source: ["aws.ecr", "aws.cloudwatch"] },
      { source: ["aws.ecs"], "detail-type": ["ECS Service Action", "ECS Deployment State Change", "ECS Container Instance State Change"] },
    ],
  }) }));
  await events.send(new PutTargetsCommand({ Rule: "probe", Targets: [{
    Id: "probe", Arn: probe,
    EcsParameters: { TaskDefinitionArn: "probe", LaunchType: "FARGATE", NetworkConfiguration: { awsvpcConfiguration: { Subnets: ["subnet-1"] } } },
    InputTransformer: { InputPathsMap: {}, InputTemplate: '{"containerOverrides":[{"name":"main","environment":[{"name":"EVENT","value":"<aws.events.event.json>"}]}]}' },
  }] }));
});
after(async () => {
  events?.destroy();
  await berth?.dispose();
});

test("ECR Image Action (PUSH, DELETE) and ECR Image Scan", async () => {
  await createRepository(berth, { repositoryName: "app", imageScanningConfiguration: { scanOnPush: true } });
  const oci = new Oci(berth.endpoint, await registryPassword(berth));
  const { digest } = await oci.pushImage("app", "v1");
  const push = await waitForEvent("ECR Image Action PUSH", (e) => e["detail-type"] === "ECR Image Action" && e.detail["action-type"] === "PUSH");
  assert.equal(push.source, "aws.ecr");
  assert.equal(push.account, ACCOUNT);
  assert.deepEqual(push.detail, { result: "SUCCESS", "repository-name": "app", "image-digest": digest, "action-type": "PUSH", "image-tag": "v1" });
  const scan = await waitForEvent("ECR Image Scan", (e) => e["detail-type"] === "ECR Image Scan");
  assert.deepEqual(scan.resources, [`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/app`]);
  // No vulnerability database is configured: the scan fails, and the event says so.
  assert.equal(scan.detail["scan-status"], "FAILED");
  assert.equal(scan.detail["image-digest"], digest);
  assert.deepEqual(scan.detail["image-tags"], ["v1"]);
  await ecr(berth).send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageDigest: digest }] }));
  const del = await waitForEvent("ECR Image Action DELETE", (e) => e["detail-type"] === "ECR Image Action" && e.detail["action-type"] === "DELETE");
  assert.deepEqual(del.detail, { result: "SUCCESS", "repository-name": "app", "image-digest": digest, "action-type": "DELETE", "image-tag": "v1" });
});

test("ECS Container Instance State Change", async () => {
  const { containerInstance } = await ecs.send(new RegisterContainerInstanceCommand({ cluster: "work" }));
  const e = await waitForEvent("the instance's event", (x) => x["detail-type"] === "ECS Container Instance State Change" && x.resources[0] === containerInstance!.containerInstanceArn);
  assert.equal(e.detail.containerInstanceArn, containerInstance!.containerInstanceArn);
  assert.equal(e.detail.clusterArn, `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/work`);
  assert.equal(e.detail.status, "ACTIVE");
  assert.equal(e.detail.agentConnected, true);
  assert.ok(Array.isArray(e.detail.registeredResources));
  assert.match(e.detail.updatedAt, /^\d{4}-\d\d-\d\dT/);
});

test("ECS Deployment State Change and ECS Service Action (SERVICE_STEADY_STATE)", async () => {
  const { service } = await ecs.send(new CreateServiceCommand({
    cluster: "work", serviceName: "web", taskDefinition: "svc", desiredCount: 1, launchType: "FARGATE",
    networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
  }));
  const deploymentId = service!.deployments![0]!.id!;
  const progress = await waitForEvent("SERVICE_DEPLOYMENT_IN_PROGRESS", (e) => e.detail.eventName === "SERVICE_DEPLOYMENT_IN_PROGRESS");
  assert.equal(progress["detail-type"], "ECS Deployment State Change");
  assert.deepEqual(progress.resources, [service!.serviceArn]);
  assert.equal(progress.detail.eventType, "INFO");
  assert.equal(progress.detail.deploymentId, deploymentId);
  const completed = await waitForEvent("SERVICE_DEPLOYMENT_COMPLETED", (e) => e.detail.eventName === "SERVICE_DEPLOYMENT_COMPLETED");
  assert.equal(completed.detail.reason, `ECS deployment ${deploymentId} completed.`);
  const steady = await waitForEvent("SERVICE_STEADY_STATE", (e) => e.detail.eventName === "SERVICE_STEADY_STATE");
  assert.equal(steady["detail-type"], "ECS Service Action");
  assert.deepEqual(steady.resources, [service!.serviceArn]);
  assert.equal(steady.detail.eventType, "INFO");
  assert.equal(steady.detail.clusterArn, `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/work`);
  await ecs.send(new UpdateServiceCommand({ cluster: "work", service: "web", desiredCount: 0 }));
  await ecs.send(new DeleteServiceCommand({ cluster: "work", service: "web" }));
  await waitFor("the service's task to stop", async () => {
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: "work" }));
    return taskArns?.length === 0 ? true : undefined;
  }, 60_000);
});

test("ECS Service Action SERVICE_TASK_PLACEMENT_FAILURE: an EC2 service in a cluster with no instances", async () => {
  const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: "empty" }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "on-ec2", requiresCompatibilities: ["EC2"], networkMode: "bridge",
    containerDefinitions: [{ name: "main", image: TEST_IMAGE, essential: true, memory: 64, entryPoint: ["sh", "-c"], command: ["sleep 600"] }],
  }));
  const { service } = await ecs.send(new CreateServiceCommand({ cluster: "empty", serviceName: "nowhere", taskDefinition: "on-ec2", desiredCount: 1, launchType: "EC2" }));
  const e = await waitForEvent("SERVICE_TASK_PLACEMENT_FAILURE", (x) => x.detail.eventName === "SERVICE_TASK_PLACEMENT_FAILURE");
  assert.equal(e["detail-type"], "ECS Service Action");
  assert.equal(e.source, "aws.ecs");
  assert.deepEqual(e.resources, [service!.serviceArn]);
  assert.equal(e.detail.eventType, "ERROR");
  assert.equal(e.detail.clusterArn, cluster!.clusterArn);
  assert.equal(typeof e.detail.reason, "string");
  assert.match(e.detail.createdAt, /^\d{4}-\d\d-\d\dT/);
  await ecs.send(new DeleteServiceCommand({ cluster: "empty", service: "nowhere", force: true }));
});

test("CloudWatch Alarm State Change", async () => {
  const cw = new CloudWatchClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  await cw.send(new PutMetricAlarmCommand({
    AlarmName: "cpu-high", MetricName: "CPUUtilization", Namespace: "AWS/ECS", Statistic: "Average", Period: 60, EvaluationPeriods: 1,
    Threshold: 80, ComparisonOperator: "GreaterThanThreshold", Dimensions: [{ Name: "ClusterName", Value: "work" }],
  }));
  await cw.send(new SetAlarmStateCommand({ AlarmName: "cpu-high", StateValue: "ALARM", StateReason: "testing" }));
  cw.destroy();
  const e = await waitForEvent("the alarm's event", (x) => x["detail-type"] === "CloudWatch Alarm State Change" && x.detail.state.value === "ALARM");
  assert.equal(e.source, "aws.cloudwatch");
  assert.deepEqual(e.resources, [`arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:cpu-high`]);
  assert.equal(e.detail.alarmName, "cpu-high");
  assert.equal(e.detail.state.reason, "testing");
  assert.match(e.detail.state.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  assert.equal(e.detail.previousState.value, "INSUFFICIENT_DATA");
  assert.deepEqual(e.detail.configuration.metrics[0].metricStat.metric, { namespace: "AWS/ECS", name: "CPUUtilization", dimensions: { ClusterName: "work" } });
});
