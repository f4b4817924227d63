import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createVerify, X509Certificate } from "node:crypto";
import type { AddressInfo } from "node:net";
import * as sns from "@aws-sdk/client-sns";
import { BerthProcess } from "./harness.js";

/**
 * SNS's http, email and sms subscriptions end to end: a node:http endpoint on 127.0.0.1 gets the
 * SubscriptionConfirmation, confirms through its SubscribeURL, receives signed notifications
 * (verified here with the certificate Berth serves at SigningCertURL, by AWS's documented
 * canonical string, for SignatureVersion 1 and 2), retries after failures as the delivery policy
 * says, and leaves through its UnsubscribeURL. Email and SMS land in the outbox under /_berth.
 */

interface Received { path: string; headers: IncomingHttpHeaders; body: string }

/** An http endpoint that records every POST; `/flaky` fails the first delivery of each message. */
class Endpoint {
  readonly received: Received[] = [];
  private waiting: Array<{ match: (r: Received) => boolean; resolve: (r: Received) => void }> = [];
  private failed = new Set<string>();
  server!: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (d: string) => (body += d));
      req.on("end", () => {
        const id = String(req.headers["x-amz-sns-message-id"]);
        const fail = req.url === "/flaky" && !this.failed.has(id);
        if (fail) this.failed.add(id);
        res.writeHead(fail ? 500 : 200).end();
        const r = { path: req.url ?? "", headers: req.headers, body };
        this.received.push(r);
        this.waiting = this.waiting.filter((w) => (w.match(r) ? (w.resolve(r), false) : true));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The first request (already here, or the next to come) that matches; `skip` earlier matches. */
  next(match: (r: Received) => boolean, skip = 0): Promise<Received> {
    const here = this.received.filter(match);
    if (here.length > skip) return Promise.resolve(here[skip]!);
    return new Promise((resolve) => {
      let left = skip - here.length;
      this.waiting.push({ match: (r) => match(r) && left-- === 0, resolve });
    });
  }

  close = () => new Promise<void>((resolve) => this.server.close(() => resolve()));
}

const json = (r: Received) => JSON.parse(r.body) as Record<string, string>;

/** AWS's documented string to sign, written here independently of Berth's code. */
function stringToSign(m: Record<string, string>): string {
  const keys = m.Type === "Notification" ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"] : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"];
  return keys.filter((k) => m[k] !== undefined).map((k) => `${k}\n${m[k]}\n`).join("");
}

/** Verifies a message as an SNS subscriber would: the certificate from SigningCertURL, then the signature. */
async function verify(m: Record<string, string>): Promise<boolean> {
  const cert = await (await fetch(m.SigningCertURL!)).text();
  const x509 = new X509Certificate(cert);
  return createVerify(m.SignatureVersion === "2" ? "RSA-SHA256" : "RSA-SHA1").update(stringToSign(m)).verify(x509.publicKey, m.Signature!, "base64");
}

let berth: BerthProcess;
let client: sns.SNSClient;
const endpoint = new Endpoint();
before(async () => {
  berth = await BerthProcess.start();
  client = new sns.SNSClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  await endpoint.start();
});
after(async () => {
  client?.destroy();
  await endpoint.close();
  await berth?.dispose();
});

test("http: confirmation handshake, signed notifications (v1 and v2), headers, UnsubscribeURL", async () => {
  const { TopicArn } = await client.send(new sns.CreateTopicCommand({ Name: "alerts" }));
  const sub = await client.send(new sns.SubscribeCommand({ TopicArn, Protocol: "http", Endpoint: `${endpoint.url}/hook` }));
  assert.equal(sub.SubscriptionArn, "pending confirmation");

  const confirmation = await endpoint.next((r) => r.path === "/hook" && r.headers["x-amz-sns-message-type"] === "SubscriptionConfirmation");
  const c = json(confirmation);
  assert.equal(c.Type, "SubscriptionConfirmation");
  assert.equal(c.TopicArn, TopicArn);
  assert.equal(confirmation.headers["x-amz-sns-topic-arn"], TopicArn);
  assert.equal(confirmation.headers["x-amz-sns-message-id"], c.MessageId);
  assert.equal(confirmation.headers["x-amz-sns-subscription-arn"], undefined);
  assert.equal(confirmation.headers["content-type"], "text/plain; charset=UTF-8");
  assert.equal(confirmation.headers["user-agent"], "Amazon Simple Notification Service Agent");
  assert.match(c.Token!, /^[0-9a-f]{64,}$/);
  assert.ok(c.SubscribeURL!.startsWith(`${berth.endpoint}/?Action=ConfirmSubscription&`));
  assert.equal(c.SignatureVersion, "1");
  assert.ok(await verify(c), "the confirmation's signature verifies with the served certificate");
  assert.ok(!(await verify({ ...c, Token: "0".repeat(128) })), "a changed field fails verification");

  const pending = await client.send(new sns.ListSubscriptionsByTopicCommand({ TopicArn }));
  assert.deepEqual(pending.Subscriptions!.map((s) => s.SubscriptionArn), ["PendingConfirmation"]);
  assert.equal((await client.send(new sns.GetTopicAttributesCommand({ TopicArn }))).Attributes!.SubscriptionsPending, "1");
  // Published while pending: never delivered.
  await client.send(new sns.PublishCommand({ TopicArn, Message: "before confirmation" }));
  await assert.rejects(client.send(new sns.ConfirmSubscriptionCommand({ TopicArn, Token: "bad" })), (e: Error) => e.name === "InvalidParameterException");

  // The endpoint confirms by visiting the SubscribeURL (a plain, unsigned GET).
  const visited = await fetch(c.SubscribeURL!);
  assert.equal(visited.status, 200);
  const subscriptionArn = /<SubscriptionArn>([^<]+)<\/SubscriptionArn>/.exec(await visited.text())![1]!;
  assert.match(subscriptionArn, /^arn:aws:sns:us-east-1:000000000000:alerts:[0-9a-f-]{36}$/);
  const attrs = (await client.send(new sns.GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }))).Attributes!;
  assert.equal(attrs.PendingConfirmation, "false");
  assert.equal(attrs.Endpoint, `${endpoint.url}/hook`);

  const { MessageId } = await client.send(new sns.PublishCommand({ TopicArn, Message: "disk full", Subject: "ops",
    MessageAttributes: { severity: { DataType: "String", StringValue: "high" } } }));
  const delivered = await endpoint.next((r) => r.headers["x-amz-sns-message-type"] === "Notification");
  const n = json(delivered);
  assert.equal(n.MessageId, MessageId, "the notification published while pending was never delivered");
  assert.equal(n.Message, "disk full");
  assert.equal(n.Subject, "ops");
  assert.deepEqual(n.MessageAttributes, { severity: { Type: "String", Value: "high" } });
  assert.equal(delivered.headers["x-amz-sns-subscription-arn"], subscriptionArn);
  assert.equal(delivered.headers["x-amz-sns-topic-arn"], TopicArn);
  assert.equal(delivered.headers["x-amz-sns-message-id"], MessageId);
  assert.equal(n.SignatureVersion, "1");
  assert.ok(n.SigningCertURL!.startsWith(`${berth.endpoint}/SimpleNotificationService-`));
  assert.ok(await verify(n), "SignatureVersion 1 (SHA1withRSA) verifies");
  assert.ok(!(await verify({ ...n, Message: "disk empty" })));

  await client.send(new sns.SetTopicAttributesCommand({ TopicArn, AttributeName: "SignatureVersion", AttributeValue: "2" }));
  const second = await client.send(new sns.PublishCommand({ TopicArn, Message: "second" }));
  const n2 = json(await endpoint.next((r) => r.headers["x-amz-sns-message-id"] === second.MessageId));
  assert.equal(n2.SignatureVersion, "2");
  assert.equal(n2.Subject, undefined);
  assert.ok(await verify(n2), "SignatureVersion 2 (SHA256withRSA) verifies");
  assert.ok(!(await verify({ ...n2, SignatureVersion: "1" })), "a v2 signature is not a v1 one");
  await assert.rejects(client.send(new sns.SetTopicAttributesCommand({ TopicArn, AttributeName: "SignatureVersion", AttributeValue: "3" })), (e: Error) => e.name === "InvalidParameterException");

  // Leaving through the UnsubscribeURL: the endpoint gets an UnsubscribeConfirmation, and no more notifications.
  const left = await fetch(n2.UnsubscribeURL!);
  assert.equal(left.status, 200);
  const bye = await endpoint.next((r) => r.headers["x-amz-sns-message-type"] === "UnsubscribeConfirmation");
  const b = json(bye);
  assert.equal(bye.headers["x-amz-sns-subscription-arn"], subscriptionArn);
  assert.ok(await verify(b));
  assert.deepEqual((await client.send(new sns.ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions, []);
});

test("http: a failed delivery is tried again as the delivery policy says; raw delivery; bad endpoints and policies are refused", async () => {
  const { TopicArn } = await client.send(new sns.CreateTopicCommand({ Name: "retries" }));
  const policy = JSON.stringify({ healthyRetryPolicy: { minDelayTarget: 1, maxDelayTarget: 1, numRetries: 2 } });
  const { SubscriptionArn } = await client.send(new sns.SubscribeCommand({ TopicArn, Protocol: "http", Endpoint: `${endpoint.url}/flaky`, ReturnSubscriptionArn: true,
    Attributes: { DeliveryPolicy: policy, RawMessageDelivery: "true" } }));
  assert.match(SubscriptionArn!, /:retries:[0-9a-f-]{36}$/);
  // The confirmation failed once (500) and came again.
  const isConfirmation = (r: Received) => r.path === "/flaky" && r.headers["x-amz-sns-message-type"] === "SubscriptionConfirmation";
  const first = await endpoint.next(isConfirmation);
  const again = await endpoint.next(isConfirmation, 1);
  assert.equal(json(again).MessageId, json(first).MessageId);
  await client.send(new sns.ConfirmSubscriptionCommand({ TopicArn, Token: json(again).Token! }));
  const attrs = (await client.send(new sns.GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes!;
  assert.equal(attrs.PendingConfirmation, "false");
  assert.equal(attrs.DeliveryPolicy, policy);

  const { MessageId } = await client.send(new sns.PublishCommand({ TopicArn, Message: "raw body" }));
  const tries = [await endpoint.next((r) => r.headers["x-amz-sns-message-id"] === MessageId), await endpoint.next((r) => r.headers["x-amz-sns-message-id"] === MessageId, 1)];
  for (const t of tries) {
    assert.equal(t.body, "raw body");
    assert.equal(t.headers["x-amz-sns-rawdelivery"], "true");
  }

  const bad = (input: Partial<sns.SubscribeCommandInput>) => assert.rejects(client.send(new sns.SubscribeCommand({ TopicArn, Protocol: "http", Endpoint: endpoint.url, ...input })), (e: Error) => e.name === "InvalidParameterException");
  await bad({ Endpoint: "ftp://127.0.0.1/x" });
  await bad({ Protocol: "https", Endpoint: "http://127.0.0.1/x" });
  await bad({ Protocol: "lambda", Endpoint: "arn:aws:lambda:us-east-1:000000000000:function:f" });
  await bad({ Attributes: { DeliveryPolicy: JSON.stringify({ healthyRetryPolicy: { minDelayTarget: 0, maxDelayTarget: 1, numRetries: 1 } }) } });
  await bad({ Attributes: { DeliveryPolicy: "{" } });
  assert.equal((await client.send(new sns.ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions!.length, 1, "refused subscriptions changed nothing");
});

interface OutboxMessage { seq: number; protocol: string; endpoint: string; type: string; subject?: string; body: string; messageId: string }
const outbox = async (query: string) => ((await (await berth.admin(`/_berth/sns/outbox?${query}`)).json()) as { messages: OutboxMessage[] }).messages;

test("email, email-json and sms: the outbox under /_berth holds the confirmation with its link and the notifications", async () => {
  const { TopicArn } = await client.send(new sns.CreateTopicCommand({ Name: "people" }));
  assert.equal((await client.send(new sns.SubscribeCommand({ TopicArn, Protocol: "email", Endpoint: "admin@example.com" }))).SubscriptionArn, "pending confirmation");
  await client.send(new sns.SubscribeCommand({ TopicArn, Protocol: "email-json", Endpoint: "robot@example.com" }));
  const sms = await client.send(new sns.SubscribeCommand({ TopicArn, Protocol: "sms", Endpoint: "+15555550100" }));
  assert.match(sms.SubscriptionArn!, /:people:[0-9a-f-]{36}$/, "sms subscriptions need no confirmation");

  const [mail] = await outbox("endpoint=admin%40example.com");
  assert.equal(mail!.type, "SubscriptionConfirmation");
  assert.equal(mail!.subject, "AWS Notification - Subscription Confirmation");
  const link = /(http:\/\/\S+Action=ConfirmSubscription\S+)/.exec(mail!.body)![1]!;
  assert.equal((await fetch(link)).status, 200);
  const [robot] = await outbox("endpoint=robot%40example.com&protocol=email-json");
  const robotConfirmation = JSON.parse(robot!.body) as Record<string, string>;
  assert.equal(robotConfirmation.Type, "SubscriptionConfirmation");
  assert.ok(await verify(robotConfirmation));
  // robot@ never confirms: it gets nothing more.

  const { MessageId } = await client.send(new sns.PublishCommand({ TopicArn, Subject: "Task stopped", MessageStructure: "json",
    Message: JSON.stringify({ default: "a task stopped", sms: "task stopped", email: "The task stopped. Details follow." }) }));
  const mails = await outbox("endpoint=admin%40example.com");
  assert.equal(mails.length, 2);
  assert.equal(mails[1]!.messageId, MessageId);
  assert.equal(mails[1]!.subject, "Task stopped");
  assert.ok(mails[1]!.body.startsWith("The task stopped. Details follow."));
  assert.match(mails[1]!.body, /Action=Unsubscribe&SubscriptionArn=/);
  assert.equal((await outbox("endpoint=robot%40example.com")).length, 1);
  assert.deepEqual((await outbox("protocol=sms")).map((m) => [m.endpoint, m.body]), [["+15555550100", "task stopped"]]);

  // Publish straight to a phone number.
  await client.send(new sns.PublishCommand({ PhoneNumber: "+15555550111", Message: "your code is 1234" }));
  assert.deepEqual((await outbox("endpoint=%2B15555550111")).map((m) => m.body), ["your code is 1234"]);
  await assert.rejects(client.send(new sns.PublishCommand({ PhoneNumber: "not-a-number", Message: "x" })), (e: Error) => e.name === "InvalidParameterException");
  await assert.rejects(client.send(new sns.SubscribeCommand({ TopicArn, Protocol: "email", Endpoint: "no-at-sign" })), (e: Error) => e.name === "InvalidParameterException");

  // The outbox can be emptied; it is one of Berth's own endpoints.
  const cleared = (await (await berth.admin("/_berth/sns/outbox", { method: "DELETE" })).json()) as { deleted: number };
  assert.ok(cleared.deleted >= 5);
  assert.deepEqual(await outbox(""), []);
});

test("strict SigV4: the outbox wants a signature; SubscribeURL and UnsubscribeURL work unsigned, as on AWS", async () => {
  const strict = await BerthProcess.start({ args: ["--strict-sigv4", "--credentials", "strictkey:strictsecret"] });
  const signed = new sns.SNSClient({ endpoint: strict.endpoint, region: "us-east-1", credentials: { accessKeyId: "strictkey", secretAccessKey: "strictsecret" }, maxAttempts: 1 });
  try {
    const { TopicArn } = await signed.send(new sns.CreateTopicCommand({ Name: "strict" }));
    await signed.send(new sns.SubscribeCommand({ TopicArn, Protocol: "email", Endpoint: "ops@example.com" }));
    assert.equal((await fetch(`${strict.endpoint}/_berth/sns/outbox`)).status, 403);
    const { messages } = (await (await strict.admin("/_berth/sns/outbox")).json()) as { messages: OutboxMessage[] };
    const link = /(http:\/\/\S+Action=ConfirmSubscription\S+)/.exec(messages[0]!.body)![1]!;
    assert.equal((await fetch(link)).status, 200);
    const [sub] = (await signed.send(new sns.ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions!;
    assert.match(sub!.SubscriptionArn!, /:strict:[0-9a-f-]{36}$/);
    // Other operations stay signed-only.
    assert.equal((await fetch(`${strict.endpoint}/?Action=ListTopics`)).status, 403);
    await signed.send(new sns.PublishCommand({ TopicArn, Message: "hi" }));
    const after = (await (await strict.admin("/_berth/sns/outbox?protocol=email")).json()) as { messages: OutboxMessage[] };
    const unsubscribe = /(http:\/\/\S+Action=Unsubscribe\S+)/.exec(after.messages[1]!.body)![1]!;
    assert.equal((await fetch(unsubscribe)).status, 200);
    assert.deepEqual((await signed.send(new sns.ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions, []);
  } finally {
    signed.destroy();
    await strict.dispose();
  }
});
