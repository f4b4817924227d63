import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { SQSClient, CreateQueueCommand, ReceiveMessageCommand, DeleteMessageBatchCommand } from "@aws-sdk/client-sqs";
import { IAMClient, CreateRoleCommand } from "@aws-sdk/client-iam";
import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import {
  CreateClusterCommand, CreateServiceCommand, CreateTaskSetCommand, DeleteServiceCommand, ListContainerInstancesCommand, ListTasksCommand, PutAttributesCommand, RegisterTaskDefinitionCommand,
  UpdateServiceCommand, type ECSClient,
} from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * "ECS Service Action" events (the Developer Guide's "Amazon ECS service action events") as a user
 * receives them: a rule for source aws.ecs and that detail type sends each to an SQS queue, and
 * real services with real tasks give rise to them. Each is checked with its whole detail.
 */

const ACCOUNT = "000000000000";
const creds = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
const CLUSTER_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/work`;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
let berth: BerthProcess;
let ecs: ECSClient;
let sqs: SQSClient;
let events: EventBridgeClient;
let queueUrl = "";
const received: Array<Record<string, any>> = [];

const taskDef = (family: string, command: string, extra: Record<string, unknown> = {}) => ({
  family, requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", ...extra,
  containerDefinitions: [{ name: "main", image: TEST_IMAGE, essential: true, entryPoint: ["sh", "-c"], command: [command], stopTimeout: 2 }],
});
const network = { awsvpcConfiguration: { subnets: ["subnet-1"] } };

/** Drains the queue into `received` until `match` finds an event; returns it. */
async function waitForAction(what: string, match: (e: Record<string, any>) => boolean, timeoutMs = 90_000): Promise<Record<string, any>> {
  return waitFor(what, async () => {
    const found = received.find(match);
    if (found) return found;
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
    if (!Messages?.length) return undefined;
    received.push(...Messages.map((m) => JSON.parse(m.Body!)));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    return received.find(match);
  }, timeoutMs);
}

const named = (name: string, serviceArn: string) => (e: Record<string, any>) => e.detail.eventName === name && e.resources[0] === serviceArn;

/** The envelope every service action event has: source, detail type, account, region, the service. */
function assertEnvelope(e: Record<string, any>, serviceArn: string): void {
  assert.equal(e.version, "0");
  assert.equal(e.source, "aws.ecs");
  assert.equal(e["detail-type"], "ECS Service Action");
  assert.equal(e.account, ACCOUNT);
  assert.equal(e.region, "us-east-1");
  assert.deepEqual(e.resources, [serviceArn]);
  assert.match(e.detail.createdAt, ISO);
}

async function removeService(name: string, cluster = "work"): Promise<void> {
  await ecs.send(new DeleteServiceCommand({ cluster, service: name, force: true }));
  await waitFor(`the tasks of ${name} to stop`, async () => {
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster, serviceName: name }));
    return taskArns?.length === 0 ? true : undefined;
  }, 60_000);
}

before(async () => {
  await ensureTestImage();
  // Two EC2 container instances in the default cluster, for the DAEMON service.
  berth = await BerthProcess.start({ args: ["--instances", "2"] });
  ecs = berth.ecs();
  sqs = new SQSClient({ endpoint: berth.endpoint, ...creds });
  events = new EventBridgeClient({ endpoint: berth.endpoint, ...creds });
  await ecs.send(new CreateClusterCommand({ clusterName: "work", capacityProviders: ["FARGATE", "FARGATE_SPOT"] }));
  await ecs.send(new RegisterTaskDefinitionCommand(taskDef("sleeper", "sleep 600") as never));
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "service-actions" }))).QueueUrl!;
  await events.send(new PutRuleCommand({ Name: "service-actions", EventPattern: JSON.stringify({ source: ["aws.ecs"], "detail-type": ["ECS Service Action"] }) }));
  await events.send(new PutTargetsCommand({ Rule: "service-actions", Targets: [{ Id: "queue", Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:service-actions` }] }));
});
after(async () => {
  sqs?.destroy();
  events?.destroy();
  await berth?.dispose();
});

test("SERVICE_STEADY_STATE and CAPACITY_PROVIDER_STEADY_STATE for a capacity provider service; TASKS_STOPPED when it scales in", async () => {
  const { service } = await ecs.send(new CreateServiceCommand({
    cluster: "work", serviceName: "spot", taskDefinition: "sleeper", desiredCount: 1, networkConfiguration: network,
    capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }],
  }));
  const arn = service!.serviceArn!;
  const steady = await waitForAction("SERVICE_STEADY_STATE", named("SERVICE_STEADY_STATE", arn));
  assertEnvelope(steady, arn);
  assert.deepEqual(steady.detail, { eventType: "INFO", eventName: "SERVICE_STEADY_STATE", clusterArn: CLUSTER_ARN, createdAt: steady.detail.createdAt });
  const provider = await waitForAction("CAPACITY_PROVIDER_STEADY_STATE", named("CAPACITY_PROVIDER_STEADY_STATE", arn));
  assertEnvelope(provider, arn);
  assert.deepEqual(provider.detail, {
    eventType: "INFO", eventName: "CAPACITY_PROVIDER_STEADY_STATE", clusterArn: CLUSTER_ARN,
    capacityProviderArns: [`arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/FARGATE_SPOT`], createdAt: provider.detail.createdAt,
  });

  const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: "work", serviceName: "spot" }));
  await ecs.send(new UpdateServiceCommand({ cluster: "work", service: "spot", desiredCount: 0 }));
  const stopped = await waitForAction("TASKS_STOPPED", named("TASKS_STOPPED", arn));
  assertEnvelope(stopped, arn);
  assert.deepEqual(stopped.detail, { eventType: "INFO", eventName: "TASKS_STOPPED", clusterArn: CLUSTER_ARN, taskArns, createdAt: stopped.detail.createdAt });
  // A user's UpdateService of the desired count is not the scheduler's: no SERVICE_DESIRED_COUNT_UPDATED came before it.
  assert.equal(received.some(named("SERVICE_DESIRED_COUNT_UPDATED", arn)), false);
  await removeService("spot");
});

test("Application Auto Scaling raising the desired count: SERVICE_DESIRED_COUNT_UPDATED with the new count", async () => {
  const { service } = await ecs.send(new CreateServiceCommand({ cluster: "work", serviceName: "scaled", taskDefinition: "sleeper", desiredCount: 1, launchType: "FARGATE", networkConfiguration: network }));
  const arn = service!.serviceArn!;
  const aas = new ApplicationAutoScalingClient({ endpoint: berth.endpoint, ...creds });
  // A minimum above the current count moves the service into range at once, as in AWS.
  await aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: "ecs", ResourceId: "service/work/scaled", ScalableDimension: "ecs:service:DesiredCount", MinCapacity: 2, MaxCapacity: 3 }));
  aas.destroy();
  const e = await waitForAction("SERVICE_DESIRED_COUNT_UPDATED", named("SERVICE_DESIRED_COUNT_UPDATED", arn));
  assertEnvelope(e, arn);
  assert.deepEqual(e.detail, { eventType: "INFO", eventName: "SERVICE_DESIRED_COUNT_UPDATED", clusterArn: CLUSTER_ARN, desiredCount: 2, createdAt: e.detail.createdAt });
  await removeService("scaled");
});

test("EXTERNAL task sets: TASKSET_STEADY_STATE, and SERVICE_DESIRED_COUNT_UPDATED when the service's count moves their computed count", async () => {
  const { service } = await ecs.send(new CreateServiceCommand({ cluster: "work", serviceName: "ext", desiredCount: 1, deploymentController: { type: "EXTERNAL" } }));
  const arn = service!.serviceArn!;
  const { taskSet } = await ecs.send(new CreateTaskSetCommand({
    cluster: "work", service: "ext", taskDefinition: "sleeper", launchType: "FARGATE", networkConfiguration: network, scale: { value: 100, unit: "PERCENT" },
  }));
  const steady = await waitForAction("TASKSET_STEADY_STATE", named("TASKSET_STEADY_STATE", arn));
  assertEnvelope(steady, arn);
  assert.deepEqual(steady.detail, { eventType: "INFO", eventName: "TASKSET_STEADY_STATE", clusterArn: CLUSTER_ARN, taskSetArns: [taskSet!.taskSetArn], createdAt: steady.detail.createdAt });

  await ecs.send(new UpdateServiceCommand({ cluster: "work", service: "ext", desiredCount: 2 }));
  const updated = await waitForAction("the task set's SERVICE_DESIRED_COUNT_UPDATED", named("SERVICE_DESIRED_COUNT_UPDATED", arn));
  assertEnvelope(updated, arn);
  assert.deepEqual(updated.detail, {
    eventType: "INFO", eventName: "SERVICE_DESIRED_COUNT_UPDATED", clusterArn: CLUSTER_ARN, desiredCount: 2, taskSetArns: [taskSet!.taskSetArn], createdAt: updated.detail.createdAt,
  });
  // Steady again once it runs its two tasks.
  await waitForAction("a second TASKSET_STEADY_STATE", (e) => named("TASKSET_STEADY_STATE", arn)(e) && e !== steady);
  await removeService("ext");
});

test("SERVICE_TASK_START_IMPAIRED when the service's tasks keep failing to start", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand(taskDef("crasher", "exit 1") as never));
  const { service } = await ecs.send(new CreateServiceCommand({ cluster: "work", serviceName: "crashing", taskDefinition: "crasher", desiredCount: 1, launchType: "FARGATE", networkConfiguration: network }));
  const arn = service!.serviceArn!;
  const e = await waitForAction("SERVICE_TASK_START_IMPAIRED", named("SERVICE_TASK_START_IMPAIRED", arn), 120_000);
  assertEnvelope(e, arn);
  assert.deepEqual(e.detail, { eventType: "WARN", eventName: "SERVICE_TASK_START_IMPAIRED", clusterArn: CLUSTER_ARN, createdAt: e.detail.createdAt });
  await removeService("crashing");
});

test("SERVICE_TASK_CONFIGURATION_FAILURE when ECS cannot assume the task role", async () => {
  const iam = new IAMClient({ endpoint: berth.endpoint, ...creds });
  const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });
  const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: "lambda-only", AssumeRolePolicyDocument: trust }))).Role!.Arn!;
  iam.destroy();
  await ecs.send(new RegisterTaskDefinitionCommand(taskDef("misrole", "sleep 600", { taskRoleArn: roleArn }) as never));
  const { service } = await ecs.send(new CreateServiceCommand({ cluster: "work", serviceName: "misrole", taskDefinition: "misrole", desiredCount: 1, launchType: "FARGATE", networkConfiguration: network }));
  const arn = service!.serviceArn!;
  const e = await waitForAction("SERVICE_TASK_CONFIGURATION_FAILURE", named("SERVICE_TASK_CONFIGURATION_FAILURE", arn));
  assertEnvelope(e, arn);
  assert.deepEqual(e.detail, {
    eventType: "ERROR", eventName: "SERVICE_TASK_CONFIGURATION_FAILURE", clusterArn: CLUSTER_ARN, createdAt: e.detail.createdAt,
    reason: `ResourceInitializationError: unable to assume the task role ${roleArn}: User: ecs-tasks.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
  });
  await removeService("misrole");
});

test("DAEMON: SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED when an instance no longer matches, and SERVICE_DESIRED_COUNT_UPDATED as the daemon leaves it", async () => {
  const instances = (await ecs.send(new ListContainerInstancesCommand({ cluster: "default" }))).containerInstanceArns!;
  assert.equal(instances.length, 2);
  await ecs.send(new PutAttributesCommand({ cluster: "default", attributes: instances.map((targetId) => ({ name: "tier", value: "edge", targetId })) }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "edge-agent", networkMode: "bridge",
    containerDefinitions: [{ name: "main", image: TEST_IMAGE, essential: true, memory: 64, entryPoint: ["sh", "-c"], command: ["sleep 600"], stopTimeout: 2 }],
  }));
  const { service } = await ecs.send(new CreateServiceCommand({
    cluster: "default", serviceName: "edge", taskDefinition: "edge-agent", schedulingStrategy: "DAEMON", placementConstraints: [{ type: "memberOf", expression: "attribute:tier == edge" }],
  }));
  const arn = service!.serviceArn!;
  const defaultCluster = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/default`;
  await waitForAction("the daemon's SERVICE_STEADY_STATE", named("SERVICE_STEADY_STATE", arn));

  await ecs.send(new PutAttributesCommand({ cluster: "default", attributes: [{ name: "tier", value: "core", targetId: instances[1] }] }));
  const violated = await waitForAction("SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED", named("SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED", arn));
  assertEnvelope(violated, arn);
  assert.deepEqual(violated.detail, {
    eventType: "ERROR", eventName: "SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED", clusterArn: defaultCluster, containerInstanceArns: [instances[1]], createdAt: violated.detail.createdAt,
  });
  // The scheduler computes a daemon's desired count: one instance left to run it.
  const updated = await waitForAction("SERVICE_DESIRED_COUNT_UPDATED to 1", (e) => named("SERVICE_DESIRED_COUNT_UPDATED", arn)(e) && e.detail.desiredCount === 1);
  assertEnvelope(updated, arn);
  assert.deepEqual(updated.detail, { eventType: "INFO", eventName: "SERVICE_DESIRED_COUNT_UPDATED", clusterArn: defaultCluster, desiredCount: 1, createdAt: updated.detail.createdAt });
  await removeService("edge", "default");
});
