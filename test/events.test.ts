import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  EventBridgeClient, CreateEventBusCommand, DescribeEventBusCommand, ListEventBusesCommand, DeleteEventBusCommand, PutRuleCommand, DescribeRuleCommand,
  ListRulesCommand, DisableRuleCommand, EnableRuleCommand, DeleteRuleCommand, PutTargetsCommand, RemoveTargetsCommand, ListTargetsByRuleCommand,
  ListRuleNamesByTargetCommand, TestEventPatternCommand, PutEventsCommand, TagResourceCommand, ListTagsForResourceCommand, UntagResourceCommand,
} from "@aws-sdk/client-eventbridge";
import { CreateClusterCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { boto3Json } from "./boto3.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask } from "./wait.js";

/**
 * EventBridge end to end: the API with SDK v3, the AWS CLI and boto3; rules whose targets run real
 * Fargate tasks, on events Berth emits itself (ECS Task State Change), on a rate(1 minute)
 * schedule and on rate(1 hour) with the clock advanced (libfaketime); another bus as a target;
 * retries; a pending delivery survives kill -9.
 */

const client = (endpoint: string) => new EventBridgeClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
const ACCOUNT = "000000000000";

async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name);
    if (typeof message === "string") assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

const taskDef = (family: string, command: string) => ({
  family, requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
  containerDefinitions: [{ name: "main", image: TEST_IMAGE, essential: true, entryPoint: ["sh", "-c"], command: [command], stopTimeout: 2 }],
});
const fargate = { LaunchType: "FARGATE" as const, NetworkConfiguration: { awsvpcConfiguration: { Subnets: ["subnet-1"] } } };

/** The tasks of a cluster that `startedBy` started (running or stopped). */
async function tasksStartedBy(ecs: ECSClient, cluster: string, startedBy: string) {
  const arns = [
    ...((await ecs.send(new ListTasksCommand({ cluster, startedBy }))).taskArns ?? []),
    ...((await ecs.send(new ListTasksCommand({ cluster, startedBy, desiredStatus: "STOPPED" }))).taskArns ?? []),
  ];
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks ?? [];
}

describe("EventBridge", () => {
  let berth: BerthProcess;
  let events: EventBridgeClient;
  let ecs: ECSClient;
  let clusterArn: string;
  before(async () => {
    await ensureTestImage();
    berth = await BerthProcess.start();
    events = client(berth.endpoint);
    ecs = berth.ecs();
    clusterArn = (await ecs.send(new CreateClusterCommand({ clusterName: "events" }))).cluster!.clusterArn!;
    await ecs.send(new RegisterTaskDefinitionCommand(taskDef("first", "exit 0") as never));
    await ecs.send(new RegisterTaskDefinitionCommand(taskDef("after-stop", "echo $MESSAGE; exit 0") as never));
    await ecs.send(new RegisterTaskDefinitionCommand(taskDef("hourly", "exit 0") as never));
  });
  after(async () => {
    events?.destroy();
    await berth?.dispose();
  });

  test("buses, rules, targets and tags with SDK v3", async () => {
    const buses = await events.send(new ListEventBusesCommand({}));
    assert.deepEqual(buses.EventBuses?.map((b) => b.Name), ["default"]);
    const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: "orders", Description: "orders", Tags: [{ Key: "team", Value: "a" }] }));
    assert.equal(EventBusArn, `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/orders`);
    await rejects(events.send(new CreateEventBusCommand({ Name: "orders" })), "ResourceAlreadyExistsException", "Event bus orders already exists.");
    assert.equal((await events.send(new DescribeEventBusCommand({ Name: EventBusArn }))).Description, "orders");
    assert.deepEqual((await events.send(new ListTagsForResourceCommand({ ResourceARN: EventBusArn }))).Tags, [{ Key: "team", Value: "a" }]);

    for (const n of ["r1", "r2", "r3"]) {
      await events.send(new PutRuleCommand({ Name: n, EventBusName: "orders", EventPattern: JSON.stringify({ source: ["shop"] }) }));
    }
    const first = await events.send(new ListRulesCommand({ EventBusName: "orders", Limit: 2 }));
    assert.deepEqual(first.Rules?.map((r) => r.Name), ["r1", "r2"]);
    const second = await events.send(new ListRulesCommand({ EventBusName: "orders", Limit: 2, NextToken: first.NextToken }));
    assert.deepEqual(second.Rules?.map((r) => r.Name), ["r3"]);
    assert.equal(second.NextToken, undefined);
    assert.deepEqual((await events.send(new ListRulesCommand({ EventBusName: "orders", NamePrefix: "r2" }))).Rules?.map((r) => r.Name), ["r2"]);

    await events.send(new DisableRuleCommand({ Name: "r1", EventBusName: "orders" }));
    const r1 = await events.send(new DescribeRuleCommand({ Name: "r1", EventBusName: "orders" }));
    assert.equal(r1.State, "DISABLED");
    assert.equal(r1.Arn, `arn:aws:events:us-east-1:${ACCOUNT}:rule/orders/r1`);
    await events.send(new EnableRuleCommand({ Name: "r1", EventBusName: "orders" }));
    assert.equal((await events.send(new DescribeRuleCommand({ Name: "r1", EventBusName: "orders" }))).State, "ENABLED");

    const put = await events.send(new PutTargetsCommand({ Rule: "r1", EventBusName: "orders", Targets: [
      { Id: "bus", Arn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default` },
      { Id: "nowhere", Arn: "arn:aws:lambda:us-east-1:000000000000:function:f" },
    ] }));
    assert.equal(put.FailedEntryCount, 1);
    assert.equal(put.FailedEntries?.[0]?.TargetId, "nowhere");
    assert.deepEqual((await events.send(new ListTargetsByRuleCommand({ Rule: "r1", EventBusName: "orders" }))).Targets?.map((t) => t.Id), ["bus"]);
    assert.deepEqual((await events.send(new ListRuleNamesByTargetCommand({ EventBusName: "orders", TargetArn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default` }))).RuleNames, ["r1"]);
    await rejects(events.send(new DeleteRuleCommand({ Name: "r1", EventBusName: "orders" })), "ValidationException", "Rule can't be deleted since it has targets.");
    await rejects(events.send(new PutTargetsCommand({ Rule: "r1", EventBusName: "orders", Targets: [{ Id: "x", Arn: clusterArn, Input: "{", }] })), "ValidationException");
    await events.send(new RemoveTargetsCommand({ Rule: "r1", EventBusName: "orders", Ids: ["bus"] }));
    await events.send(new DeleteRuleCommand({ Name: "r1", EventBusName: "orders" }));
    await rejects(events.send(new DescribeRuleCommand({ Name: "r1", EventBusName: "orders" })), "ResourceNotFoundException", "Rule r1 does not exist on EventBus orders.");

    const r2Arn = `arn:aws:events:us-east-1:${ACCOUNT}:rule/orders/r2`;
    await events.send(new TagResourceCommand({ ResourceARN: r2Arn, Tags: [{ Key: "k", Value: "v" }] }));
    assert.deepEqual((await events.send(new ListTagsForResourceCommand({ ResourceARN: r2Arn }))).Tags, [{ Key: "k", Value: "v" }]);
    await events.send(new UntagResourceCommand({ ResourceARN: r2Arn, TagKeys: ["k"] }));
    assert.deepEqual((await events.send(new ListTagsForResourceCommand({ ResourceARN: r2Arn }))).Tags, []);

    await rejects(events.send(new DeleteEventBusCommand({ Name: "orders" })), "ValidationException");
    for (const n of ["r2", "r3"]) await events.send(new DeleteRuleCommand({ Name: n, EventBusName: "orders" }));
    await events.send(new DeleteEventBusCommand({ Name: "orders" }));
    await rejects(events.send(new DescribeEventBusCommand({ Name: "orders" })), "ResourceNotFoundException", "Event bus orders does not exist.");
  });

  test("bus policies: PutPermission and RemovePermission (AWS CLI)", async () => {
    await berth.aws("events", "create-event-bus", "--name", "shared");
    const busArn = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/shared`;
    await berth.aws("events", "put-permission", "--event-bus-name", "shared", "--action", "events:PutEvents", "--principal", "111122223333", "--statement-id", "partner");
    await berth.aws("events", "put-permission", "--event-bus-name", "shared", "--action", "events:PutEvents", "--principal", "*", "--statement-id", "org",
      "--condition", "Type=StringEquals,Key=aws:PrincipalOrgID,Value=o-1234567890");
    const policy = JSON.parse((await berth.aws("events", "describe-event-bus", "--name", "shared")).Policy);
    assert.deepEqual(policy.Statement, [
      { Sid: "partner", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "events:PutEvents", Resource: busArn },
      { Sid: "org", Effect: "Allow", Principal: "*", Action: "events:PutEvents", Resource: busArn, Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1234567890" } } },
    ]);
    await berth.aws("events", "remove-permission", "--event-bus-name", "shared", "--statement-id", "partner");
    assert.deepEqual(JSON.parse((await berth.aws("events", "describe-event-bus", "--name", "shared")).Policy).Statement.map((x: { Sid: string }) => x.Sid), ["org"]);
    await assert.rejects(berth.aws("events", "remove-permission", "--event-bus-name", "shared", "--statement-id", "partner"), /ResourceNotFoundException.*Statement with the provided id does not exist/s);
    await berth.aws("events", "remove-permission", "--event-bus-name", "shared", "--remove-all-permissions");
    assert.equal((await berth.aws("events", "describe-event-bus", "--name", "shared")).Policy, undefined);
    await berth.aws("events", "delete-event-bus", "--name", "shared");
  });

  test("bad input gets AWS's errors and changes nothing", async () => {
    await rejects(events.send(new PutRuleCommand({ Name: "bad", EventPattern: '{"detail":{"pipeline":{"slug":"x"}}}' })), "InvalidEventPatternException", 'Event pattern is not valid. Reason: "slug" must be an object or an array');
    await rejects(events.send(new PutRuleCommand({ Name: "bad", EventPattern: '{"source":[]}' })), "InvalidEventPatternException", "Event pattern is not valid. Reason: Empty arrays are not allowed");
    await rejects(events.send(new PutRuleCommand({ Name: "bad", ScheduleExpression: "cron(0 2 * * * *)" })), "ValidationException", "Parameter ScheduleExpression is not valid.");
    await rejects(events.send(new PutRuleCommand({ Name: "bad", ScheduleExpression: "rate(1 minutes)" })), "ValidationException", "Parameter ScheduleExpression is not valid.");
    await rejects(events.send(new PutRuleCommand({ Name: "bad" })), "ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified.");
    await rejects(events.send(new PutRuleCommand({ Name: "bad", EventPattern: '{"source":["x"]}', EventBusName: "nope" })), "ResourceNotFoundException", "Event bus nope does not exist.");
    assert.deepEqual((await events.send(new ListRulesCommand({ NamePrefix: "bad" }))).Rules, []);

    const put = await events.send(new PutEventsCommand({ Entries: [
      { Source: "shop", DetailType: "Order", Detail: '{"id":1}' },
      { DetailType: "Order", Detail: "{}" },
      { Source: "shop", DetailType: "Order", Detail: "not json" },
      { Source: "aws.ecs", DetailType: "Order", Detail: "{}" },
      { Source: "shop", DetailType: "Order", Detail: "{}", EventBusName: "missing" },
    ] }));
    assert.equal(put.FailedEntryCount, 4);
    assert.match(put.Entries![0]!.EventId!, /^[0-9a-f-]{36}$/);
    assert.deepEqual(put.Entries!.slice(1).map((e) => [e.ErrorCode, e.ErrorMessage]), [
      ["InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."],
      ["MalformedDetail", "Detail is malformed."],
      ["NotAuthorizedForSourceException", "Not authorized for the source."],
      ["ResourceNotFoundException", "Event bus missing does not exist."],
    ]);
    const eleven = Array.from({ length: 11 }, () => ({ Source: "shop", DetailType: "Order", Detail: "{}" }));
    await rejects(events.send(new PutEventsCommand({ Entries: eleven })), "ValidationException");
    await rejects(events.send(new PutEventsCommand({ Entries: [{ Source: "shop", DetailType: "Big", Detail: JSON.stringify({ x: "y".repeat(300_000) }) }] })), "ValidationException", "Total size of the entries in the request is over the limit.");

    const event = { id: "1", account: ACCOUNT, source: "aws.ecs", time: "2024-01-01T00:00:00Z", region: "us-east-1", "detail-type": "ECS Task State Change", resources: [], detail: { lastStatus: "STOPPED" } };
    assert.equal((await events.send(new TestEventPatternCommand({ EventPattern: '{"detail":{"lastStatus":[{"anything-but":"RUNNING"}]}}', Event: JSON.stringify(event) }))).Result, true);
    assert.equal((await events.send(new TestEventPatternCommand({ EventPattern: '{"source":[{"prefix":"aws.ec2"}]}', Event: JSON.stringify(event) }))).Result, false);
    await rejects(events.send(new TestEventPatternCommand({ EventPattern: '{"source":["x"]}', Event: "{}" })), "ValidationException", /missing required field/);
  });

  test("the AWS CLI and boto3", async () => {
    const created = await berth.aws("events", "put-rule", "--name", "cli-rule", "--event-pattern", '{"source":["cli"]}', "--state", "DISABLED");
    assert.equal(created.RuleArn, `arn:aws:events:us-east-1:${ACCOUNT}:rule/cli-rule`);
    await assert.rejects(berth.aws("events", "put-rule", "--name", "cli-bad", "--schedule-expression", "cron(0 2 * * *)"), /ValidationException.*Parameter ScheduleExpression is not valid/s);
    const out = await boto3Json<{ names: string[]; failed: number }>(`
import boto3, json, sys
c = boto3.client("events", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
r = c.put_events(Entries=[{"Source": "py", "DetailType": "t", "Detail": "{}"}, {"Source": "py", "DetailType": "t"}])
names = [r["Name"] for r in c.list_rules(NamePrefix="cli")["Rules"]]
print(json.dumps({"names": names, "failed": r["FailedEntryCount"]}))
`, berth.endpoint);
    assert.deepEqual(out, { names: ["cli-rule"], failed: 1 });
    await berth.aws("events", "delete-rule", "--name", "cli-rule");
  });

  test("a stopped task's ECS Task State Change reaches a rule, through another bus, and runs a task with the transformed input as overrides", async () => {
    await events.send(new CreateEventBusCommand({ Name: "audit" }));
    // default: first's STOPPED -> the audit bus; audit: the same event -> RunTask of after-stop.
    await events.send(new PutRuleCommand({ Name: "first-stopped", EventPattern: JSON.stringify({
      source: ["aws.ecs"], "detail-type": ["ECS Task State Change"], detail: { lastStatus: ["STOPPED"], group: ["family:first"] },
    }) }));
    await events.send(new PutTargetsCommand({ Rule: "first-stopped", Targets: [{ Id: "audit", Arn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/audit` }] }));
    await events.send(new PutRuleCommand({ Name: "run-after", EventBusName: "audit", EventPattern: JSON.stringify({ source: ["aws.ecs"], detail: { stopCode: [{ exists: true }] } }) }));
    await events.send(new PutTargetsCommand({ Rule: "run-after", EventBusName: "audit", Targets: [{
      Id: "task", Arn: clusterArn, RoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsEventsRole`,
      EcsParameters: { TaskDefinitionArn: "after-stop", TaskCount: 1, ...fargate, Tags: [{ Key: "from", Value: "events" }] },
      InputTransformer: {
        InputPathsMap: { code: "$.detail.stopCode", task: "$.detail.taskArn" },
        InputTemplate: '{"containerOverrides":[{"name":"main","environment":[{"name":"MESSAGE","value":"<task> stopped: <code>"}]}]}',
      },
    }] }));

    const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "events", taskDefinition: "first", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } }));
    const firstArn = tasks![0]!.taskArn!;
    await waitForTask(ecs, "events", firstArn, "STOPPED");
    const [after] = await waitFor("the task the rule runs", async () => {
      const found = await tasksStartedBy(ecs, "events", "events-rule/run-after");
      return found.length ? found : undefined;
    }, 60_000);
    assert.equal(after!.taskDefinitionArn, `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/after-stop:1`);
    assert.equal(after!.launchType, "FARGATE");
    assert.deepEqual(after!.overrides?.containerOverrides?.[0]?.environment, [{ name: "MESSAGE", value: `${firstArn} stopped: EssentialContainerExited` }]);
    await waitForTask(ecs, "events", after!.taskArn!, "STOPPED");
    for (const [rule, bus, id] of [["first-stopped", "default", "audit"], ["run-after", "audit", "task"]] as const) {
      await events.send(new RemoveTargetsCommand({ Rule: rule, EventBusName: bus, Ids: [id] }));
      await events.send(new DeleteRuleCommand({ Name: rule, EventBusName: bus }));
    }
  });

  test("EcsParameters: capacity provider strategy, count, group and tags reach the tasks", async () => {
    const spotArn = (await ecs.send(new CreateClusterCommand({ clusterName: "spot", capacityProviders: ["FARGATE", "FARGATE_SPOT"] }))).cluster!.clusterArn!;
    await events.send(new PutRuleCommand({ Name: "on-spot", EventPattern: '{"source":["batch"]}' }));
    await events.send(new PutTargetsCommand({ Rule: "on-spot", Targets: [{
      Id: "spot", Arn: spotArn,
      EcsParameters: {
        TaskDefinitionArn: "first", TaskCount: 2, CapacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }],
        NetworkConfiguration: fargate.NetworkConfiguration, Group: "nightly-batch", Tags: [{ Key: "team", Value: "data" }],
      },
    }] }));
    await events.send(new PutEventsCommand({ Entries: [{ Source: "batch", DetailType: "Run", Detail: "{}" }] }));
    const arns = await waitFor("the two tasks", async () => {
      const found = (await ecs.send(new ListTasksCommand({ cluster: "spot", startedBy: "events-rule/on-spot" }))).taskArns ?? [];
      const stopped = (await ecs.send(new ListTasksCommand({ cluster: "spot", startedBy: "events-rule/on-spot", desiredStatus: "STOPPED" }))).taskArns ?? [];
      return found.length + stopped.length === 2 ? [...found, ...stopped] : undefined;
    }, 60_000);
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: "spot", tasks: arns, include: ["TAGS"] }));
    for (const t of tasks!) {
      assert.equal(t.capacityProviderName, "FARGATE_SPOT");
      assert.equal(t.launchType, "FARGATE");
      assert.equal(t.group, "nightly-batch");
      assert.deepEqual(t.tags?.filter((x) => x.key === "team"), [{ key: "team", value: "data" }]);
    }
    for (const t of tasks!) await waitForTask(ecs, "spot", t.taskArn!, "STOPPED");
    await events.send(new RemoveTargetsCommand({ Rule: "on-spot", Ids: ["spot"] }));
    await events.send(new DeleteRuleCommand({ Name: "on-spot" }));
  });

  test("a rate(1 minute) rule runs a Fargate task", async () => {
    await events.send(new PutRuleCommand({ Name: "every-minute", ScheduleExpression: "rate(1 minute)" }));
    await events.send(new PutTargetsCommand({ Rule: "every-minute", Targets: [{ Id: "1", Arn: clusterArn, EcsParameters: { TaskDefinitionArn: "hourly", ...fargate } }] }));
    const [task] = await waitFor("the scheduled task", async () => {
      const found = await tasksStartedBy(ecs, "events", "events-rule/every-minute");
      return found.length ? found : undefined;
    }, 100_000);
    assert.equal(task!.group, "family:hourly");
    await events.send(new DisableRuleCommand({ Name: "every-minute" }));
    await waitForTask(ecs, "events", task!.taskArn!, "STOPPED");
    await events.send(new RemoveTargetsCommand({ Rule: "every-minute", Ids: ["1"] }));
    await events.send(new DeleteRuleCommand({ Name: "every-minute" }));
  });
});

test("a pending delivery is retried and survives kill -9", async () => {
  await ensureTestImage();
  let berth = await BerthProcess.start();
  const dataDir = berth.dataDir;
  try {
    let events = client(berth.endpoint);
    const clusterArn = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/later`;
    await events.send(new PutRuleCommand({ Name: "orders", EventPattern: '{"source":["shop"]}' }));
    // The cluster does not exist yet: RunTask fails, and the delivery waits for its next attempt.
    await events.send(new PutTargetsCommand({ Rule: "orders", Targets: [{ Id: "1", Arn: clusterArn, EcsParameters: { TaskDefinitionArn: "job", ...fargate } }] }));
    const put = await events.send(new PutEventsCommand({ Entries: [{ Source: "shop", DetailType: "Order", Detail: '{"id":7}' }] }));
    assert.equal(put.FailedEntryCount, 0);
    events.destroy();
    await berth.kill9();
    berth = await BerthProcess.start({ dataDir });
    events = client(berth.endpoint);
    const ecs = berth.ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: "later" }));
    await ecs.send(new RegisterTaskDefinitionCommand(taskDef("job", "exit 0") as never));
    const [task] = await waitFor("the delivered task", async () => {
      const found = await tasksStartedBy(ecs, "later", "events-rule/orders");
      return found.length ? found : undefined;
    }, 90_000);
    assert.equal(task!.taskDefinitionArn, `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/job:1`);
    await waitForTask(ecs, "later", task!.taskArn!, "STOPPED");
    events.destroy();
  } finally {
    await berth.dispose();
  }
});

const FAKETIME_LIB = readdirSync("/usr/lib").map((d) => join("/usr/lib", d, "faketime", "libfaketime.so.1")).find((p) => existsSync(p));

/**
 * The "EventBridge triggers a rule every hour to run an ECS task", with the clock advanced:
 * the rule and its target are made as the scenario makes them (AWS CLI), then Berth is stopped and
 * started again on the same data directory an hour and a minute later under libfaketime (which
 * shifts that one process's clock, Berth's code unchanged). The hour has passed: the rule fires.
 */
test("an hourly rule runs a Fargate task once the clock passes the hour", async () => {
  assert.ok(FAKETIME_LIB, "libfaketime is missing: install Debian's faketime (scripts/setup-debian.sh does)");
  await ensureTestImage();
  let berth = await BerthProcess.start();
  const dataDir = berth.dataDir;
  try {
    const clusterArn = (await berth.aws("ecs", "create-cluster", "--cluster-name", "dev")).cluster.clusterArn as string;
    const td = (await berth.aws("ecs", "register-task-definition", "--cli-input-json", JSON.stringify(taskDef("hourly", "exit 0")))).taskDefinition.taskDefinitionArn as string;
    await berth.aws("events", "put-rule", "--name", "hourly", "--schedule-expression", "rate(1 hour)");
    await berth.aws("events", "put-targets", "--rule", "hourly", "--targets", JSON.stringify([{ Id: "1", Arn: clusterArn, RoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsEventsRole`,
      EcsParameters: { TaskDefinitionArn: td, LaunchType: "FARGATE", NetworkConfiguration: { awsvpcConfiguration: { Subnets: ["subnet-1"] } } } }]));
    // Within the hour nothing runs.
    assert.deepEqual(await tasksStartedBy(berth.ecs(), "dev", "events-rule/hourly"), []);
    await berth.stop();

    berth = await BerthProcess.start({ dataDir, env: { LD_PRELOAD: FAKETIME_LIB!, FAKETIME: "+61m", FAKETIME_DONT_FAKE_MONOTONIC: "1" } });
    const ecs = berth.ecs();
    const [task] = await waitFor("the hourly task", async () => {
      const found = await tasksStartedBy(ecs, "dev", "events-rule/hourly");
      return found.length ? found : undefined;
    }, 60_000);
    assert.equal(task!.taskDefinitionArn, td);
    assert.equal(task!.launchType, "FARGATE");
    await waitForTask(ecs, "dev", task!.taskArn!, "STOPPED");
    // One firing for the one hour that passed.
    assert.equal((await tasksStartedBy(ecs, "dev", "events-rule/hourly")).length, 1);
  } finally {
    await berth.dispose();
  }
});
