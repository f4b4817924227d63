import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { EventBridgeClient, ListTargetsByRuleCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { SchedulerClient, CreateScheduleCommand, GetScheduleCommand, UpdateScheduleCommand } from "@aws-sdk/client-scheduler";
import { IAMClient, CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { ECSClient, CreateClusterCommand, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { SQSClient, CreateQueueCommand } from "@aws-sdk/client-sqs";
import { BerthProcess } from "./harness.js";
import { attributesOf, receiveExactly } from "./sqs-messages.js";

/**
 * iam:PassRole around ECS targets, with iamEnforcement. Whoever puts a target (or a schedule) with
 * a RoleArn hands that role to EventBridge (Scheduler): PutTargets, PutRule, CreateSchedule and
 * UpdateSchedule need iam:PassRole on it to events.amazonaws.com (scheduler.amazonaws.com), else
 * AccessDeniedException and nothing changes. At invocation, the target's role hands the task's
 * roles to ECS: it needs iam:PassRole on the task definition's task and execution roles (or the
 * input's overrides) to ecs-tasks.amazonaws.com, else the delivery fails with NO_PERMISSIONS to
 * the dead-letter queue, not retried.
 */

const ACCOUNT = "000000000000";
const creds = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;
const trust = (service: string) => doc([{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }]);
const passTo = (service: string, roles: string[]) => ({ Effect: "Allow", Action: "iam:PassRole", Resource: roles.map(roleArn), Condition: { StringEquals: { "iam:PassedToService": service } } });
const noPolicyAllows = (who: string, role: string) =>
  `User: ${who} is not authorized to perform: iam:PassRole on resource: ${roleArn(role)} because no identity-based policy allows the iam:PassRole action`;

let berth: BerthProcess;
let iam: IAMClient;
let sqs: SQSClient;
let events: EventBridgeClient;
let deployer: { accessKeyId: string; secretAccessKey: string };
const userArn = `arn:aws:iam::${ACCOUNT}:user/deployer`;
const cluster = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/empty`;

before(async () => {
  berth = await BerthProcess.start({ args: ["--iam-enforcement"] });
  iam = new IAMClient({ endpoint: berth.endpoint, ...creds });
  sqs = new SQSClient({ endpoint: berth.endpoint, ...creds });
  events = new EventBridgeClient({ endpoint: berth.endpoint, ...creds });
  for (const [name, service] of [["events-runner", "events.amazonaws.com"], ["other-runner", "events.amazonaws.com"], ["sched-runner", "scheduler.amazonaws.com"]] as const) {
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust(service) }));
  }
  // The deployer may manage rules and schedules, and pass events-runner to EventBridge and
  // sched-runner to Scheduler; other-runner it may pass only to ECS tasks (the wrong service here).
  await iam.send(new CreateUserCommand({ UserName: "deployer" }));
  await iam.send(new PutUserPolicyCommand({ UserName: "deployer", PolicyName: "deploy", PolicyDocument: doc([
    { Effect: "Allow", Action: ["events:PutRule", "events:PutTargets", "events:ListTargetsByRule", "scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:GetSchedule"], Resource: "*" },
    passTo("events.amazonaws.com", ["events-runner"]), passTo("scheduler.amazonaws.com", ["sched-runner"]), passTo("ecs-tasks.amazonaws.com", ["other-runner"]),
  ]) }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "deployer" }))).AccessKey!;
  deployer = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
});
after(async () => {
  iam?.destroy();
  sqs?.destroy();
  events?.destroy();
  await berth?.dispose();
});

/** /usr/bin/aws signed with the deployer's key; resolves to its exit code and stderr. */
async function awsAsDeployer(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)("/usr/bin/aws", [...args, "--endpoint-url", berth.endpoint, "--output", "json"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", AWS_ACCESS_KEY_ID: deployer.accessKeyId, AWS_SECRET_ACCESS_KEY: deployer.secretAccessKey, AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" },
    });
    return { code: 0, stderr: "" };
  } catch (e) {
    return { code: (e as { code: number }).code, stderr: (e as { stderr: string }).stderr };
  }
}

test("PutTargets, PutRule, CreateSchedule and UpdateSchedule need iam:PassRole on the RoleArn they hand over", async () => {
  const eb = new EventBridgeClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: deployer, maxAttempts: 1 });
  const scheduler = new SchedulerClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: deployer, maxAttempts: 1 });
  try {
    await eb.send(new PutRuleCommand({ Name: "nightly", ScheduleExpression: "rate(1 day)" }));
    const target = (Id: string, role: string) => ({ Id, Arn: cluster, RoleArn: roleArn(role), EcsParameters: { TaskDefinitionArn: "app" } });
    assert.equal((await eb.send(new PutTargetsCommand({ Rule: "nightly", Targets: [target("ok", "events-runner")] }))).FailedEntryCount, 0);
    // One target whose role may not be passed to EventBridge refuses the whole call; nothing is added.
    await assert.rejects(eb.send(new PutTargetsCommand({ Rule: "nightly", Targets: [target("second", "events-runner"), target("other", "other-runner")] })),
      (e: Error) => e.name === "AccessDeniedException" && e.message === noPolicyAllows(userArn, "other-runner"));
    const denied = await awsAsDeployer("events", "put-targets", "--rule", "nightly", "--targets", JSON.stringify([target("cli", "sched-runner")]));
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /AccessDeniedException/);
    assert.ok(denied.stderr.includes(noPolicyAllows(userArn, "sched-runner")), denied.stderr);
    assert.deepEqual((await eb.send(new ListTargetsByRuleCommand({ Rule: "nightly" }))).Targets?.map((t) => t.Id), ["ok"]);
    // A rule's own RoleArn (for a bus in another account) likewise.
    await assert.rejects(eb.send(new PutRuleCommand({ Name: "forward", EventPattern: '{"source":["x"]}', RoleArn: roleArn("other-runner") })),
      (e: Error) => e.name === "AccessDeniedException" && e.message === noPolicyAllows(userArn, "other-runner"));

    const schedule = (role: string) => ({ Name: "hourly", ScheduleExpression: "rate(1 hour)", FlexibleTimeWindow: { Mode: "OFF" as const },
      Target: { Arn: cluster, RoleArn: roleArn(role), EcsParameters: { TaskDefinitionArn: "app" } } });
    await assert.rejects(scheduler.send(new CreateScheduleCommand(schedule("events-runner"))),
      (e: Error) => e.name === "AccessDeniedException" && e.message === noPolicyAllows(userArn, "events-runner"));
    await scheduler.send(new CreateScheduleCommand(schedule("sched-runner")));
    await assert.rejects(scheduler.send(new UpdateScheduleCommand(schedule("other-runner"))),
      (e: Error) => e.name === "AccessDeniedException" && e.message === noPolicyAllows(userArn, "other-runner"));
    assert.equal((await scheduler.send(new GetScheduleCommand({ Name: "hourly" }))).Target?.RoleArn, roleArn("sched-runner"), "a refused update changes nothing");
  } finally {
    eb.destroy();
    scheduler.destroy();
  }
});

test("an ECS target's role needs iam:PassRole on the task's roles (and overrides) to ecs-tasks.amazonaws.com", async () => {
  const ecs = new ECSClient({ endpoint: berth.endpoint, ...creds });
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: "empty" }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: "app", taskRoleArn: roleArn("app-task"), executionRoleArn: "app-exec",
      containerDefinitions: [{ name: "app", image: "berth-test/never-run", memory: 64 }] }));
    const runner = async (name: string, passes: object[]) => {
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust("events.amazonaws.com") }));
      await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: "run", PolicyDocument: doc([{ Effect: "Allow", Action: "ecs:RunTask", Resource: "*" }, ...passes]) }));
    };
    // As AWS's AmazonEC2ContainerServiceEventsRole: any role, but only to ECS tasks.
    await runner("run-and-pass", [{ Effect: "Allow", Action: "iam:PassRole", Resource: "*", Condition: { StringLike: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } } }]);
    await runner("run-only", []);
    await runner("pass-task-role-only", [passTo("ecs-tasks.amazonaws.com", ["app-task"])]);
    await runner("pass-to-events", [passTo("events.amazonaws.com", ["app-task", "app-exec"])]);
    await runner("pass-both", [passTo("ecs-tasks.amazonaws.com", ["app-task", "app-exec"])]);
    // AWS's ecsEventsRole policy in full: tagging the task it runs, and nothing else.
    await runner("ecs-events-role", [
      { Effect: "Allow", Action: "iam:PassRole", Resource: "*", Condition: { StringLike: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } } },
      { Effect: "Allow", Action: "ecs:TagResource", Resource: "*", Condition: { StringEquals: { "ecs:CreateAction": ["RunTask"] } } },
    ]);

    const url = (await sqs.send(new CreateQueueCommand({ QueueName: "pass-dlq" }))).QueueUrl!;
    const target = (Id: string, role: string, Input?: string, Tags?: Array<{ Key: string; Value: string }>) =>
      ({ Id, Arn: cluster, RoleArn: roleArn(role), Input, EcsParameters: { TaskDefinitionArn: "app", Tags }, DeadLetterConfig: { Arn: queueArn("pass-dlq") }, RetryPolicy: { MaximumRetryAttempts: 0 } });
    const tags = [{ Key: "team", Value: "jobs" }];
    await events.send(new PutRuleCommand({ Name: "pass", EventPattern: '{"source":["pass"]}' }));
    await events.send(new PutTargetsCommand({ Rule: "pass", Targets: [
      target("managed-like", "run-and-pass"), target("run-only", "run-only"), target("task-only", "pass-task-role-only"), target("to-events", "pass-to-events"),
      target("override", "pass-both", JSON.stringify({ taskRoleArn: roleArn("elsewhere") })),
    ] }));
    // Tags on the task: ecs:TagResource too (tagResourceAuthorization is on by default). A rule has at most five targets.
    await events.send(new PutRuleCommand({ Name: "pass-tags", EventPattern: '{"source":["pass"]}' }));
    await events.send(new PutTargetsCommand({ Rule: "pass-tags", Targets: [target("tagged", "run-and-pass", undefined, tags), target("tagged-allowed", "ecs-events-role", undefined, tags)] }));
    await events.send(new PutEventsCommand({ Entries: [{ Source: "pass", DetailType: "check", Detail: "{}" }] }));

    const dead = (await receiveExactly(sqs, url, 7)).map(attributesOf);
    const byRole = new Map(dead.map((a) => [/assumed-role\/([^/]+)\//.exec(a.ERROR_MESSAGE ?? "")?.[1] ?? "ran", a]));
    const refused = (role: string, passed: string) => {
      const a = byRole.get(role);
      assert.equal(a?.ERROR_CODE, "NO_PERMISSIONS", `${role}: ${JSON.stringify(dead)}`);
      assert.match(a!.ERROR_MESSAGE!, new RegExp(`^User: arn:aws:sts::${ACCOUNT}:assumed-role/${role}/\\S+ is not authorized to perform: iam:PassRole on resource: ${roleArn(passed).replace(/[/.]/g, "\\$&")} because no identity-based policy allows the iam:PassRole action$`));
      assert.equal(a!.RETRY_ATTEMPTS, "0");
    };
    refused("run-only", "app-task");
    refused("pass-task-role-only", "app-exec");
    refused("pass-to-events", "app-task");
    refused("pass-both", "elsewhere");
    const tagging = byRole.get("run-and-pass");
    assert.equal(tagging?.ERROR_CODE, "NO_PERMISSIONS", JSON.stringify(dead));
    assert.match(tagging!.ERROR_MESSAGE!, /is not authorized to perform: ecs:TagResource on resource: \* because no identity-based policy allows the ecs:TagResource action$/);
    // The allowed ones got as far as RunTask itself, which has no container instance to place on.
    const ran = dead.filter((a) => a.ERROR_CODE !== "NO_PERMISSIONS");
    assert.equal(ran.length, 2, JSON.stringify(dead));
    for (const r of ran) assert.match(r.ERROR_MESSAGE!, /No Container Instances were found in your cluster/);
  } finally {
    ecs.destroy();
  }
});

test("a Scheduler ECS schedule: its role must pass the task's roles too, else NO_PERMISSIONS in the DLQ", async () => {
  const scheduler = new SchedulerClient({ endpoint: berth.endpoint, ...creds });
  try {
    await iam.send(new PutRolePolicyCommand({ RoleName: "sched-runner", PolicyName: "run", PolicyDocument: doc([{ Effect: "Allow", Action: "ecs:RunTask", Resource: "*" }, passTo("ecs-tasks.amazonaws.com", ["app-task"])]) }));
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: "sched-pass-dlq" }))).QueueUrl!;
    const at = `at(${new Date(Date.now() + 2000).toISOString().slice(0, 19)})`;
    await scheduler.send(new CreateScheduleCommand({ Name: "once-pass", ScheduleExpression: at, FlexibleTimeWindow: { Mode: "OFF" },
      Target: { Arn: cluster, RoleArn: roleArn("sched-runner"), EcsParameters: { TaskDefinitionArn: "app" }, DeadLetterConfig: { Arn: queueArn("sched-pass-dlq") }, RetryPolicy: { MaximumRetryAttempts: 0 } } }));
    const [dead] = (await receiveExactly(sqs, url, 1)).map(attributesOf);
    assert.equal(dead!.ERROR_CODE, "NO_PERMISSIONS");
    assert.match(dead!.ERROR_MESSAGE!, /assumed-role\/sched-runner\/\S+ is not authorized to perform: iam:PassRole on resource: arn:aws:iam::000000000000:role\/app-exec /);
  } finally {
    scheduler.destroy();
  }
});
