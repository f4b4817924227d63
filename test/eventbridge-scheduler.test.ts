import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  SchedulerClient, CreateScheduleCommand, GetScheduleCommand, UpdateScheduleCommand, DeleteScheduleCommand, ListSchedulesCommand,
  CreateScheduleGroupCommand, ListScheduleGroupsCommand, DeleteScheduleGroupCommand, GetScheduleGroupCommand, TagResourceCommand, ListTagsForResourceCommand,
} from "@aws-sdk/client-scheduler";
import { EventBridgeClient, CreateEventBusCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateClusterCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { SQSClient, CreateQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { SNSClient, CreateTopicCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask } from "./wait.js";

/**
 * EventBridge Scheduler end to end: the API with SDK v3 and the AWS CLI, AWS's errors, a one-time
 * at() schedule that runs a real Fargate task and deletes itself, a schedule that puts an event
 * on a bus (EventBridgeParameters) whose rule runs a task, an SNS target, and a failing RunTask's
 * input in the dead-letter queue.
 */

const ACCOUNT = "000000000000";
const creds = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
let berth: BerthProcess;
let scheduler: SchedulerClient;
let ecs: ECSClient;
let clusterArn: string;
const role = `arn:aws:iam::${ACCOUNT}:role/scheduler`;

const taskDef = (family: string, command: string) => ({
  family, requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
  containerDefinitions: [{ name: "main", image: TEST_IMAGE, essential: true, entryPoint: ["sh", "-c"], command: [command], stopTimeout: 2 }],
});
const ecsTarget = (family: string) => ({
  Arn: clusterArn, RoleArn: role,
  EcsParameters: { TaskDefinitionArn: family, LaunchType: "FARGATE" as const, NetworkConfiguration: { awsvpcConfiguration: { Subnets: ["subnet-1"] } } },
});

async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name);
    if (typeof message === "string") assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

async function tasksStartedBy(startedBy: string) {
  const arns = [
    ...((await ecs.send(new ListTasksCommand({ cluster: "sched", startedBy }))).taskArns ?? []),
    ...((await ecs.send(new ListTasksCommand({ cluster: "sched", startedBy, desiredStatus: "STOPPED" }))).taskArns ?? []),
  ];
  return arns.length ? (await ecs.send(new DescribeTasksCommand({ cluster: "sched", tasks: arns }))).tasks ?? [] : [];
}

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start();
  scheduler = new SchedulerClient({ endpoint: berth.endpoint, ...creds });
  ecs = berth.ecs();
  clusterArn = (await ecs.send(new CreateClusterCommand({ clusterName: "sched" }))).cluster!.clusterArn!;
  await ecs.send(new RegisterTaskDefinitionCommand(taskDef("once", "exit 0") as never));
  await ecs.send(new RegisterTaskDefinitionCommand(taskDef("from-bus", "echo $WHAT; exit 0") as never));
});
after(async () => {
  scheduler?.destroy();
  await berth?.dispose();
});

test("schedules and groups with SDK v3, and AWS's errors", async () => {
  assert.deepEqual((await scheduler.send(new ListScheduleGroupsCommand({}))).ScheduleGroups?.map((g) => g.Name), ["default"]);
  const { ScheduleGroupArn } = await scheduler.send(new CreateScheduleGroupCommand({ Name: "ops", Tags: [{ Key: "team", Value: "a" }] }));
  assert.equal(ScheduleGroupArn, `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule-group/ops`);
  assert.equal((await scheduler.send(new GetScheduleGroupCommand({ Name: "ops" }))).State, "ACTIVE");
  await scheduler.send(new TagResourceCommand({ ResourceArn: ScheduleGroupArn, Tags: [{ Key: "env", Value: "dev" }] }));
  assert.deepEqual((await scheduler.send(new ListTagsForResourceCommand({ ResourceArn: ScheduleGroupArn }))).Tags, [{ Key: "team", Value: "a" }, { Key: "env", Value: "dev" }]);

  const { ScheduleArn } = await scheduler.send(new CreateScheduleCommand({
    Name: "nightly", GroupName: "ops", ScheduleExpression: "cron(0 2 * * ? *)", ScheduleExpressionTimezone: "Europe/Paris",
    FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 }, Target: { ...ecsTarget("once"), RetryPolicy: { MaximumRetryAttempts: 3 } },
  }));
  assert.equal(ScheduleArn, `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/ops/nightly`);
  const got = await scheduler.send(new GetScheduleCommand({ Name: "nightly", GroupName: "ops" }));
  assert.equal(got.State, "ENABLED");
  assert.equal(got.ScheduleExpressionTimezone, "Europe/Paris");
  assert.equal(got.Target?.EcsParameters?.TaskDefinitionArn, "once");
  assert.equal(got.Target?.RetryPolicy?.MaximumRetryAttempts, 3);
  assert.equal(got.ActionAfterCompletion, "NONE");
  await rejects(scheduler.send(new CreateScheduleCommand({ Name: "nightly", GroupName: "ops", ScheduleExpression: "rate(1 hour)", FlexibleTimeWindow: { Mode: "OFF" }, Target: ecsTarget("once") })), "ConflictException", "Schedule nightly already exists.");
  await rejects(scheduler.send(new GetScheduleCommand({ Name: "nightly" })), "ResourceNotFoundException", "Schedule nightly does not exist.");

  await scheduler.send(new UpdateScheduleCommand({ Name: "nightly", GroupName: "ops", ScheduleExpression: "rate(2 hours)", State: "DISABLED", FlexibleTimeWindow: { Mode: "OFF" }, Target: ecsTarget("once") }));
  const updated = await scheduler.send(new GetScheduleCommand({ Name: "nightly", GroupName: "ops" }));
  assert.equal(updated.ScheduleExpression, "rate(2 hours)");
  assert.equal(updated.State, "DISABLED");
  assert.equal(updated.ScheduleExpressionTimezone, undefined);
  assert.deepEqual((await scheduler.send(new ListSchedulesCommand({ GroupName: "ops", State: "DISABLED" }))).Schedules?.map((s) => [s.Name, s.Target?.Arn]), [["nightly", clusterArn]]);
  assert.deepEqual((await scheduler.send(new ListSchedulesCommand({ NamePrefix: "x" }))).Schedules, []);

  await rejects(scheduler.send(new CreateScheduleCommand({ Name: "bad", ScheduleExpression: "cron(0 2 * * * *)", FlexibleTimeWindow: { Mode: "OFF" }, Target: ecsTarget("once") })), "ValidationException", /Invalid Schedule Expression/);
  await rejects(scheduler.send(new CreateScheduleCommand({ Name: "bad", ScheduleExpression: "rate(1 hour)", FlexibleTimeWindow: { Mode: "FLEXIBLE" }, Target: ecsTarget("once") })), "ValidationException");
  await rejects(scheduler.send(new CreateScheduleCommand({ Name: "bad", ScheduleExpression: "rate(1 hour)", ScheduleExpressionTimezone: "Mars/Olympus", FlexibleTimeWindow: { Mode: "OFF" }, Target: ecsTarget("once") })), "ValidationException");
  await rejects(scheduler.send(new CreateScheduleCommand({ Name: "bad", GroupName: "nope", ScheduleExpression: "rate(1 hour)", FlexibleTimeWindow: { Mode: "OFF" }, Target: ecsTarget("once") })), "ResourceNotFoundException", "Schedule group nope does not exist.");
  await rejects(scheduler.send(new CreateScheduleCommand({ Name: "bad", ScheduleExpression: "rate(1 hour)", FlexibleTimeWindow: { Mode: "OFF" }, Target: { Arn: "arn:aws:lambda:us-east-1:000000000000:function:f", RoleArn: role } })), "ValidationException");
  assert.deepEqual((await scheduler.send(new ListSchedulesCommand({ NamePrefix: "bad" }))).Schedules, []);

  await scheduler.send(new DeleteScheduleCommand({ Name: "nightly", GroupName: "ops" }));
  await rejects(scheduler.send(new DeleteScheduleCommand({ Name: "nightly", GroupName: "ops" })), "ResourceNotFoundException");
  await scheduler.send(new DeleteScheduleGroupCommand({ Name: "ops" }));
});

test("the AWS CLI creates the issue's nightly schedule", async () => {
  const target = JSON.stringify({ Arn: clusterArn, RoleArn: role, EcsParameters: { TaskDefinitionArn: "once", LaunchType: "FARGATE", NetworkConfiguration: { awsvpcConfiguration: { Subnets: ["subnet-1"] } } } });
  const created = await berth.aws("scheduler", "create-schedule", "--name", "cli-nightly", "--schedule-expression", "cron(0 2 * * ? *)", "--flexible-time-window", "Mode=OFF", "--target", target);
  assert.equal(created.ScheduleArn, `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/default/cli-nightly`);
  const got = await berth.aws("scheduler", "get-schedule", "--name", "cli-nightly");
  assert.equal(got.ScheduleExpression, "cron(0 2 * * ? *)");
  await assert.rejects(berth.aws("scheduler", "create-schedule", "--name", "cli-bad", "--schedule-expression", "cron(0 2 * *)", "--flexible-time-window", "Mode=OFF", "--target", target), /ValidationException/);
  await berth.aws("scheduler", "delete-schedule", "--name", "cli-nightly");
});

test("a one-time at() schedule runs a Fargate task and deletes itself", async () => {
  const at = new Date(Date.now() + 4000).toISOString().slice(0, 19);
  await scheduler.send(new CreateScheduleCommand({
    Name: "once", ScheduleExpression: `at(${at})`, FlexibleTimeWindow: { Mode: "OFF" }, ActionAfterCompletion: "DELETE", Target: ecsTarget("once"),
  }));
  const [task] = await waitFor("the scheduled task", async () => {
    const found = await tasksStartedBy("chronos-schedule/once");
    return found.length ? found : undefined;
  }, 60_000);
  assert.equal(task!.taskDefinitionArn, `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/once:1`);
  await rejects(scheduler.send(new GetScheduleCommand({ Name: "once" })), "ResourceNotFoundException", "Schedule once does not exist.");
  await waitForTask(ecs, "sched", task!.taskArn!, "STOPPED");
});

test("EventBridgeParameters put the input on a bus as an event's detail", async () => {
  const events = new EventBridgeClient({ endpoint: berth.endpoint, ...creds });
  const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: "jobs" }));
  await events.send(new PutRuleCommand({ Name: "nightly-job", EventBusName: "jobs", EventPattern: JSON.stringify({ source: ["my.scheduler"], "detail-type": ["Job Due"] }) }));
  await events.send(new PutTargetsCommand({ Rule: "nightly-job", EventBusName: "jobs", Targets: [{
    Id: "t", Arn: clusterArn, EcsParameters: { TaskDefinitionArn: "from-bus", LaunchType: "FARGATE", NetworkConfiguration: { awsvpcConfiguration: { Subnets: ["subnet-1"] } } },
    InputTransformer: { InputPathsMap: { what: "$.detail.job", from: "$.resources[0]" }, InputTemplate: '{"containerOverrides":[{"name":"main","environment":[{"name":"WHAT","value":"<what> from <from>"}]}]}' },
  }] }));
  events.destroy();
  const at = new Date(Date.now() + 3000).toISOString().slice(0, 19);
  const { ScheduleArn } = await scheduler.send(new CreateScheduleCommand({
    Name: "put-event", ScheduleExpression: `at(${at})`, FlexibleTimeWindow: { Mode: "OFF" },
    Target: { Arn: EventBusArn, RoleArn: role, Input: '{"job":"reindex"}', EventBridgeParameters: { Source: "my.scheduler", DetailType: "Job Due" } },
  }));
  const [task] = await waitFor("the task the bus's rule runs", async () => {
    const found = await tasksStartedBy("events-rule/nightly-job");
    return found.length ? found : undefined;
  }, 60_000);
  assert.deepEqual(task!.overrides?.containerOverrides?.[0]?.environment, [{ name: "WHAT", value: `reindex from ${ScheduleArn}` }]);
  // ActionAfterCompletion NONE: the schedule stays, with nothing left to run.
  assert.equal((await scheduler.send(new GetScheduleCommand({ Name: "put-event" }))).State, "ENABLED");
  await waitForTask(ecs, "sched", task!.taskArn!, "STOPPED");
});

test("an SNS target publishes the input; a RunTask that fails goes to the DLQ with Scheduler's attributes", async () => {
  const opts = { endpoint: berth.endpoint, ...creds };
  const sqs = new SQSClient(opts);
  const sns = new SNSClient(opts);
  try {
    const queue = async (name: string) => {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
      return { url, arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}` };
    };
    const receive = (url: string) => waitFor(`a message in ${url}`, async () =>
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2, MessageAttributeNames: ["All"] }))).Messages?.[0], 30_000);
    const inbox = await queue("sched-inbox");
    const dead = await queue("sched-dead");
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "sched-topic" }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: inbox.arn, Attributes: { RawMessageDelivery: "true" } }));

    const at = new Date(Date.now() + 2000).toISOString().slice(0, 19);
    await scheduler.send(new CreateScheduleCommand({
      Name: "to-topic", ScheduleExpression: `at(${at})`, FlexibleTimeWindow: { Mode: "OFF" }, ActionAfterCompletion: "DELETE",
      Target: { Arn: TopicArn!, RoleArn: role, Input: '{"report":"nightly"}' },
    }));
    assert.deepEqual(JSON.parse((await receive(inbox.url)).Body!), { report: "nightly" });

    const missing = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/missing`;
    const soon = new Date(Date.now() + 2000).toISOString().slice(0, 19);
    const { ScheduleArn } = await scheduler.send(new CreateScheduleCommand({
      Name: "doomed", ScheduleExpression: `at(${soon})`, FlexibleTimeWindow: { Mode: "OFF" },
      Target: { ...ecsTarget("once"), Arn: missing, Input: '{"n":1}', RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: dead.arn } },
    }));
    const m = await receive(dead.url);
    assert.deepEqual(JSON.parse(m.Body!), { n: 1 });
    const attr = (k: string) => m.MessageAttributes?.[k]?.StringValue;
    assert.equal(attr("SCHEDULE_ARN"), ScheduleArn);
    assert.equal(attr("TARGET_ARN"), missing);
    assert.equal(attr("RETRY_ATTEMPTS"), "0");
    assert.match(attr("ERROR_MESSAGE")!, /not found|ClusterNotFound/i);
    assert.equal(attr("RULE_ARN"), undefined);
  } finally {
    sqs.destroy();
    sns.destroy();
  }
});
