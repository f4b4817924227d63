import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { SchedulerClient, CreateScheduleCommand, GetScheduleCommand } from "@aws-sdk/client-scheduler";
import { SQSClient, CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, type Message } from "@aws-sdk/client-sqs";
import { CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, ListTasksCommand, RegisterTaskDefinitionCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { SNSClient, CreateTopicCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import { SSMClient, GetParameterCommand } from "@aws-sdk/client-ssm";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * Scheduler's universal targets (`arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`) end to end:
 * a one-time schedule that scales a real ECS service (its tasks start), one made with the AWS CLI
 * that sends an SQS message with the context attributes filled in, and invocations that fail
 * (invalid input, a service Berth does not provide) landing in the dead-letter queue with the
 * error and changing nothing; read-only actions are refused at creation.
 */

const ACCOUNT = "000000000000";
const creds = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
const role = `arn:aws:iam::${ACCOUNT}:role/scheduler`;
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;
const soon = (ms: number) => new Date(Date.now() + ms).toISOString().slice(0, 19);
let berth: BerthProcess;
let scheduler: SchedulerClient;
let sqs: SQSClient;
let ecs: ECSClient;

const service = async () => (await ecs.send(new DescribeServicesCommand({ cluster: "uni", services: ["web"] }))).services![0]!;

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start();
  scheduler = new SchedulerClient({ endpoint: berth.endpoint, ...creds });
  sqs = new SQSClient({ endpoint: berth.endpoint, ...creds });
  ecs = berth.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: "uni" }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
    containerDefinitions: [{ name: "main", image: TEST_IMAGE, essential: true, command: ["sleep", "600"], stopTimeout: 1 }],
  }));
  await ecs.send(new CreateServiceCommand({
    cluster: "uni", serviceName: "web", taskDefinition: "web", desiredCount: 0, launchType: "FARGATE",
    networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
  }));
});
after(async () => {
  try {
    if (ecs) {
      await ecs.send(new DeleteServiceCommand({ cluster: "uni", service: "web", force: true }));
      await waitFor("web INACTIVE", async () => (await service()).status === "INACTIVE", 60_000);
      await waitFor("web's tasks gone", async () => ((await ecs.send(new ListTasksCommand({ cluster: "uni" }))).taskArns ?? []).length === 0, 60_000);
    }
  } finally {
    scheduler?.destroy();
    sqs?.destroy();
    await berth?.dispose();
  }
});

async function receiveOne(url: string): Promise<Message> {
  const m = await waitFor(`a message in ${url}`, async () => {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MessageAttributeNames: ["All"] }));
    return Messages[0];
  }, 30_000);
  await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
  return m;
}
const attributesOf = (m: Message) => Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));

test("a one-time schedule calls ecs:updateService: the desired count changes and the tasks start", async () => {
  assert.equal((await service()).desiredCount, 0);
  await scheduler.send(new CreateScheduleCommand({
    Name: "scale-up", ScheduleExpression: `at(${soon(3000)})`, FlexibleTimeWindow: { Mode: "OFF" }, ActionAfterCompletion: "DELETE",
    Target: { Arn: "arn:aws:scheduler:::aws-sdk:ecs:updateService", RoleArn: role, Input: JSON.stringify({ cluster: "uni", service: "web", desiredCount: 2 }) },
  }));
  await waitFor("desiredCount 2", async () => (await service()).desiredCount === 2, 30_000);
  const running = await waitFor("two running tasks", async () => {
    const s = await service();
    return s.runningCount === 2 ? s : undefined;
  }, 90_000);
  assert.equal(running.deployments?.[0]?.desiredCount, 2);
  await assert.rejects(scheduler.send(new GetScheduleCommand({ Name: "scale-up" })), { name: "ResourceNotFoundException" });
});

test("the AWS CLI makes a schedule that calls sqs:sendMessage, with the context attributes in its input", async () => {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: "inbox" }))).QueueUrl!;
  // The CLI takes a few seconds to start: the time must still be ahead when the schedule is made.
  const at = soon(10_000);
  const input = JSON.stringify({ QueueUrl: url, MessageBody: "at <aws.scheduler.scheduled-time> by <aws.scheduler.schedule-arn>, attempt <aws.scheduler.attempt-number> (<aws.scheduler.execution-id>)" });
  const target = JSON.stringify({ Arn: "arn:aws:scheduler:::aws-sdk:sqs:sendMessage", RoleArn: role, Input: input });
  const { ScheduleArn } = await berth.aws("scheduler", "create-schedule", "--name", "ping", "--schedule-expression", `at(${at})`, "--flexible-time-window", "Mode=OFF", "--target", target);
  const message = await receiveOne(url);
  assert.match(message.Body!, new RegExp(`^at ${at}Z by ${ScheduleArn}, attempt 1 \\([0-9a-f]{16}\\)$`));
  assert.equal((await berth.aws("scheduler", "get-schedule", "--name", "ping")).Target.Arn, "arn:aws:scheduler:::aws-sdk:sqs:sendMessage");
});

test("other services by their SDK ids: ssm:putParameter, sns:publish (a query service)", async () => {
  const ssm = new SSMClient({ endpoint: berth.endpoint, ...creds });
  const sns = new SNSClient({ endpoint: berth.endpoint, ...creds });
  try {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: "alerts" }))).QueueUrl!;
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "ops" }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: queueArn("alerts"), Attributes: { RawMessageDelivery: "true" } }));
    const at = `at(${soon(2000)})`;
    await scheduler.send(new CreateScheduleCommand({
      Name: "param", ScheduleExpression: at, FlexibleTimeWindow: { Mode: "OFF" },
      Target: { Arn: "arn:aws:scheduler:::aws-sdk:ssm:putParameter", RoleArn: role, Input: JSON.stringify({ Name: "/app/last-run", Value: "<aws.scheduler.scheduled-time>", Type: "String", Overwrite: true }) },
    }));
    await scheduler.send(new CreateScheduleCommand({
      Name: "notify", ScheduleExpression: at, FlexibleTimeWindow: { Mode: "OFF" },
      Target: { Arn: "arn:aws:scheduler:::aws-sdk:sns:publish", RoleArn: role, Input: JSON.stringify({ TopicArn, Message: "nightly done", MessageAttributes: { kind: { DataType: "String", StringValue: "report" } } }) },
    }));
    const published = await receiveOne(url);
    assert.equal(published.Body, "nightly done");
    assert.equal(published.MessageAttributes?.kind?.StringValue, "report");
    const param = await waitFor("the parameter", async () => (await ssm.send(new GetParameterCommand({ Name: "/app/last-run" })).catch(() => undefined))?.Parameter, 30_000);
    assert.equal(param.Value, `${at.slice(3, -1)}Z`);
  } finally {
    ssm.destroy();
    sns.destroy();
  }
});

test("invalid input and a service Berth lacks fail the invocation: the DLQ gets the error, nothing changes", async () => {
  const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: "dead" }))).QueueUrl!;
  const before = await service();
  // desiredCount must be an integer: the call is refused as ECS refuses it, before anything changes.
  const badInput = JSON.stringify({ cluster: "uni", service: "web", desiredCount: "ten", forceNewDeployment: true });
  const { ScheduleArn } = await scheduler.send(new CreateScheduleCommand({
    Name: "bad-input", ScheduleExpression: `at(${soon(2000)})`, FlexibleTimeWindow: { Mode: "OFF" },
    Target: { Arn: "arn:aws:scheduler:::aws-sdk:ecs:updateService", RoleArn: role, Input: badInput, DeadLetterConfig: { Arn: queueArn("dead") }, RetryPolicy: { MaximumRetryAttempts: 3 } },
  }));
  const dead = await receiveOne(dlq);
  assert.equal(dead.Body, badInput);
  const attrs = attributesOf(dead);
  assert.equal(attrs.ERROR_CODE, "SerializationException");
  assert.match(attrs.ERROR_MESSAGE!, /desiredCount/);
  assert.equal(attrs.TARGET_ARN, "arn:aws:scheduler:::aws-sdk:ecs:updateService");
  assert.equal(attrs.SCHEDULE_ARN, ScheduleArn);
  assert.match(attrs.SCHEDULED_TIME!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.match(attrs.EXECUTION_ID!, /^[0-9a-f]{16}$/);
  assert.equal(attrs.IS_PAYLOAD_TRUNCATED, "false");
  assert.equal(attrs.RULE_ARN, undefined);
  assert.equal(attrs.RETRY_ATTEMPTS, "0", "a client error is not retried");
  const after = await service();
  assert.equal(after.desiredCount, before.desiredCount);
  assert.equal(after.deployments?.length, before.deployments?.length, "no new deployment was started");

  // A missing required member: ECS's own InvalidParameterException.
  await scheduler.send(new CreateScheduleCommand({
    Name: "no-service", ScheduleExpression: `at(${soon(2000)})`, FlexibleTimeWindow: { Mode: "OFF" },
    Target: { Arn: "arn:aws:scheduler:::aws-sdk:ecs:updateService", RoleArn: role, Input: '{"cluster":"uni","desiredCount":5}', DeadLetterConfig: { Arn: queueArn("dead") } },
  }));
  const missing = attributesOf(await receiveOne(dlq));
  assert.equal(missing.ERROR_CODE, "InvalidParameterException");
  assert.equal(missing.ERROR_MESSAGE, "service is required but was not provided.");
  assert.equal((await service()).desiredCount, before.desiredCount);

  await scheduler.send(new CreateScheduleCommand({
    Name: "no-rds", ScheduleExpression: `at(${soon(2000)})`, FlexibleTimeWindow: { Mode: "OFF" },
    Target: { Arn: "arn:aws:scheduler:::aws-sdk:rds:stopDBCluster", RoleArn: role, Input: '{"DBClusterIdentifier":"db"}', DeadLetterConfig: { Arn: queueArn("dead") } },
  }));
  const rds = attributesOf(await receiveOne(dlq));
  assert.equal(rds.ERROR_CODE, "SDK_CLIENT_ERROR");
  assert.equal(rds.ERROR_MESSAGE, "Berth does not provide the service rds.");
});

test("read-only actions are not universal targets", async () => {
  await assert.rejects(scheduler.send(new CreateScheduleCommand({
    Name: "read", ScheduleExpression: "rate(1 hour)", FlexibleTimeWindow: { Mode: "OFF" },
    Target: { Arn: "arn:aws:scheduler:::aws-sdk:sqs:getQueueUrl", RoleArn: role, Input: '{"QueueName":"inbox"}' },
  })), (err: Error) => err.name === "ValidationException" && /read-only/.test(err.message));
  await assert.rejects(scheduler.send(new GetScheduleCommand({ Name: "read" })), { name: "ResourceNotFoundException" });
});
