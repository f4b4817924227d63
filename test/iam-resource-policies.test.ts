import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import {
  SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand, SetQueueAttributesCommand, GetQueueUrlCommand, GetQueueAttributesCommand,
  StartMessageMoveTaskCommand, ListMessageMoveTasksCommand,
} from "@aws-sdk/client-sqs";
import { SNSClient, CreateTopicCommand, PublishCommand, SetTopicAttributesCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import { EventBridgeClient, CreateEventBusCommand, PutEventsCommand, PutPermissionCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import * as IAM from "@aws-sdk/client-iam";
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { BerthProcess } from "./harness.js";
import { waitFor } from "./wait.js";
import { nextMessage, queueArn } from "./sqs-messages.js";
import { A, B, ROOT_A, ROOT_B, TWO_ROOTS, config, doc, userWith as userWithIn } from "./two-accounts.js";

/**
 * iamEnforcement with the resource-based policies of SQS queues (Policy attribute), SNS topics
 * (Policy attribute) and EventBridge buses (PutPermission), evaluated as IAM evaluates them: in
 * the resource's account the identity's policies or the resource's may allow; a principal of
 * another account needs both; an explicit Deny in either refuses. Two accounts: A (the
 * configured credentials) and B (a 12-digit access key id names its account).
 */

const userArn = (account: string, name: string) => `arn:aws:iam::${account}:user/${name}`;
const refusal = (who: string, action: string, resource: string, why: string) => `User: ${who} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
const noResourcePolicy = (action: string) => `because no resource-based policy allows the ${action} action`;
const noIdentityPolicy = (action: string) => `because no identity-based policy allows the ${action} action`;
const resourceDeny = "with an explicit deny in a resource-based policy";

async function rejectsWith(p: Promise<unknown>, name: string, message: string) {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name);
    assert.equal(err.message, message);
    return true;
  });
}

describe("IAM enforcement with SQS, SNS and EventBridge resource policies", () => {
  let berth: BerthProcess;
  const userWith = (account: string, name: string, statements?: object[]) => userWithIn(berth.endpoint, account, name, statements);
  before(async () => {
    berth = await BerthProcess.start({ args: [...TWO_ROOTS, "--iam-enforcement"] });
  });
  after(async () => {
    await berth.dispose();
  });

  test("SQS: another account's user reaches a queue only when the queue's policy names it and its own policy allows", async () => {
    const ownerSqs = new SQSClient(config(berth.endpoint, ROOT_A));
    const { QueueUrl } = await ownerSqs.send(new CreateQueueCommand({ QueueName: "shared" }));
    const queueArn = `arn:aws:sqs:us-east-1:${A}:shared`;
    const bob = new SQSClient(config(berth.endpoint, await userWith(B, "bob", [{ Effect: "Allow", Action: "sqs:*", Resource: "*" }])));
    const carol = new SQSClient(config(berth.endpoint, await userWith(B, "carol")));

    // No queue policy: bob's own sqs:* on "*" does not reach account A's queue.
    await rejectsWith(bob.send(new SendMessageCommand({ QueueUrl, MessageBody: "hi" })), "AccessDenied",
      refusal(userArn(B, "bob"), "sqs:sendmessage", queueArn, noResourcePolicy("sqs:sendmessage")));
    await rejectsWith(bob.send(new GetQueueUrlCommand({ QueueName: "shared", QueueOwnerAWSAccountId: A })), "AccessDenied",
      refusal(userArn(B, "bob"), "sqs:getqueueurl", queueArn, noResourcePolicy("sqs:getqueueurl")));

    // Nor does account B's root, never refused in its own account.
    const rootB = new SQSClient(config(berth.endpoint, ROOT_B));
    await rejectsWith(rootB.send(new SendMessageCommand({ QueueUrl, MessageBody: "hi" })), "AccessDenied",
      refusal(`arn:aws:iam::${B}:root`, "sqs:sendmessage", queueArn, noResourcePolicy("sqs:sendmessage")));

    // The queue's policy names account B (its root ARN) for SendMessage only.
    await ownerSqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: {
      Policy: doc([{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: "sqs:SendMessage", Resource: queueArn }]),
    } }));
    assert.ok((await bob.send(new SendMessageCommand({ QueueUrl, MessageBody: "from B" }))).MessageId);
    const received = await ownerSqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    assert.equal(received.Messages?.[0]?.Body, "from B");
    assert.ok((await rootB.send(new SendMessageCommand({ QueueUrl, MessageBody: "from B's root" }))).MessageId);
    await rejectsWith(rootB.send(new ReceiveMessageCommand({ QueueUrl })), "AccessDenied",
      refusal(`arn:aws:iam::${B}:root`, "sqs:receivemessage", queueArn, noResourcePolicy("sqs:receivemessage")));
    assert.equal((await nextMessage(ownerSqs, QueueUrl!, 1))?.Body, "from B's root");
    await rejectsWith(bob.send(new ReceiveMessageCommand({ QueueUrl })), "AccessDenied",
      refusal(userArn(B, "bob"), "sqs:receivemessage", queueArn, noResourcePolicy("sqs:receivemessage")));
    // Naming the account delegates to its identity policies: carol, allowed nothing by hers, is refused.
    await rejectsWith(carol.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" })), "AccessDenied",
      refusal(userArn(B, "carol"), "sqs:sendmessage", queueArn, noIdentityPolicy("sqs:sendmessage")));

    // Named by the account id, with a condition on the caller's user name: bob is allowed, until a Deny names him.
    await ownerSqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: {
      Policy: doc([
        { Effect: "Allow", Principal: { AWS: B }, Action: "sqs:*", Resource: queueArn },
        { Effect: "Allow", Principal: { AWS: userArn(B, "bob") }, Action: "sqs:ReceiveMessage", Resource: queueArn, Condition: { StringEquals: { "aws:username": "bob" } } },
      ]),
    } }));
    assert.ok((await bob.send(new SendMessageCommand({ QueueUrl, MessageBody: "again" }))).MessageId);
    assert.equal((await bob.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }))).Messages?.[0]?.Body, "again");
    await ownerSqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: {
      Policy: doc([
        { Effect: "Allow", Principal: "*", Action: "sqs:*", Resource: queueArn },
        { Effect: "Deny", Principal: { AWS: userArn(B, "bob") }, Action: "sqs:SendMessage", Resource: queueArn },
      ]),
    } }));
    await rejectsWith(bob.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" })), "AccessDenied",
      refusal(userArn(B, "bob"), "sqs:sendmessage", queueArn, resourceDeny));
  });

  test("SQS in the queue's own account: the queue's policy alone may allow, and its Deny wins over the identity's Allow", async () => {
    const ownerSqs = new SQSClient(config(berth.endpoint, ROOT_A));
    const { QueueUrl } = await ownerSqs.send(new CreateQueueCommand({ QueueName: "local" }));
    const queueArn = `arn:aws:sqs:us-east-1:${A}:local`;
    const alice = new SQSClient(config(berth.endpoint, await userWith(A, "alice")));
    const dave = new SQSClient(config(berth.endpoint, await userWith(A, "dave", [{ Effect: "Allow", Action: "sqs:*", Resource: "*" }])));
    await rejectsWith(alice.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" })), "AccessDenied",
      refusal(userArn(A, "alice"), "sqs:sendmessage", queueArn, noIdentityPolicy("sqs:sendmessage")));
    await ownerSqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: {
      Policy: doc([
        { Effect: "Allow", Principal: { AWS: userArn(A, "alice") }, Action: "sqs:SendMessage", Resource: queueArn },
        { Effect: "Deny", Principal: { AWS: A }, Action: "sqs:SendMessage", Resource: queueArn, Condition: { StringEquals: { "aws:username": "dave" } } },
      ]),
    } }));
    assert.ok((await alice.send(new SendMessageCommand({ QueueUrl, MessageBody: "by policy" }))).MessageId);
    // The policy names alice for SendMessage only; her identity allows nothing else.
    await rejectsWith(alice.send(new ReceiveMessageCommand({ QueueUrl })), "AccessDenied",
      refusal(userArn(A, "alice"), "sqs:receivemessage", queueArn, noIdentityPolicy("sqs:receivemessage")));
    await rejectsWith(dave.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" })), "AccessDenied",
      refusal(userArn(A, "dave"), "sqs:sendmessage", queueArn, resourceDeny));
    assert.equal((await dave.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }))).Messages?.[0]?.Body, "by policy");
  });

  test("SQS: a Deny whose NotPrincipal names an account spares that account's root, not its users", async () => {
    const ownerSqs = new SQSClient(config(berth.endpoint, ROOT_A));
    const { QueueUrl } = await ownerSqs.send(new CreateQueueCommand({ QueueName: "guarded" }));
    const queueArn = `arn:aws:sqs:us-east-1:${A}:guarded`;
    const erin = new SQSClient(config(berth.endpoint, await userWith(B, "erin", [{ Effect: "Allow", Action: "sqs:*", Resource: "*" }])));
    const frank = new SQSClient(config(berth.endpoint, await userWith(B, "frank", [{ Effect: "Allow", Action: "sqs:*", Resource: "*" }])));
    const rootB = new SQSClient(config(berth.endpoint, ROOT_B));
    await ownerSqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: {
      Policy: doc([
        { Effect: "Allow", Principal: { AWS: B }, Action: "sqs:SendMessage", Resource: queueArn },
        { Effect: "Deny", NotPrincipal: { AWS: [`arn:aws:iam::${B}:root`, userArn(B, "erin")] }, Action: "sqs:SendMessage", Resource: queueArn },
      ]),
    } }));
    assert.ok((await erin.send(new SendMessageCommand({ QueueUrl, MessageBody: "erin" }))).MessageId);
    assert.ok((await rootB.send(new SendMessageCommand({ QueueUrl, MessageBody: "root" }))).MessageId);
    await rejectsWith(frank.send(new SendMessageCommand({ QueueUrl, MessageBody: "frank" })), "AccessDenied",
      refusal(userArn(B, "frank"), "sqs:sendmessage", queueArn, resourceDeny));
  });

  test("SQS: a Deny whose NotPrincipal names a role spares none of its sessions; the session's own ARN spares that session", async () => {
    const ownerSqs = new SQSClient(config(berth.endpoint, ROOT_A));
    const { QueueUrl } = await ownerSqs.send(new CreateQueueCommand({ QueueName: "role-guarded" }));
    const queueArn = `arn:aws:sqs:us-east-1:${A}:role-guarded`;
    const iam = new IAM.IAMClient(config(berth.endpoint, ROOT_A));
    const roleArn = (await iam.send(new IAM.CreateRoleCommand({ RoleName: "auditor", AssumeRolePolicyDocument: doc([{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: "sts:AssumeRole" }]) }))).Role!.Arn!;
    await iam.send(new IAM.PutRolePolicyCommand({ RoleName: "auditor", PolicyName: "p", PolicyDocument: doc([{ Effect: "Allow", Action: "sqs:*", Resource: "*" }]) }));
    iam.destroy();
    const sts = new STSClient(config(berth.endpoint, ROOT_A));
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "audit-app" }))).Credentials!;
    sts.destroy();
    const sessionArn = `arn:aws:sts::${A}:assumed-role/auditor/audit-app`;
    const session = new SQSClient(config(berth.endpoint, { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }));
    const denyAllBut = (spared: string[]) => ownerSqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: {
      Policy: doc([{ Effect: "Deny", NotPrincipal: { AWS: spared }, Action: "sqs:SendMessage", Resource: queueArn }]),
    } }));
    // The role's ARN and the account's, as IAM's documentation lists them beside the session's: the session is still denied.
    await denyAllBut([roleArn, `arn:aws:iam::${A}:root`]);
    await rejectsWith(session.send(new SendMessageCommand({ QueueUrl, MessageBody: "by role" })), "AccessDenied",
      refusal(sessionArn, "sqs:sendmessage", queueArn, resourceDeny));
    await denyAllBut([sessionArn, roleArn, `arn:aws:iam::${A}:root`]);
    assert.ok((await session.send(new SendMessageCommand({ QueueUrl, MessageBody: "by session" }))).MessageId);
    assert.equal((await nextMessage(ownerSqs, QueueUrl!))?.Body, "by session");
  });

  test("SQS: a queue policy's Allow missing its Action or Principal grants another account nothing", async () => {
    const ownerSqs = new SQSClient(config(berth.endpoint, ROOT_A));
    const { QueueUrl } = await ownerSqs.send(new CreateQueueCommand({ QueueName: "half-written" }));
    const queueArn = `arn:aws:sqs:us-east-1:${A}:half-written`;
    const gina = new SQSClient(config(berth.endpoint, await userWith(B, "gina", [{ Effect: "Allow", Action: "sqs:*", Resource: "*" }])));
    for (const statement of [{ Principal: { AWS: B }, Resource: queueArn }, { Action: "sqs:*", Resource: queueArn }]) {
      await ownerSqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: doc([{ Effect: "Allow", ...statement }]) } }));
      await rejectsWith(gina.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" })), "AccessDenied",
        refusal(userArn(B, "gina"), "sqs:sendmessage", queueArn, noResourcePolicy("sqs:sendmessage")));
    }
    // Written whole, the same grant lets her send.
    await ownerSqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: doc([{ Effect: "Allow", Principal: { AWS: B }, Action: "sqs:SendMessage", Resource: queueArn }]) } }));
    assert.ok((await gina.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" }))).MessageId);
  });

  test("SQS: moving a dead-letter queue's messages needs reading and deleting them and sending them on, by identity or queue policy", async () => {
    const ownerSqs = new SQSClient(config(berth.endpoint, ROOT_A));
    const dlqUrl = (await ownerSqs.send(new CreateQueueCommand({ QueueName: "moves-dlq" }))).QueueUrl!;
    const dlqArn = `arn:aws:sqs:us-east-1:${A}:moves-dlq`;
    await ownerSqs.send(new CreateQueueCommand({ QueueName: "moves-src", Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) } }));
    const destinationUrl = (await ownerSqs.send(new CreateQueueCommand({ QueueName: "moves-dest" }))).QueueUrl!;
    const destinationArn = `arn:aws:sqs:us-east-1:${A}:moves-dest`;
    const starter = new SQSClient(config(berth.endpoint, await userWith(A, "mover", [{ Effect: "Allow", Action: ["sqs:StartMessageMoveTask", "sqs:ListMessageMoveTasks"], Resource: dlqArn }])));
    await rejectsWith(starter.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: destinationArn })), "AccessDenied",
      refusal(userArn(A, "mover"), "sqs:receivemessage", dlqArn, noIdentityPolicy("sqs:receivemessage")));
    await rejectsWith(starter.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn })), "AccessDenied",
      refusal(userArn(A, "mover"), "sqs:getqueueattributes", dlqArn, noIdentityPolicy("sqs:getqueueattributes")));
    // The dead-letter queue's policy grants the reads; the destination still refuses the send.
    await ownerSqs.send(new SetQueueAttributesCommand({ QueueUrl: dlqUrl, Attributes: {
      Policy: doc([{ Effect: "Allow", Principal: { AWS: userArn(A, "mover") }, Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], Resource: dlqArn }]),
    } }));
    await rejectsWith(starter.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: destinationArn })), "AccessDenied",
      refusal(userArn(A, "mover"), "sqs:sendmessage", destinationArn, noIdentityPolicy("sqs:sendmessage")));
    await ownerSqs.send(new SetQueueAttributesCommand({ QueueUrl: destinationUrl, Attributes: {
      Policy: doc([{ Effect: "Allow", Principal: { AWS: userArn(A, "mover") }, Action: "sqs:SendMessage", Resource: destinationArn }]),
    } }));
    assert.ok((await starter.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: destinationArn }))).TaskHandle);
    assert.equal((await starter.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results?.[0]?.DestinationArn, destinationArn);
  });

  test("SQS: moving dead letters back to their own queues needs SendMessage on each; a queue that refuses it keeps its messages in the DLQ and fails the task", async () => {
    const ownerSqs = new SQSClient(config(berth.endpoint, ROOT_A));
    const dlqUrl = (await ownerSqs.send(new CreateQueueCommand({ QueueName: "home-dlq" }))).QueueUrl!;
    const dlqArn = `arn:aws:sqs:us-east-1:${A}:home-dlq`;
    const redrive = { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }), VisibilityTimeout: "0" };
    const homes = { a: "", b: "" };
    for (const name of ["a", "b"] as const) {
      homes[name] = (await ownerSqs.send(new CreateQueueCommand({ QueueName: `home-${name}`, Attributes: redrive }))).QueueUrl!;
      await ownerSqs.send(new SendMessageCommand({ QueueUrl: homes[name], MessageBody: name }));
      // Received once, then dead at the next receive.
      assert.equal((await ownerSqs.send(new ReceiveMessageCommand({ QueueUrl: homes[name], WaitTimeSeconds: 1 }))).Messages?.[0]?.Body, name);
      assert.equal((await ownerSqs.send(new ReceiveMessageCommand({ QueueUrl: homes[name] }))).Messages, undefined);
    }
    await waitFor("both dead letters in the DLQ", async () => (await ownerSqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["ApproximateNumberOfMessages"] }))).Attributes?.["ApproximateNumberOfMessages"] === "2" || undefined, 10_000);
    const homeB = `arn:aws:sqs:us-east-1:${A}:home-b`;
    const redriver = new SQSClient(config(berth.endpoint, await userWith(A, "redriver", [
      { Effect: "Allow", Action: ["sqs:StartMessageMoveTask", "sqs:ListMessageMoveTasks", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], Resource: dlqArn },
      { Effect: "Allow", Action: "sqs:SendMessage", Resource: `arn:aws:sqs:us-east-1:${A}:home-a` },
    ])));
    const lastTask = async () => (await redriver.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results![0]!;

    // The call is taken; the message for home-b, which the caller may not send to, stays behind.
    assert.ok((await redriver.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }))).TaskHandle);
    const failed = await lastTask();
    assert.deepEqual([failed.Status, failed.ApproximateNumberOfMessagesMoved, failed.ApproximateNumberOfMessagesToMove], ["FAILED", 1, 2]);
    assert.equal(failed.FailureReason, refusal(userArn(A, "redriver"), "sqs:sendmessage", homeB, noIdentityPolicy("sqs:sendmessage")));
    assert.equal((await nextMessage(ownerSqs, homes.a))?.Body, "a");
    assert.equal(await nextMessage(ownerSqs, homes.b, 1), undefined);

    // home-b's own policy lets the caller send: the next task takes the last message home.
    await ownerSqs.send(new SetQueueAttributesCommand({ QueueUrl: homes.b, Attributes: {
      Policy: doc([{ Effect: "Allow", Principal: { AWS: userArn(A, "redriver") }, Action: "sqs:SendMessage", Resource: homeB }]),
    } }));
    await redriver.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    const done = await lastTask();
    assert.deepEqual([done.Status, done.ApproximateNumberOfMessagesMoved, done.FailureReason], ["COMPLETED", 1, undefined]);
    assert.equal((await nextMessage(ownerSqs, homes.b))?.Body, "b");
    assert.equal(await nextMessage(ownerSqs, dlqUrl, 0), undefined);
  });

  test("SNS: the topic's policy may allow in its own account, its Deny wins, and another account is refused without it", async () => {
    const ownerSns = new SNSClient(config(berth.endpoint, ROOT_A));
    const { TopicArn } = await ownerSns.send(new CreateTopicCommand({ Name: "alerts" }));
    const erin = new SNSClient(config(berth.endpoint, await userWith(A, "erin")));
    const frank = new SNSClient(config(berth.endpoint, await userWith(A, "frank", [{ Effect: "Allow", Action: "sns:*", Resource: "*" }])));
    const gus = new SNSClient(config(berth.endpoint, await userWith(B, "gus", [{ Effect: "Allow", Action: "sns:*", Resource: "*" }])));
    // The default policy (GetTopicAttributes shows it) allows only on AWS:SourceOwner: erin has nothing.
    await rejectsWith(erin.send(new PublishCommand({ TopicArn, Message: "m" })), "AuthorizationErrorException",
      refusal(userArn(A, "erin"), "SNS:Publish", TopicArn!, noIdentityPolicy("SNS:Publish")));
    await rejectsWith(gus.send(new PublishCommand({ TopicArn, Message: "m" })), "AuthorizationErrorException",
      refusal(userArn(B, "gus"), "SNS:Publish", TopicArn!, noResourcePolicy("SNS:Publish")));
    await ownerSns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "Policy", AttributeValue: doc([
      { Effect: "Allow", Principal: { AWS: userArn(A, "erin") }, Action: "SNS:Publish", Resource: TopicArn },
      { Effect: "Deny", Principal: { AWS: userArn(A, "frank") }, Action: "SNS:Publish", Resource: TopicArn },
    ]) }));
    assert.ok((await erin.send(new PublishCommand({ TopicArn, Message: "by policy" }))).MessageId);
    await rejectsWith(frank.send(new PublishCommand({ TopicArn, Message: "m" })), "AuthorizationErrorException",
      refusal(userArn(A, "frank"), "SNS:Publish", TopicArn!, resourceDeny));
    // Still nothing for account B: the policy does not name it.
    await rejectsWith(gus.send(new PublishCommand({ TopicArn, Message: "m" })), "AuthorizationErrorException",
      refusal(userArn(B, "gus"), "SNS:Publish", TopicArn!, noResourcePolicy("SNS:Publish")));
  });

  test("EventBridge: a bus's policy may allow PutEvents in its own account, its Deny wins, and another account's entry is refused without it", async () => {
    // Another account's bus is refused entry by entry (the call answers), as on AWS.
    const entryRefused = async (p: Promise<{ FailedEntryCount?: number; Entries?: { ErrorCode?: string; ErrorMessage?: string }[] }>, message: string) => {
      const { FailedEntryCount, Entries } = await p;
      assert.equal(FailedEntryCount, 1);
      assert.equal(Entries?.[0]?.ErrorCode, "AccessDeniedException");
      assert.equal(Entries?.[0]?.ErrorMessage, message);
    };
    const ownerEvents = new EventBridgeClient(config(berth.endpoint, ROOT_A));
    const { EventBusArn } = await ownerEvents.send(new CreateEventBusCommand({ Name: "orders" }));
    const entry = (bus: string) => ({ Entries: [{ EventBusName: bus, Source: "shop", DetailType: "order", Detail: "{}" }] });
    const hana = new EventBridgeClient(config(berth.endpoint, await userWith(A, "hana")));
    const ivan = new EventBridgeClient(config(berth.endpoint, await userWith(A, "ivan", [{ Effect: "Allow", Action: "events:*", Resource: "*" }])));
    const jack = new EventBridgeClient(config(berth.endpoint, await userWith(B, "jack", [{ Effect: "Allow", Action: "events:*", Resource: "*" }])));
    await rejectsWith(hana.send(new PutEventsCommand(entry("orders"))), "AccessDeniedException",
      refusal(userArn(A, "hana"), "events:PutEvents", EventBusArn!, noIdentityPolicy("events:PutEvents")));
    await entryRefused(jack.send(new PutEventsCommand(entry(EventBusArn!))),
      refusal(userArn(B, "jack"), "events:PutEvents", EventBusArn!, noResourcePolicy("events:PutEvents")));
    await ownerEvents.send(new PutPermissionCommand({ EventBusName: "orders", Policy: doc([
      { Sid: "hana", Effect: "Allow", Principal: { AWS: userArn(A, "hana") }, Action: "events:PutEvents", Resource: EventBusArn },
      { Sid: "not-ivan", Effect: "Deny", Principal: { AWS: userArn(A, "ivan") }, Action: "events:PutEvents", Resource: EventBusArn },
    ]) }));
    assert.equal((await hana.send(new PutEventsCommand(entry("orders")))).FailedEntryCount, 0);
    await rejectsWith(ivan.send(new PutEventsCommand(entry(EventBusArn!))), "AccessDeniedException",
      refusal(userArn(A, "ivan"), "events:PutEvents", EventBusArn!, resourceDeny));
    // The bus's policy applies to its own ARN: ivan's other calls on the bus go by his identity.
    assert.equal((await ivan.send(new PutEventsCommand(entry("default")))).FailedEntryCount, 0);
    await entryRefused(jack.send(new PutEventsCommand(entry(EventBusArn!))),
      refusal(userArn(B, "jack"), "events:PutEvents", EventBusArn!, noResourcePolicy("events:PutEvents")));
  });


  test("SNS into another account's queue: only when the queue's policy allows sns.amazonaws.com for the topic; a Deny stops it in the same account", async () => {
    const sqsA = new SQSClient(config(berth.endpoint, ROOT_A));
    const sqsB = new SQSClient(config(berth.endpoint, ROOT_B));
    const snsB = new SNSClient(config(berth.endpoint, ROOT_B));
    const inbox = (await sqsA.send(new CreateQueueCommand({ QueueName: "inbox" }))).QueueUrl!;
    const inboxArn = await queueArn(sqsA, inbox);
    const dlq = (await sqsB.send(new CreateQueueCommand({ QueueName: "sns-dlq" }))).QueueUrl!;
    const { TopicArn } = await snsB.send(new CreateTopicCommand({ Name: "news" }));
    await snsB.send(new SubscribeCommand({
      TopicArn, Protocol: "sqs", Endpoint: inboxArn, ReturnSubscriptionArn: true,
      Attributes: { RawMessageDelivery: "true", RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await queueArn(sqsB, dlq) }) },
    }));

    // No queue policy: the message does not reach account A's queue; it goes to the subscription's DLQ.
    await snsB.send(new PublishCommand({ TopicArn, Message: "unasked" }));
    assert.equal((await nextMessage(sqsB, dlq))?.Body, "unasked");
    assert.equal(await nextMessage(sqsA, inbox, 0), undefined);

    // A policy for SNS, but for another topic: still refused.
    const allowSns = (source: string) => doc([{
      Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: inboxArn, Condition: { ArnEquals: { "aws:SourceArn": source } },
    }]);
    await sqsA.send(new SetQueueAttributesCommand({ QueueUrl: inbox, Attributes: { Policy: allowSns(`arn:aws:sns:us-east-1:${B}:other`) } }));
    await snsB.send(new PublishCommand({ TopicArn, Message: "other topic" }));
    assert.equal((await nextMessage(sqsB, dlq))?.Body, "other topic");

    await sqsA.send(new SetQueueAttributesCommand({ QueueUrl: inbox, Attributes: { Policy: allowSns(TopicArn!) } }));
    await snsB.send(new PublishCommand({ TopicArn, Message: "allowed" }));
    assert.equal((await nextMessage(sqsA, inbox))?.Body, "allowed");

    // Same account: no policy is needed, but one that denies SNS is obeyed.
    const snsA = new SNSClient(config(berth.endpoint, ROOT_A));
    const local = (await snsA.send(new CreateTopicCommand({ Name: "local-news" }))).TopicArn!;
    const mine = (await sqsA.send(new CreateQueueCommand({ QueueName: "mine" }))).QueueUrl!;
    const mineArn = await queueArn(sqsA, mine);
    await snsA.send(new SubscribeCommand({ TopicArn: local, Protocol: "sqs", Endpoint: mineArn, Attributes: { RawMessageDelivery: "true" } }));
    await snsA.send(new PublishCommand({ TopicArn: local, Message: "same account" }));
    assert.equal((await nextMessage(sqsA, mine))?.Body, "same account");
    await sqsA.send(new SetQueueAttributesCommand({ QueueUrl: mine, Attributes: {
      Policy: doc([{ Effect: "Deny", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: mineArn }]),
    } }));
    await snsA.send(new PublishCommand({ TopicArn: local, Message: "denied" }));
    assert.equal(await nextMessage(sqsA, mine, 0), undefined);
  });

  test("EventBridge into another account's queue: NO_PERMISSIONS until the queue's policy allows events.amazonaws.com for the rule", async () => {
    const sqsA = new SQSClient(config(berth.endpoint, ROOT_A));
    const sqsB = new SQSClient(config(berth.endpoint, ROOT_B));
    const eventsB = new EventBridgeClient(config(berth.endpoint, ROOT_B));
    const target = (await sqsA.send(new CreateQueueCommand({ QueueName: "events-inbox" }))).QueueUrl!;
    const targetArn = await queueArn(sqsA, target);
    const dlq = (await sqsB.send(new CreateQueueCommand({ QueueName: "events-dlq" }))).QueueUrl!;
    const { RuleArn } = await eventsB.send(new PutRuleCommand({ Name: "to-a", EventPattern: JSON.stringify({ source: ["b.app"] }) }));
    await eventsB.send(new PutTargetsCommand({ Rule: "to-a", Targets: [{ Id: "a", Arn: targetArn, DeadLetterConfig: { Arn: await queueArn(sqsB, dlq) } }] }));
    const put = (detail: string) => eventsB.send(new PutEventsCommand({ Entries: [{ Source: "b.app", DetailType: "t", Detail: JSON.stringify({ detail }) }] }));

    await put("first");
    const dead = await nextMessage(sqsB, dlq);
    assert.equal(dead?.MessageAttributes?.["ERROR_CODE"]?.StringValue, "NO_PERMISSIONS");
    assert.equal(dead?.MessageAttributes?.["ERROR_MESSAGE"]?.StringValue,
      `User: events.amazonaws.com is not authorized to perform: sqs:SendMessage on resource: ${targetArn} because no resource-based policy allows the sqs:SendMessage action`);
    assert.equal(JSON.parse(dead!.Body!).detail.detail, "first");

    await sqsA.send(new SetQueueAttributesCommand({ QueueUrl: target, Attributes: {
      Policy: doc([{ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage", Resource: targetArn, Condition: { ArnEquals: { "aws:SourceArn": RuleArn } } }]),
    } }));
    await put("second");
    const delivered = await nextMessage(sqsA, target);
    assert.equal(JSON.parse(delivered!.Body!).detail.detail, "second");
    assert.equal(JSON.parse(delivered!.Body!).account, B);
  });
});
