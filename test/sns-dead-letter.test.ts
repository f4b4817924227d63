import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createHttpsServer } from "node:https";
import * as sns from "@aws-sdk/client-sns";
import { SQSClient, CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, type Message } from "@aws-sdk/client-sqs";
import { BerthProcess } from "./harness.js";
import { waitFor } from "./wait.js";
import { makeTestCa, type TestCa } from "./test-ca.js";

/**
 * SNS subscription dead-letter queues (RedrivePolicy): a message for a queue that is gone goes to
 * the DLQ at once; one an http endpoint keeps refusing goes there after the delivery policy's
 * retries; a healthy subscription's messages never do. An https endpoint answering 400, 404 or 429
 * is not retried and its message does not go to the DLQ (SNS retries only 5xx and no answer).
 */

const ACCOUNT = "000000000000";
const creds = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
let berth: BerthProcess;
let client: sns.SNSClient;
let sqs: SQSClient;
let server: Server;
let base: string;
let secure: Server;
let secureBase: string;
let ca: TestCa;
const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;

before(async () => {
  // Confirmations are answered 200; notifications to /down 500.
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      received.push({ path: req.url!, headers: req.headers, body });
      res.writeHead(req.headers["x-amz-sns-message-type"] === "Notification" && req.url === "/down" ? 500 : 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The https endpoint (a certificate from a CA made for the run, which Berth trusts): confirmations
  // are answered 200, notifications to /status/N with N.
  ca = makeTestCa();
  secure = createHttpsServer({ key: ca.key, cert: ca.cert }, (req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      received.push({ path: req.url!, headers: req.headers, body });
      const status = /^\/status\/(\d{3})$/.exec(req.url!)?.[1];
      res.writeHead(req.headers["x-amz-sns-message-type"] === "Notification" && status ? Number(status) : 200).end();
    });
  });
  await new Promise<void>((r) => secure.listen(0, "127.0.0.1", r));
  secureBase = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
  berth = await BerthProcess.start({ args: ["--trusted-ca-file", ca.caFile] });
  client = new sns.SNSClient({ endpoint: berth.endpoint, ...creds });
  sqs = new SQSClient({ endpoint: berth.endpoint, ...creds });
});
after(async () => {
  client?.destroy();
  sqs?.destroy();
  await berth?.dispose();
  await new Promise((r) => server?.close(r));
  secure?.closeAllConnections();
  await new Promise((r) => secure?.close(r));
  ca?.dispose();
});

async function receiveAll(url: string, count: number): Promise<Message[]> {
  const got: Message[] = [];
  await waitFor(`${count} messages in ${url}`, async () => {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
    for (const m of Messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    got.push(...Messages);
    return got.length >= count || undefined;
  }, 60_000);
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }));
  assert.equal(got.length + Messages.length, count, `exactly ${count} messages in ${url}`);
  return got;
}

test("a subscription's RedrivePolicy: undeliverable messages land in its dead-letter queue", async () => {
  const topic = (await berth.aws("sns", "create-topic", "--name", "alerts")).TopicArn as string;
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "alerts-dlq" }))).QueueUrl!;
  const goneUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "soon-gone" }))).QueueUrl!;
  const okUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "alerts-ok" }))).QueueUrl!;
  const redrive = JSON.stringify({ deadLetterTargetArn: queueArn("alerts-dlq") });

  // An SQS subscription whose queue is then deleted; the AWS CLI sets its RedrivePolicy.
  const gone = (await berth.aws("sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", queueArn("soon-gone"))).SubscriptionArn as string;
  await berth.aws("sns", "set-subscription-attributes", "--subscription-arn", gone, "--attribute-name", "RedrivePolicy", "--attribute-value", redrive);
  const attrs = await berth.aws("sns", "get-subscription-attributes", "--subscription-arn", gone);
  assert.equal(attrs.Attributes.RedrivePolicy, redrive);
  await berth.aws("sqs", "delete-queue", "--queue-url", goneUrl);

  // A healthy SQS subscription with the same DLQ.
  const { SubscriptionArn: ok } = await client.send(new sns.SubscribeCommand({ TopicArn: topic, Protocol: "sqs", Endpoint: queueArn("alerts-ok"), Attributes: { RedrivePolicy: redrive }, ReturnSubscriptionArn: true }));

  // An http subscription whose endpoint answers 500: one retry a second later, then the DLQ.
  const { SubscriptionArn: down } = await client.send(new sns.SubscribeCommand({
    TopicArn: topic, Protocol: "http", Endpoint: `${base}/down`, ReturnSubscriptionArn: true,
    Attributes: { RedrivePolicy: redrive, DeliveryPolicy: JSON.stringify({ healthyRetryPolicy: { minDelayTarget: 1, maxDelayTarget: 1, numRetries: 1 } }) },
  }));
  const confirmation = await waitFor("the subscription confirmation", async () => received.find((r) => r.headers["x-amz-sns-message-type"] === "SubscriptionConfirmation"));
  await client.send(new sns.ConfirmSubscriptionCommand({ TopicArn: topic, Token: JSON.parse(confirmation.body).Token }));

  // Bad policies are refused and change nothing.
  await assert.rejects(client.send(new sns.SetSubscriptionAttributesCommand({ SubscriptionArn: ok, AttributeName: "RedrivePolicy", AttributeValue: '{"deadLetterTargetArn":"not-an-arn"}' })),
    { name: "InvalidParameterException", message: "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn" });
  await assert.rejects(client.send(new sns.SetSubscriptionAttributesCommand({ SubscriptionArn: ok, AttributeName: "RedrivePolicy", AttributeValue: "{" })), { name: "InvalidParameterException" });
  assert.equal((await client.send(new sns.GetSubscriptionAttributesCommand({ SubscriptionArn: ok }))).Attributes?.RedrivePolicy, redrive);

  const { MessageId } = await client.send(new sns.PublishCommand({ TopicArn: topic, Message: "disk full", Subject: "ops" }));
  const [delivered] = await receiveAll(okUrl, 1);
  assert.equal(JSON.parse(delivered!.Body!).MessageId, MessageId);

  const dead = (await receiveAll(dlqUrl, 2)).map((m) => JSON.parse(m.Body!) as Record<string, string>);
  for (const d of dead) {
    assert.equal(d.Type, "Notification");
    assert.equal(d.MessageId, MessageId);
    assert.equal(d.Message, "disk full");
    assert.equal(d.TopicArn, topic);
  }
  // Each envelope is the one its subscription would have had (its UnsubscribeURL names it).
  assert.deepEqual(dead.map((d) => [gone, down].find((s) => d.UnsubscribeURL!.includes(encodeURIComponent(s!)) || d.UnsubscribeURL!.includes(s!))).sort(), [gone, down].sort());
  const attempts = received.filter((r) => r.path === "/down" && r.headers["x-amz-sns-message-id"] === MessageId);
  assert.equal(attempts.length, 2, "the first try and the one retry of the delivery policy");
});

test("https endpoints: 400, 404 and 429 end the delivery (no retry, no DLQ); 500 is retried, then the DLQ", async () => {
  const topic = (await berth.aws("sns", "create-topic", "--name", "codes")).TopicArn as string;
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "codes-dlq" }))).QueueUrl!;
  const redrive = JSON.stringify({ deadLetterTargetArn: queueArn("codes-dlq") });
  const policy = JSON.stringify({ healthyRetryPolicy: { minDelayTarget: 1, maxDelayTarget: 1, numRetries: 1 } });
  const codes = [400, 404, 429, 500];
  const subscriptions = new Map<number, string>();
  for (const code of codes) {
    const path = `/status/${code}`;
    // The AWS CLI subscribes (the endpoint is https: Berth trusts its CA through trustedCaFile).
    const { SubscriptionArn } = await berth.aws("sns", "subscribe", "--topic-arn", topic, "--protocol", "https", "--notification-endpoint", `${secureBase}${path}`,
      "--attributes", JSON.stringify({ RedrivePolicy: redrive, DeliveryPolicy: policy }), "--return-subscription-arn");
    subscriptions.set(code, SubscriptionArn);
    const confirmation = await waitFor(`the confirmation to ${path}`, async () => received.find((r) => r.path === path && r.headers["x-amz-sns-message-type"] === "SubscriptionConfirmation"));
    await client.send(new sns.ConfirmSubscriptionCommand({ TopicArn: topic, Token: JSON.parse(confirmation.body).Token }));
  }

  const { MessageId } = await client.send(new sns.PublishCommand({ TopicArn: topic, Message: "status codes" }));
  // Only the 500's message reaches the DLQ, after its one retry a second later; every 4xx would
  // have been retried by then too, with the same policy.
  const dead = (await receiveAll(dlqUrl, 1)).map((m) => JSON.parse(m.Body!) as Record<string, string>);
  assert.equal(dead[0]!.MessageId, MessageId);
  const arn500 = subscriptions.get(500)!;
  assert.ok([arn500, encodeURIComponent(arn500)].some((a) => dead[0]!.UnsubscribeURL!.includes(a)), "the DLQ message is the 500 subscription's");
  const attempts = (code: number) => received.filter((r) => r.path === `/status/${code}` && r.headers["x-amz-sns-message-id"] === MessageId).length;
  assert.deepEqual(codes.map((c) => [c, attempts(c)]), [[400, 1], [404, 1], [429, 1], [500, 2]]);
});
