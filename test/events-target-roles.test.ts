import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { IAMClient, CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { ECSClient, CreateClusterCommand, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { SQSClient, CreateQueueCommand } from "@aws-sdk/client-sqs";
import { BerthProcess } from "./harness.js";
import { attributesOf, receiveExactly } from "./sqs-messages.js";

/**
 * With iamEnforcement, a rule target's RoleArn is assumed by events.amazonaws.com: a role that
 * does not trust it (or does not exist) fails the delivery with FAILED_TO_ASSUME_ROLE, a role
 * whose policies do not allow sqs:SendMessage on the queue with NO_PERMISSIONS, each straight to
 * the dead-letter queue; the allowed delivery arrives.
 */

const ACCOUNT = "000000000000";
const creds = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
let berth: BerthProcess;
let sqs: SQSClient;
let events: EventBridgeClient;
let iam: IAMClient;

before(async () => {
  berth = await BerthProcess.start({ args: ["--iam-enforcement"] });
  sqs = new SQSClient({ endpoint: berth.endpoint, ...creds });
  events = new EventBridgeClient({ endpoint: berth.endpoint, ...creds });
  iam = new IAMClient({ endpoint: berth.endpoint, ...creds });
});
after(async () => {
  sqs?.destroy();
  events?.destroy();
  iam?.destroy();
  await berth?.dispose();
});

test("a target's RoleArn: trusted and allowed delivers; untrusted, missing or not allowed goes to the DLQ with AWS's codes", async () => {
  await iam.send(new CreateRoleCommand({ RoleName: "events-sqs", AssumeRolePolicyDocument: doc([{ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole" }]) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "events-sqs", PolicyName: "send", PolicyDocument: doc([{ Effect: "Allow", Action: "sqs:SendMessage", Resource: queueArn("allowed") }]) }));
  await iam.send(new CreateRoleCommand({ RoleName: "lambda-only", AssumeRolePolicyDocument: doc([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "lambda-only", PolicyName: "send", PolicyDocument: doc([{ Effect: "Allow", Action: "sqs:*", Resource: "*" }]) }));
  const urls: Record<string, string> = {};
  for (const name of ["allowed", "denied", "other", "dlq"]) urls[name] = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const dlq = { Arn: queueArn("dlq") };

  await events.send(new PutRuleCommand({ Name: "roles", EventPattern: '{"source":["roles"]}' }));
  const put = await events.send(new PutTargetsCommand({ Rule: "roles", Targets: [
    { Id: "allowed", Arn: queueArn("allowed"), RoleArn: roleArn("events-sqs"), DeadLetterConfig: dlq },
    { Id: "denied", Arn: queueArn("denied"), RoleArn: roleArn("events-sqs"), DeadLetterConfig: dlq },
    { Id: "untrusted", Arn: queueArn("other"), RoleArn: roleArn("lambda-only"), DeadLetterConfig: dlq },
    { Id: "missing", Arn: queueArn("other"), RoleArn: roleArn("nobody"), DeadLetterConfig: dlq },
  ] }));
  assert.equal(put.FailedEntryCount, 0);
  const { Entries } = await events.send(new PutEventsCommand({ Entries: [{ Source: "roles", DetailType: "check", Detail: "{}" }] }));

  const [delivered] = await receiveExactly(sqs, urls.allowed!, 1);
  assert.equal(JSON.parse(delivered!.Body!).id, Entries![0]!.EventId);
  const dead = (await receiveExactly(sqs, urls.dlq!, 3)).map((m) => attributesOf(m));
  const byTarget = (arn: string) => dead.filter((a) => a.TARGET_ARN === arn);
  assert.deepEqual(byTarget(queueArn("denied")).map((a) => a.ERROR_CODE), ["NO_PERMISSIONS"]);
  assert.match(byTarget(queueArn("denied"))[0]!.ERROR_MESSAGE!, /assumed-role\/events-sqs\/.* is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:000000000000:denied/);
  assert.deepEqual(byTarget(queueArn("other")).map((a) => a.ERROR_CODE), ["FAILED_TO_ASSUME_ROLE", "FAILED_TO_ASSUME_ROLE"]);
  for (const a of dead) assert.equal(a.RETRY_ATTEMPTS, "0", "permission failures are not retried");
  await receiveExactly(sqs, urls.denied!, 0);
  await receiveExactly(sqs, urls.other!, 0);
});

test("a role's trust policy may require the rule as aws:SourceArn and its account as aws:SourceAccount", async () => {
  const ruleArn = `arn:aws:events:us-east-1:${ACCOUNT}:rule/scoped`;
  const trust = (sourceArn: string) => doc([{
    Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole",
    Condition: { ArnEquals: { "aws:SourceArn": sourceArn }, StringEquals: { "aws:SourceAccount": ACCOUNT } },
  }]);
  const send = doc([{ Effect: "Allow", Action: "sqs:SendMessage", Resource: "*" }]);
  await iam.send(new CreateRoleCommand({ RoleName: "for-scoped", AssumeRolePolicyDocument: trust(ruleArn) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "for-scoped", PolicyName: "send", PolicyDocument: send }));
  await iam.send(new CreateRoleCommand({ RoleName: "for-another-rule", AssumeRolePolicyDocument: trust(`arn:aws:events:us-east-1:${ACCOUNT}:rule/another`) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "for-another-rule", PolicyName: "send", PolicyDocument: send }));
  const urls: Record<string, string> = {};
  for (const name of ["scoped", "scoped-other", "scoped-dlq"]) urls[name] = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;

  assert.equal((await events.send(new PutRuleCommand({ Name: "scoped", EventPattern: '{"source":["scoped"]}' }))).RuleArn, ruleArn);
  await events.send(new PutTargetsCommand({ Rule: "scoped", Targets: [
    { Id: "trusted", Arn: queueArn("scoped"), RoleArn: roleArn("for-scoped"), DeadLetterConfig: { Arn: queueArn("scoped-dlq") } },
    { Id: "other-rule", Arn: queueArn("scoped-other"), RoleArn: roleArn("for-another-rule"), DeadLetterConfig: { Arn: queueArn("scoped-dlq") } },
  ] }));
  await events.send(new PutEventsCommand({ Entries: [{ Source: "scoped", DetailType: "check", Detail: "{}" }] }));

  await receiveExactly(sqs, urls.scoped!, 1);
  const dead = await receiveExactly(sqs, urls["scoped-dlq"]!, 1);
  assert.deepEqual(dead.map((m) => [m.MessageAttributes?.TARGET_ARN?.StringValue, m.MessageAttributes?.ERROR_CODE?.StringValue]), [[queueArn("scoped-other"), "FAILED_TO_ASSUME_ROLE"]]);
  await receiveExactly(sqs, urls["scoped-other"]!, 0);
});

test("an ECS target's role is checked for ecs:RunTask on the family's latest ACTIVE revision", async () => {
  const ecs = new ECSClient({ endpoint: berth.endpoint, ...creds });
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: "empty" }));
    for (let i = 0; i < 2; i++) {
      await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", containerDefinitions: [{ name: "app", image: "berth-test/never-run", memory: 64 }] }));
    }
    const revision = (n: number) => `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/web:${n}`;
    const trust = doc([{ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    for (const [name, n] of [["events-ecs-latest", 2], ["events-ecs-stale", 1]] as const) {
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
      await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: "run", PolicyDocument: doc([{ Effect: "Allow", Action: "ecs:RunTask", Resource: revision(n) }]) }));
    }
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: "ecs-dlq" }))).QueueUrl!;
    const cluster = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/empty`;
    const target = (Id: string, role: string, TaskDefinitionArn: string) =>
      ({ Id, Arn: cluster, RoleArn: roleArn(role), EcsParameters: { TaskDefinitionArn }, DeadLetterConfig: { Arn: queueArn("ecs-dlq") }, RetryPolicy: { MaximumRetryAttempts: 0 } });
    await events.send(new PutRuleCommand({ Name: "ecs-roles", EventPattern: '{"source":["ecs-roles"]}' }));
    // A family and a revision-less ARN both mean web:2: allowed for the one role, not for the other.
    await events.send(new PutTargetsCommand({ Rule: "ecs-roles", Targets: [
      target("family", "events-ecs-latest", "web"), target("family-arn", "events-ecs-latest", `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/web`),
      target("stale", "events-ecs-stale", "web"),
    ] }));
    await events.send(new PutEventsCommand({ Entries: [{ Source: "ecs-roles", DetailType: "check", Detail: "{}" }] }));
    const dead = (await receiveExactly(sqs, url, 3)).map((m) => attributesOf(m));
    const denied = dead.filter((a) => a.ERROR_CODE === "NO_PERMISSIONS");
    assert.equal(denied.length, 1, JSON.stringify(dead));
    assert.match(denied[0]!.ERROR_MESSAGE!, /assumed-role\/events-ecs-stale\/.* is not authorized to perform: ecs:RunTask on resource: arn:aws:ecs:us-east-1:000000000000:task-definition\/web:2/);
    // The allowed ones got as far as RunTask itself, which has no container instance to place on.
    const ran = dead.filter((a) => a.ERROR_CODE !== "NO_PERMISSIONS");
    assert.equal(ran.length, 2);
    for (const a of ran) assert.match(a.ERROR_MESSAGE!, /No Container Instances were found in your cluster/);
  } finally {
    ecs.destroy();
  }
});
