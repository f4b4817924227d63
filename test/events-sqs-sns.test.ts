import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { SQSClient, CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { CreateClusterCommand, RegisterTaskDefinitionCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { SchedulerClient, CreateScheduleCommand } from "@aws-sdk/client-scheduler";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * EventBridge with SQS and SNS targets: the scenario verbatim with the AWS CLI (a stopped
 * task reaches an SQS queue through SNS), PutEvents to a queue, a failing RunTask's event in a
 * dead-letter queue with AWS's attributes, and a Scheduler schedule sending to a queue.
 */

const ACCOUNT = "000000000000";
const creds = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
let berth: BerthProcess;
let ecs: ECSClient;
let sqs: SQSClient;
let events: EventBridgeClient;

const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;

async function createQueue(name: string): Promise<string> {
  return (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
}

/** Receives until `match` finds a message (long polls of a few seconds), or fails after the timeout. */
async function receive(url: string, match: (body: string) => boolean, timeoutMs = 60_000) {
  return waitFor(`a message in ${url}`, async () => {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"] }));
    return Messages?.find((m) => match(m.Body!));
  }, timeoutMs);
}

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start();
  ecs = berth.ecs();
  sqs = new SQSClient({ endpoint: berth.endpoint, ...creds });
  events = new EventBridgeClient({ endpoint: berth.endpoint, ...creds });
  await ecs.send(new CreateClusterCommand({ clusterName: "dev" }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "job", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
    containerDefinitions: [{ name: "main", image: TEST_IMAGE, essential: true, entryPoint: ["sh", "-c"], command: ["exit 3"] }],
  }));
});
after(async () => {
  sqs?.destroy();
  events?.destroy();
  await berth?.dispose();
});

test("the issue's scenario with the AWS CLI: a stopped task reaches an SQS queue through SNS", async () => {
  const topic = (await berth.aws("sns", "create-topic", "--name", "ops")).TopicArn as string;
  const queueUrl = (await berth.aws("sqs", "create-queue", "--queue-name", "inbox")).QueueUrl as string;
  await berth.aws("sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", queueArn("inbox"));
  await berth.aws("events", "put-rule", "--name", "stopped", "--event-pattern",
    '{"source":["aws.ecs"],"detail-type":["ECS Task State Change"],"detail":{"lastStatus":["STOPPED"]}}');
  await berth.aws("events", "put-targets", "--rule", "stopped", "--targets", `Id=1,Arn=${topic}`);
  const run = await berth.aws("ecs", "run-task", "--cluster", "dev", "--task-definition", "job", "--launch-type", "FARGATE",
    "--network-configuration", "awsvpcConfiguration={subnets=[subnet-1]}");
  const taskArn = run.tasks[0].taskArn as string;
  const message = await receive(queueUrl, (body) => body.includes(taskArn));
  const envelope = JSON.parse(message.Body!);
  assert.equal(envelope.Type, "Notification");
  assert.equal(envelope.TopicArn, topic);
  const event = JSON.parse(envelope.Message);
  assert.equal(event.source, "aws.ecs");
  assert.equal(event["detail-type"], "ECS Task State Change");
  assert.deepEqual(event.resources, [taskArn]);
  assert.equal(event.detail.lastStatus, "STOPPED");
  assert.equal(event.detail.stopCode, "EssentialContainerExited");
  assert.equal(event.detail.containers[0].exitCode, 3);
  await berth.aws("events", "remove-targets", "--rule", "stopped", "--ids", "1");
});

test("PutEvents to an SQS target with InputPath", async () => {
  const url = await createQueue("orders");
  await events.send(new PutRuleCommand({ Name: "orders", EventPattern: JSON.stringify({ source: ["shop"], detail: { total: [{ numeric: [">", 100] }] } }) }));
  await events.send(new PutTargetsCommand({ Rule: "orders", Targets: [{ Id: "q", Arn: queueArn("orders"), InputPath: "$.detail" }] }));
  await events.send(new PutEventsCommand({ Entries: [
    { Source: "shop", DetailType: "Order", Detail: JSON.stringify({ id: "small", total: 5 }) },
    { Source: "shop", DetailType: "Order", Detail: JSON.stringify({ id: "big", total: 500 }) },
  ] }));
  const m = await receive(url, (b) => b.includes("big"));
  assert.deepEqual(JSON.parse(m.Body!), { id: "big", total: 500 });
  // Only the matching event was delivered.
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }));
  assert.equal(Number(attrs.Attributes!.ApproximateNumberOfMessages) + Number(attrs.Attributes!.ApproximateNumberOfMessagesNotVisible), 1);
});

test("a RunTask that fails sends the event to the dead-letter queue with AWS's attributes", async () => {
  const dlq = await createQueue("failed");
  await events.send(new PutRuleCommand({ Name: "doomed", EventPattern: '{"source":["doomed"]}' }));
  const missing = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/missing`;
  await events.send(new PutTargetsCommand({ Rule: "doomed", Targets: [{
    Id: "t", Arn: missing, EcsParameters: { TaskDefinitionArn: "job", LaunchType: "FARGATE", NetworkConfiguration: { awsvpcConfiguration: { Subnets: ["subnet-1"] } } },
    RetryPolicy: { MaximumRetryAttempts: 1 }, DeadLetterConfig: { Arn: queueArn("failed") },
  }] }));
  await events.send(new PutEventsCommand({ Entries: [{ Source: "doomed", DetailType: "X", Detail: '{"n":1}' }] }));
  const m = await receive(dlq, () => true, 30_000);
  assert.equal(JSON.parse(m.Body!).detail.n, 1);
  const attr = (k: string) => m.MessageAttributes?.[k]?.StringValue;
  assert.equal(attr("RULE_ARN"), `arn:aws:events:us-east-1:${ACCOUNT}:rule/doomed`);
  assert.equal(attr("TARGET_ARN"), missing);
  assert.equal(attr("RETRY_ATTEMPTS"), "1");
  assert.match(attr("ERROR_MESSAGE")!, /not found|ClusterNotFound/i);
});

test("a Scheduler schedule sends its input to a queue", async () => {
  const url = await createQueue("ticks");
  const scheduler = new SchedulerClient({ endpoint: berth.endpoint, ...creds });
  const at = new Date(Date.now() + 2000).toISOString().slice(0, 19);
  await scheduler.send(new CreateScheduleCommand({
    Name: "tick", ScheduleExpression: `at(${at})`, FlexibleTimeWindow: { Mode: "OFF" }, ActionAfterCompletion: "DELETE",
    Target: { Arn: queueArn("ticks"), RoleArn: `arn:aws:iam::${ACCOUNT}:role/s`, Input: '{"tick":1}' },
  }));
  scheduler.destroy();
  const m = await receive(url, () => true, 30_000);
  assert.deepEqual(JSON.parse(m.Body!), { tick: 1 });
});
