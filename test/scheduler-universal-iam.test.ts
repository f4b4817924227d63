import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { SchedulerClient, CreateScheduleCommand } from "@aws-sdk/client-scheduler";
import { IAMClient, CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { SQSClient, CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, type Message } from "@aws-sdk/client-sqs";
import { BerthProcess } from "./harness.js";
import { waitFor } from "./wait.js";

/**
 * With iamEnforcement, a universal target's call is made as a session of the schedule's role: the
 * role's policies decide as they decide a call signed by it (the service's own AccessDenied, to the
 * dead-letter queue), and a role that does not trust scheduler.amazonaws.com is never assumed.
 */

const ACCOUNT = "000000000000";
const creds = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const SEND = "arn:aws:scheduler:::aws-sdk:sqs:sendMessage";
let berth: BerthProcess;
let sqs: SQSClient;
let scheduler: SchedulerClient;
let iam: IAMClient;

before(async () => {
  berth = await BerthProcess.start({ args: ["--iam-enforcement"] });
  sqs = new SQSClient({ endpoint: berth.endpoint, ...creds });
  scheduler = new SchedulerClient({ endpoint: berth.endpoint, ...creds });
  iam = new IAMClient({ endpoint: berth.endpoint, ...creds });
});
after(async () => {
  sqs?.destroy();
  scheduler?.destroy();
  iam?.destroy();
  await berth?.dispose();
});

async function receive(url: string, count: number): Promise<Message[]> {
  const got: Message[] = [];
  await waitFor(`${count} messages in ${url}`, async () => {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"] }));
    for (const m of Messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    got.push(...Messages);
    return got.length >= count || undefined;
  }, 30_000);
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }));
  assert.equal(got.length + Messages.length, count, `exactly ${count} messages in ${url}`);
  return got;
}

test("a universal target calls as its role: allowed arrives, not allowed and untrusted go to the DLQ", async () => {
  await iam.send(new CreateRoleCommand({ RoleName: "sched", AssumeRolePolicyDocument: doc([{ Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole" }]) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "sched", PolicyName: "send", PolicyDocument: doc([{ Effect: "Allow", Action: "sqs:SendMessage", Resource: queueArn("allowed") }]) }));
  await iam.send(new CreateRoleCommand({ RoleName: "events-only", AssumeRolePolicyDocument: doc([{ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole" }]) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "events-only", PolicyName: "all", PolicyDocument: doc([{ Effect: "Allow", Action: "sqs:*", Resource: "*" }]) }));
  const urls: Record<string, string> = {};
  for (const name of ["allowed", "denied", "dlq"]) urls[name] = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const at = `at(${new Date(Date.now() + 2000).toISOString().slice(0, 19)})`;
  const schedule = (Name: string, role: string, queue: string) => scheduler.send(new CreateScheduleCommand({
    Name, ScheduleExpression: at, FlexibleTimeWindow: { Mode: "OFF" },
    Target: { Arn: SEND, RoleArn: roleArn(role), Input: JSON.stringify({ QueueUrl: urls[queue], MessageBody: Name }), DeadLetterConfig: { Arn: queueArn("dlq") } },
  }));
  await schedule("allowed", "sched", "allowed");
  await schedule("denied", "sched", "denied");
  await schedule("untrusted", "events-only", "allowed");

  const [delivered] = await receive(urls.allowed!, 1);
  assert.equal(delivered!.Body, "allowed");
  const dead = (await receive(urls.dlq!, 2)).map((m): Record<string, string | undefined> => ({ body: JSON.parse(m.Body!).MessageBody as string, ...Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])) }));
  const denied = dead.find((d) => d.body === "denied")!;
  // The code a call signed by the role gets from Berth's SQS.
  assert.equal(denied.ERROR_CODE, "AccessDeniedException");
  assert.match(denied.ERROR_MESSAGE!, /assumed-role\/sched\/scheduler is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:000000000000:denied/, "SQS's own refusal (it names the action in lower case)");
  assert.equal(dead.find((d) => d.body === "untrusted")!.ERROR_CODE, "FAILED_TO_ASSUME_ROLE");
  await receive(urls.denied!, 0);
});
