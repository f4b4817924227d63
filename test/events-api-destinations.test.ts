import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { IncomingHttpHeaders, Server } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import {
  EventBridgeClient, CreateApiDestinationCommand, CreateConnectionCommand, DeauthorizeConnectionCommand, DescribeConnectionCommand,
  DescribeApiDestinationCommand, ListApiDestinationsCommand, PutEventsCommand, UpdateApiDestinationCommand, PutRuleCommand, PutTargetsCommand, UpdateConnectionCommand,
} from "@aws-sdk/client-eventbridge";
import { SQSClient, CreateQueueCommand } from "@aws-sdk/client-sqs";
import { BerthProcess } from "./harness.js";
import { makeTestCa, type TestCa } from "./test-ca.js";
import { waitFor } from "./wait.js";
import { attributesOf, receiveExactly } from "./sqs-messages.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * API destinations: real HTTPS requests from Berth to a loopback server (its certificate issued by a
 * CA made for the run, which Berth trusts through trustedCaFile), with the connection's
 * API key header and parameters, the target's HttpParameters and input transformer; a 500 is
 * retried until the 200; a 400 goes to the dead-letter queue at once, a 503 after the retry policy.
 */

const ACCOUNT = "000000000000";
const SECRET = "s3cr3t-api-key-value";
const creds = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
let berth: BerthProcess;
let sqs: SQSClient;
let events: EventBridgeClient;
let server: Server;
let ca: TestCa;
let base: string;
interface Seen { method: string; url: string; headers: IncomingHttpHeaders; body: string }
const seen: Seen[] = [];
let hangTokens = true;
const hits = (prefix: string) => seen.filter((s) => s.url.startsWith(prefix));

before(async () => {
  // The endpoint: /ok answers 200, /flaky 500 once then 200, /gone 400, /busy 503, /token an OAuth token.
  ca = makeTestCa();
  server = createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const url = req.url!;
      // /hang-token keeps the request open while `hangTokens` (a server killed mid-authorization).
      if (url.startsWith("/hang-token") && hangTokens) return;
      // Numbered tokens: /short-token's expire in 30 s (within EventBridge's 60-second refresh margin).
      for (const [path, expires] of [["/short-token", 30], ["/rotating-token", 600]] as const) {
        if (url.startsWith(path)) return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: `${path.slice(1)}-${hits(path).length}`, expires_in: expires }));
      }
      // /slow never answers (the endpoint's five seconds run out).
      if (url.startsWith("/slow")) return;
      // /proxy answers 407 (proxy authentication required) once, then 200.
      if (url.startsWith("/proxy")) return res.writeHead(hits("/proxy").length === 1 ? 407 : 200).end();
      if (url.startsWith("/token") || url.startsWith("/hang-token")) return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: "tok-1", expires_in: 600 }));
      const status = url.startsWith("/ok") ? 200 : url.startsWith("/flaky") ? (hits("/flaky").length === 1 ? 500 : 200) : url.startsWith("/gone") ? 400 : 503;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  berth = await BerthProcess.start({ args: ["--trusted-ca-file", ca.caFile] });
  sqs = new SQSClient({ endpoint: berth.endpoint, ...creds });
  events = new EventBridgeClient({ endpoint: berth.endpoint, ...creds });
});
after(async () => {
  sqs?.destroy();
  events?.destroy();
  await berth?.dispose();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  ca?.dispose();
});

test("an API destination target: the API key header, parameters, a retried 500, and the dead-letter queue", async () => {
  // The AWS CLI makes the connection; the key is never shown again.
  const created = await berth.aws("events", "create-connection", "--name", "hooks", "--authorization-type", "API_KEY", "--auth-parameters", JSON.stringify({
    ApiKeyAuthParameters: { ApiKeyName: "x-api-key", ApiKeyValue: SECRET },
    InvocationHttpParameters: { HeaderParameters: [{ Key: "x-team", Value: "ops", IsValueSecret: false }], QueryStringParameters: [{ Key: "token", Value: "hidden", IsValueSecret: true }] },
  }));
  assert.match(created.ConnectionArn, new RegExp(`^arn:aws:events:us-east-1:${ACCOUNT}:connection/hooks/[-0-9a-f]+$`));
  assert.equal(created.ConnectionState, "AUTHORIZED");
  const described = await events.send(new DescribeConnectionCommand({ Name: "hooks" }));
  assert.equal(described.AuthParameters?.ApiKeyAuthParameters?.ApiKeyName, "x-api-key");
  assert.deepEqual(described.AuthParameters?.InvocationHttpParameters?.QueryStringParameters, [{ Key: "token", IsValueSecret: true }]);
  assert.match(described.SecretArn!, new RegExp(`^arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:events!connection/hooks/`));
  assert.ok(!JSON.stringify(described).includes(SECRET) && !JSON.stringify(described).includes("hidden"), "no secret value is returned");
  await assert.rejects(events.send(new CreateConnectionCommand({ Name: "hooks", AuthorizationType: "API_KEY", AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: "a", ApiKeyValue: "b" } } })),
    { name: "ResourceAlreadyExistsException" });
  await assert.rejects(events.send(new CreateConnectionCommand({ Name: "mixed", AuthorizationType: "API_KEY", AuthParameters: { BasicAuthParameters: { Username: "a", Password: "b" } } })),
    { name: "ValidationException" });
  await assert.rejects(events.send(new DescribeConnectionCommand({ Name: "nope" })), { name: "ResourceNotFoundException" });

  const destination = async (name: string, path: string) => (await berth.aws("events", "create-api-destination", "--name", name, "--connection-arn", created.ConnectionArn,
    "--invocation-endpoint", `${base}${path}`, "--http-method", "POST", "--invocation-rate-limit-per-second", "10")).ApiDestinationArn as string;
  const ok = await destination("ok", "/ok/*");
  const flaky = await destination("flaky", "/flaky");
  const gone = await destination("gone", "/gone");
  const busy = await destination("busy", "/busy");
  assert.match(ok, new RegExp(`^arn:aws:events:us-east-1:${ACCOUNT}:api-destination/ok/[-0-9a-f]+$`));
  const { ApiDestinations } = await events.send(new ListApiDestinationsCommand({ ConnectionArn: created.ConnectionArn }));
  assert.deepEqual(ApiDestinations?.map((d) => [d.Name, d.HttpMethod, d.InvocationRateLimitPerSecond, d.ApiDestinationState]).sort(),
    [["busy", "POST", 10, "ACTIVE"], ["flaky", "POST", 10, "ACTIVE"], ["gone", "POST", 10, "ACTIVE"], ["ok", "POST", 10, "ACTIVE"]]);
  // Only HTTPS, as on AWS: plain HTTP is refused, to a loopback address too, and nothing is made.
  const notHttps = /^Parameter InvocationEndpoint is not valid\. Reason: It must be an HTTPS URL\.$/;
  for (const endpoint of ["http://example.com/x", `${base.replace("https:", "http:")}/ok`, "ftp://127.0.0.1/x", "127.0.0.1/x"]) {
    await assert.rejects(events.send(new CreateApiDestinationCommand({ Name: "plain", ConnectionArn: created.ConnectionArn, InvocationEndpoint: endpoint, HttpMethod: "POST" })),
      (e: Error) => e.name === "ValidationException" && notHttps.test(e.message), endpoint);
  }
  await assert.rejects(berth.aws("events", "create-api-destination", "--name", "plain", "--connection-arn", created.ConnectionArn, "--invocation-endpoint", "http://127.0.0.1:9/x", "--http-method", "POST"),
    (e: Error & { stderr?: string }) => /ValidationException.*Parameter InvocationEndpoint is not valid\. Reason: It must be an HTTPS URL\./.test(String(e.stderr ?? e.message)));
  await assert.rejects(events.send(new UpdateApiDestinationCommand({ Name: "ok", InvocationEndpoint: "http://127.0.0.1:9/ok" })),
    (e: Error) => e.name === "ValidationException" && notHttps.test(e.message));
  assert.equal((await events.send(new DescribeApiDestinationCommand({ Name: "ok" }))).InvocationEndpoint, `${base}/ok/*`, "a refused update changes nothing");
  assert.deepEqual((await events.send(new ListApiDestinationsCommand({ NamePrefix: "plain" }))).ApiDestinations, []);
  await assert.rejects(events.send(new CreateApiDestinationCommand({ Name: "orphan", ConnectionArn: `arn:aws:events:us-east-1:${ACCOUNT}:connection/none/0000`, InvocationEndpoint: `${base}/ok`, HttpMethod: "POST" })),
    { name: "ResourceNotFoundException" });

  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "hooks-dlq" }))).QueueUrl!;
  const dlq = { Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:hooks-dlq` };
  await events.send(new PutRuleCommand({ Name: "hooks", EventPattern: '{"source":["app"]}' }));
  const put = await events.send(new PutTargetsCommand({ Rule: "hooks", Targets: [
    { Id: "ok", Arn: ok, HttpParameters: { PathParameterValues: ["orders"], QueryStringParameters: { v: "1", n: "$.detail.n" }, HeaderParameters: { "x-extra": "yes", "x-source": "$.source" } },
      InputTransformer: { InputPathsMap: { n: "$.detail.n" }, InputTemplate: '{"number": <n>}' } },
    { Id: "flaky", Arn: flaky, DeadLetterConfig: dlq },
    { Id: "gone", Arn: gone, DeadLetterConfig: dlq },
    { Id: "busy", Arn: busy, DeadLetterConfig: dlq, RetryPolicy: { MaximumRetryAttempts: 1 } },
  ] }));
  assert.equal(put.FailedEntryCount, 0);
  const { Entries } = await events.send(new PutEventsCommand({ Entries: [{ Source: "app", DetailType: "thing", Detail: '{"n":7}' }] }));
  assert.ok(Entries?.[0]?.EventId);

  // The 400 and the 503 (after one retry) land in the dead-letter queue with AWS's attributes.
  const dead = await receiveExactly(sqs, dlqUrl, 2);

  const byTarget = new Map(dead.map((m) => [attributesOf(m).TARGET_ARN, attributesOf(m)]));
  assert.equal(byTarget.get(gone)?.ERROR_CODE, "SDK_CLIENT_ERROR");
  assert.equal(byTarget.get(gone)?.RETRY_ATTEMPTS, "0");
  assert.equal(byTarget.get(gone)?.EXHAUSTED_RETRY_CONDITION, undefined);
  assert.match(byTarget.get(gone)!.ERROR_MESSAGE!, /400/);
  assert.equal(byTarget.get(busy)?.ERROR_CODE, "SDK_CLIENT_ERROR");
  assert.equal(byTarget.get(busy)?.RETRY_ATTEMPTS, "1");
  assert.equal(byTarget.get(busy)?.EXHAUSTED_RETRY_CONDITION, "MaximumRetryAttempts");
  assert.equal(byTarget.get(busy)?.RULE_ARN, `arn:aws:events:us-east-1:${ACCOUNT}:rule/hooks`);
  assert.equal(JSON.parse(dead[0]!.Body!).detail.n, 7, "the DLQ gets the event");
  assert.equal(hits("/gone").length, 1, "a 400 is not retried");
  assert.equal(hits("/busy").length, 2, "a 503 is retried under the retry policy");

  // The 500 was retried until its 200.
  await waitFor("the flaky endpoint's second request", async () => hits("/flaky").length >= 2 || undefined, 30_000);
  assert.equal(hits("/flaky").length, 2);

  const [hit] = hits("/ok");
  assert.equal(hits("/ok").length, 1);
  assert.equal(hit!.method, "POST");
  const url = new URL(hit!.url, base);
  assert.equal(url.pathname, "/ok/orders");
  assert.equal(url.searchParams.get("v"), "1");
  assert.equal(url.searchParams.get("token"), "hidden", "the connection's secret query parameter is sent");
  assert.equal(hit!.headers["x-api-key"], SECRET);
  assert.equal(hit!.headers["x-team"], "ops");
  assert.equal(hit!.headers["x-extra"], "yes");
  assert.equal(hit!.headers["x-source"], "app", "a JSON path value is the event's");
  assert.equal(url.searchParams.get("n"), "7");
  assert.match(hit!.headers["content-type"]!, /^application\/json/);
  assert.deepEqual(JSON.parse(hit!.body), { number: 7 });

  // A deauthorized connection fails its deliveries at once (to the DLQ); updating it authorizes it again.
  assert.equal((await events.send(new DeauthorizeConnectionCommand({ Name: "hooks" }))).ConnectionState, "DEAUTHORIZED");
  await events.send(new PutTargetsCommand({ Rule: "hooks", Targets: [{ Id: "ok", Arn: ok, DeadLetterConfig: dlq }] }));
  const before = seen.length;
  await events.send(new PutEventsCommand({ Entries: [{ Source: "app", DetailType: "thing", Detail: '{"n":8}' }] }));
  // Every destination of the connection is refused, none of them is called.
  const refused = (await receiveExactly(sqs, dlqUrl, 4)).map(attributesOf);
  assert.deepEqual(refused.map((a) => a.ERROR_CODE), ["NO_PERMISSIONS", "NO_PERMISSIONS", "NO_PERMISSIONS", "NO_PERMISSIONS"]);
  assert.deepEqual(refused.map((a) => a.TARGET_ARN).sort(), [ok, flaky, gone, busy].sort());
  assert.equal(seen.length, before);
  const updated = await events.send(new UpdateConnectionCommand({ Name: "hooks", AuthParameters: { ApiKeyAuthParameters: { ApiKeyValue: "rotated" } } }));
  assert.equal(updated.ConnectionState, "AUTHORIZED");
  await events.send(new PutEventsCommand({ Entries: [{ Source: "app", DetailType: "thing", Detail: '{"n":9}' }] }));
  await waitFor("a request with the rotated key", async () => hits("/ok").find((h) => h.headers["x-api-key"] === "rotated"), 30_000);
  assert.equal((await events.send(new DescribeConnectionCommand({ Name: "hooks" }))).AuthParameters?.ApiKeyAuthParameters?.ApiKeyName, "x-api-key");

  assert.ok(!JSON.stringify(berth.logLines).includes(SECRET), "the logs never carry the key");
});

test("an OAuth client-credentials connection gets a token and sends it as a Bearer token", async () => {
  const created = await events.send(new CreateConnectionCommand({ Name: "oauth", AuthorizationType: "OAUTH_CLIENT_CREDENTIALS", AuthParameters: { OAuthParameters: {
    AuthorizationEndpoint: `${base}/token`, HttpMethod: "POST", ClientParameters: { ClientID: "client", ClientSecret: "client-secret" },
    OAuthHttpParameters: { BodyParameters: [{ Key: "grant_type", Value: "client_credentials" }] },
  } } }));
  assert.equal(created.ConnectionState, "AUTHORIZING");
  await waitFor("the connection to be authorized", async () =>
    (await events.send(new DescribeConnectionCommand({ Name: "oauth" }))).ConnectionState === "AUTHORIZED" || undefined, 30_000);
  const [token] = hits("/token");
  assert.equal(token!.headers.authorization, `Basic ${Buffer.from("client:client-secret").toString("base64")}`);
  assert.equal(new URLSearchParams(token!.body).get("grant_type"), "client_credentials");
  const described = await events.send(new DescribeConnectionCommand({ Name: "oauth" }));
  assert.equal(described.AuthParameters?.OAuthParameters?.ClientParameters?.ClientID, "client");
  assert.ok(!JSON.stringify(described).includes("client-secret"));

  const { ApiDestinationArn } = await events.send(new CreateApiDestinationCommand({ Name: "oauth-ok", ConnectionArn: created.ConnectionArn, InvocationEndpoint: `${base}/ok/oauth`, HttpMethod: "PUT" }));
  await events.send(new PutRuleCommand({ Name: "oauth", EventPattern: '{"source":["oauth-app"]}' }));
  await events.send(new PutTargetsCommand({ Rule: "oauth", Targets: [{ Id: "1", Arn: ApiDestinationArn }] }));
  await events.send(new PutEventsCommand({ Entries: [{ Source: "oauth-app", DetailType: "thing", Detail: "{}" }] }));
  const hit = await waitFor("the PUT with the token", async () => hits("/ok/oauth")[0], 30_000);
  assert.equal(hit.method, "PUT");
  assert.equal(hit.headers.authorization, "Bearer tok-1");
});

test("OAuth tokens are refreshed during invocations: one expiring within 60 seconds, and after a 407 (as after a 401)", async () => {
  const connection = async (Name: string, path: string) => {
    const { ConnectionArn } = await events.send(new CreateConnectionCommand({ Name, AuthorizationType: "OAUTH_CLIENT_CREDENTIALS", AuthParameters: { OAuthParameters: {
      AuthorizationEndpoint: `${base}${path}`, HttpMethod: "POST", ClientParameters: { ClientID: "client", ClientSecret: "client-secret" } } } }));
    await waitFor(`${Name} to be authorized`, async () => (await events.send(new DescribeConnectionCommand({ Name }))).ConnectionState === "AUTHORIZED" || undefined, 30_000);
    return ConnectionArn!;
  };
  const short = await connection("short", "/short-token");
  const rotating = await connection("rotating", "/rotating-token");
  const destination = async (Name: string, ConnectionArn: string, path: string) =>
    (await events.send(new CreateApiDestinationCommand({ Name, ConnectionArn, InvocationEndpoint: `${base}${path}`, HttpMethod: "POST" }))).ApiDestinationArn!;
  await events.send(new PutRuleCommand({ Name: "refresh", EventPattern: '{"source":["refresh"]}' }));
  await events.send(new PutTargetsCommand({ Rule: "refresh", Targets: [
    { Id: "short", Arn: await destination("short", short, "/ok/short") },
    { Id: "proxy", Arn: await destination("proxy", rotating, "/proxy") },
  ] }));

  for (let i = 1; i <= 2; i++) {
    await events.send(new PutEventsCommand({ Entries: [{ Source: "refresh", DetailType: "thing", Detail: "{}" }] }));
    await waitFor(`short delivery ${i}`, async () => hits("/ok/short").length >= i || undefined, 30_000);
  }
  // The authorization's token had 30 s left: each invocation fetched a fresh one.
  assert.deepEqual(hits("/ok/short").map((h) => h.headers.authorization), ["Bearer short-token-2", "Bearer short-token-3"]);
  // The 407 made the retry fetch a new token.
  await waitFor("the retried /proxy request", async () => hits("/proxy").length >= 2 || undefined, 30_000);
  assert.deepEqual(hits("/proxy").map((h) => h.headers.authorization), ["Bearer rotating-token-1", "Bearer rotating-token-2"]);
  assert.equal(hits("/rotating-token").length, 2);
});

test("an endpoint that does not answer within five seconds fails the delivery with TIMEOUT", async () => {
  const { ConnectionArn } = await events.send(new CreateConnectionCommand({ Name: "slow", AuthorizationType: "BASIC", AuthParameters: { BasicAuthParameters: { Username: "u", Password: "p" } } }));
  const { ApiDestinationArn } = await events.send(new CreateApiDestinationCommand({ Name: "slow", ConnectionArn, InvocationEndpoint: `${base}/slow`, HttpMethod: "POST" }));
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "slow-dlq" }))).QueueUrl!;
  await events.send(new PutRuleCommand({ Name: "slow", EventPattern: '{"source":["slow"]}' }));
  await events.send(new PutTargetsCommand({ Rule: "slow", Targets: [{ Id: "1", Arn: ApiDestinationArn, RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:slow-dlq` } }] }));
  await events.send(new PutEventsCommand({ Entries: [{ Source: "slow", DetailType: "thing", Detail: "{}" }] }));
  const [dead] = (await receiveExactly(sqs, dlqUrl, 1)).map(attributesOf);
  assert.equal(dead!.ERROR_CODE, "TIMEOUT");
  assert.equal(dead!.ERROR_MESSAGE, "Unable to invoke ApiDestination endpoint: the request timed out.");
  assert.equal(hits("/slow").length, 1);
});

test("an OAuth connection's authorization endpoint must be HTTPS, to a loopback address too", async () => {
  const oauth = (AuthorizationEndpoint: string) => ({ OAuthParameters: { AuthorizationEndpoint, HttpMethod: "POST" as const, ClientParameters: { ClientID: "c", ClientSecret: "never-in-the-clear" } } });
  const refused = /^Parameter AuthorizationEndpoint is not valid\. Reason: It must be an HTTPS URL\.$/;
  for (const endpoint of ["http://auth.example.com/token", "http://10.0.0.1/token", "ftp://127.0.0.1/token", `${base.replace("https:", "http:")}/token`]) {
    await assert.rejects(events.send(new CreateConnectionCommand({ Name: "plain", AuthorizationType: "OAUTH_CLIENT_CREDENTIALS", AuthParameters: oauth(endpoint) })),
      (e: Error) => e.name === "ValidationException" && refused.test(e.message), endpoint);
  }
  await assert.rejects(events.send(new DescribeConnectionCommand({ Name: "plain" })), { name: "ResourceNotFoundException" });

  // An update to plain HTTP is refused and changes nothing.
  await events.send(new CreateConnectionCommand({ Name: "local", AuthorizationType: "OAUTH_CLIENT_CREDENTIALS", AuthParameters: oauth(`${base}/token`) }));
  await assert.rejects(events.send(new UpdateConnectionCommand({ Name: "local", AuthParameters: { OAuthParameters: { AuthorizationEndpoint: "http://auth.example.com/token" } } })),
    (e: Error) => e.name === "ValidationException" && refused.test(e.message));
  assert.equal((await events.send(new DescribeConnectionCommand({ Name: "local" }))).AuthParameters?.OAuthParameters?.AuthorizationEndpoint, `${base}/token`);
  // Another HTTPS endpoint is taken.
  const https = await events.send(new UpdateConnectionCommand({ Name: "local", AuthParameters: { OAuthParameters: { AuthorizationEndpoint: "https://127.0.0.1:1/token" } } }));
  assert.equal(https.ConnectionState, "AUTHORIZING");
  assert.equal((await events.send(new DescribeConnectionCommand({ Name: "local" }))).AuthParameters?.OAuthParameters?.AuthorizationEndpoint, "https://127.0.0.1:1/token");
});

test("a connection left AUTHORIZING by a killed server is authorized after the restart", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "berth-connection-"));
  const args = ["--trusted-ca-file", ca.caFile];
  let b = await BerthProcess.start({ dataDir, args });
  try {
    const client = () => new EventBridgeClient({ endpoint: b.endpoint, ...creds });
    let eb = client();
    const created = await eb.send(new CreateConnectionCommand({ Name: "interrupted", AuthorizationType: "OAUTH_CLIENT_CREDENTIALS", AuthParameters: { OAuthParameters: {
      AuthorizationEndpoint: `${base}/hang-token`, HttpMethod: "POST", ClientParameters: { ClientID: "client", ClientSecret: "client-secret" },
    } } }));
    assert.equal(created.ConnectionState, "AUTHORIZING");
    // The token request is in flight (and never answered) when the server dies.
    await waitFor("the token request", async () => hits("/hang-token")[0], 30_000);
    eb.destroy();
    await b.kill9();
    hangTokens = false;
    b = await BerthProcess.start({ dataDir, args });
    eb = client();
    try {
      const done = await waitFor("the connection to be authorized", async () => {
        const c = await eb.send(new DescribeConnectionCommand({ Name: "interrupted" }));
        return c.ConnectionState === "AUTHORIZED" ? c : undefined;
      }, 30_000);
      assert.ok(done.LastAuthorizedTime);
      assert.equal(hits("/hang-token").length, 2, "asked again after the restart");
    } finally {
      eb.destroy();
    }
  } finally {
    await b.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("without trustedCaFile, an endpoint whose certificate a private CA issued is not trusted: the delivery fails to the DLQ", async () => {
  const b = await BerthProcess.start();
  const clientOf = <T>(C: new (c: object) => T) => new C({ endpoint: b.endpoint, ...creds });
  const eb = clientOf(EventBridgeClient);
  const q = clientOf(SQSClient);
  try {
    const { ConnectionArn } = await eb.send(new CreateConnectionCommand({ Name: "untrusted", AuthorizationType: "API_KEY", AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: "x-api-key", ApiKeyValue: "k" } } }));
    const { ApiDestinationArn } = await eb.send(new CreateApiDestinationCommand({ Name: "untrusted", ConnectionArn, InvocationEndpoint: `${base}/ok/untrusted`, HttpMethod: "POST" }));
    const dlqUrl = (await q.send(new CreateQueueCommand({ QueueName: "untrusted-dlq" }))).QueueUrl!;
    await eb.send(new PutRuleCommand({ Name: "untrusted", EventPattern: '{"source":["untrusted"]}' }));
    await eb.send(new PutTargetsCommand({ Rule: "untrusted", Targets: [{ Id: "1", Arn: ApiDestinationArn, RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:untrusted-dlq` } }] }));
    await eb.send(new PutEventsCommand({ Entries: [{ Source: "untrusted", DetailType: "thing", Detail: "{}" }] }));
    const [dead] = (await receiveExactly(q, dlqUrl, 1)).map(attributesOf);
    assert.equal(dead!.ERROR_CODE, "SDK_CLIENT_ERROR");
    assert.match(dead!.ERROR_MESSAGE!, /^Unable to invoke ApiDestination endpoint: the endpoint's certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)\.$/);
    assert.equal(hits("/ok/untrusted").length, 0, "no request reached the endpoint");
  } finally {
    eb.destroy();
    q.destroy();
    await b.dispose();
  }
});
