import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ECSClient, CreateClusterCommand, ListClustersCommand } from "@aws-sdk/client-ecs";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { BerthProcess, awsCli } from "./harness.js";

const run = promisify(execFile);
const P = "AmazonEC2ContainerServiceV20141113";
const KEY = "AKIDTEST";
const SECRET = "secret123";
const MISMATCH = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const AMZ_DATE = String.raw`\d{8}T\d{6}Z`;

/** Parses an AMZ date (20261122T102030Z). */
const amzDate = (s: string) => new Date(s.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));

/** What an SDK error must look like: its name, status and message. */
function awsError(name: string, status: number, message: string | RegExp) {
  return (err: unknown) => {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    assert.equal(e.name, name, String(err));
    assert.equal(e.$metadata?.httpStatusCode, status);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message ?? "", message);
    return true;
  };
}

describe("strict SigV4", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await BerthProcess.start({ args: ["--strict-sigv4", "--credentials", `${KEY}:${SECRET}`] });
  });
  after(async () => {
    await berth.dispose();
  });

  const client = (accessKeyId: string, secretAccessKey: string, extra: { systemClockOffset?: number } = {}) =>
    new ECSClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1, ...extra });

  /** A request signed by hand, the way the SDK signs, and sent with fetch. */
  async function sendSigned(operation: string, body: string, { date = new Date(), secret = SECRET, service = "ecs", tamper }: { date?: Date; secret?: string; service?: string; tamper?: string } = {}) {
    const url = new URL(berth.endpoint);
    const signer = new SignatureV4({ credentials: { accessKeyId: KEY, secretAccessKey: secret }, region: "us-east-1", service, sha256: Sha256 });
    const signed = await signer.sign(
      {
        method: "POST",
        protocol: "http:",
        hostname: url.hostname,
        port: Number(url.port),
        path: "/",
        query: {},
        headers: { host: url.host, "content-type": "application/x-amz-json-1.1", "x-amz-target": `${P}.${operation}` },
        body,
      },
      { signingDate: date },
    );
    const headers = { ...(signed.headers as Record<string, string>) };
    delete headers.host; // fetch sends the same Host itself
    const res = await fetch(`${berth.endpoint}/`, { method: "POST", headers, body: tamper ?? body });
    return { status: res.status, errorType: res.headers.get("x-amzn-errortype"), body: (await res.json()) as Record<string, unknown> };
  }

  const clusterNames = async () => ((await client(KEY, SECRET).send(new ListClustersCommand({}))).clusterArns ?? []).map((a) => a.split("/").pop());

  test("the SDK with the configured credentials works", async () => {
    const ecs = client(KEY, SECRET);
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: "strict" }));
    assert.equal(cluster?.clusterArn, "arn:aws:ecs:us-east-1:000000000000:cluster/strict");
    const { clusterArns } = await ecs.send(new ListClustersCommand({}));
    assert.ok(clusterArns?.includes(cluster!.clusterArn!));
  });

  test("a wrong secret gets InvalidSignatureException, and changes nothing", async () => {
    await assert.rejects(client(KEY, "wrong-secret").send(new CreateClusterCommand({ clusterName: "wrong-secret" })), awsError("InvalidSignatureException", 400, MISMATCH));
    assert.ok(!(await clusterNames()).includes("wrong-secret"));
  });

  test("an unknown access key gets UnrecognizedClientException", async () => {
    await assert.rejects(client("AKIDUNKNOWN", SECRET).send(new ListClustersCommand({})),
      awsError("UnrecognizedClientException", 400, "The security token included in the request is invalid."));
    // Keys that are names of Object.prototype members are unknown keys too.
    await assert.rejects(client("constructor", SECRET).send(new ListClustersCommand({})), awsError("UnrecognizedClientException", 400, /security token/));
  });

  test("no Authorization header gets MissingAuthenticationTokenException", async () => {
    const res = await fetch(`${berth.endpoint}/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `${P}.ListClusters` },
      body: "{}",
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("x-amzn-errortype"), "MissingAuthenticationTokenException");
    assert.deepEqual(await res.json(), { __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" });
  });

  test("the SDK with its clock 10 minutes slow gets 'Signature expired'", async () => {
    const started = Date.now();
    await assert.rejects(client(KEY, SECRET, { systemClockOffset: -10 * 60_000 }).send(new ListClustersCommand({})), (err: unknown) => {
      awsError("InvalidSignatureException", 400, new RegExp(`^Signature expired: ${AMZ_DATE} is now earlier than ${AMZ_DATE} \\(${AMZ_DATE} - 5 min\\.\\)$`))(err);
      const [signedAt, limit, now] = (err as Error).message.match(new RegExp(AMZ_DATE, "g"))!.map(amzDate) as [Date, Date, Date];
      assert.equal(now.getTime() - limit.getTime(), 5 * 60_000);
      assert.ok(Math.abs(now.getTime() - signedAt.getTime() - 10 * 60_000) < 5_000, (err as Error).message);
      assert.ok(Math.abs(now.getTime() - started) < 5_000);
      return true;
    });
  });

  test("requests signed by hand with @smithy/signature-v4 are checked the same way", async () => {
    const ok = await sendSigned("ListClusters", "{}");
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.ok(Array.isArray(ok.body.clusterArns));

    const past = await sendSigned("ListClusters", "{}", { date: new Date(Date.now() - 10 * 60_000) });
    assert.equal(past.status, 400);
    assert.equal(past.errorType, "InvalidSignatureException");
    assert.match(String(past.body.message), new RegExp(`^Signature expired: ${AMZ_DATE} is now earlier than ${AMZ_DATE} \\(${AMZ_DATE} - 5 min\\.\\)$`));

    const future = await sendSigned("ListClusters", "{}", { date: new Date(Date.now() + 10 * 60_000) });
    assert.equal(future.errorType, "InvalidSignatureException");
    assert.match(String(future.body.message), new RegExp(`^Signature not yet current: ${AMZ_DATE} is still later than ${AMZ_DATE} \\(${AMZ_DATE} \\+ 5 min\\.\\)$`));

    const withinSkew = await sendSigned("ListClusters", "{}", { date: new Date(Date.now() - 4 * 60_000) });
    assert.equal(withinSkew.status, 200);
  });

  test("a body changed after signing is refused and changes nothing", async () => {
    const res = await sendSigned("CreateCluster", '{"clusterName":"signed"}', { tamper: '{"clusterName":"tampered"}' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { __type: "InvalidSignatureException", message: MISMATCH });
    const names = await clusterNames();
    assert.ok(!names.includes("tampered") && !names.includes("signed"));
  });

  test("a credential scoped to another service is refused", async () => {
    const res = await sendSigned("ListClusters", "{}", { service: "ecr" });
    assert.deepEqual(res.body, { __type: "InvalidSignatureException", message: "Credential should be scoped to correct service: 'ecs'. " });
  });

  test("the AWS CLI with the configured credentials works in strict mode", async () => {
    const env = (secret: string) => ({
      PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", AWS_PAGER: "", AWS_MAX_ATTEMPTS: "1",
      AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: secret, AWS_DEFAULT_REGION: "us-east-1",
    });
    const aws = (secret: string, ...args: string[]) => run(awsCli, [...args, "--endpoint-url", berth.endpoint, "--output", "json"], { env: env(secret) });
    const created = JSON.parse((await aws(SECRET, "ecs", "create-cluster", "--cluster-name", "cli-strict")).stdout) as { cluster: { clusterArn: string } };
    assert.equal(created.cluster.clusterArn, "arn:aws:ecs:us-east-1:000000000000:cluster/cli-strict");
    const listed = JSON.parse((await aws(SECRET, "ecs", "list-clusters")).stdout) as { clusterArns: string[] };
    assert.ok(listed.clusterArns.includes(created.cluster.clusterArn));
    await assert.rejects(aws("wrong-secret", "ecs", "list-clusters"), (err: unknown) => {
      assert.match((err as { stderr: string }).stderr, /InvalidSignatureException/);
      return true;
    });
  });
});

describe("non-strict SigV4", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await BerthProcess.start();
  });
  after(async () => {
    await berth.dispose();
  });

  const arnFor = async (accessKeyId: string, secretAccessKey: string, clusterName: string) =>
    (await new ECSClient({ endpoint: berth.endpoint, region: "eu-west-3", credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 })
      .send(new CreateClusterCommand({ clusterName }))).cluster?.clusterArn;

  test("a 12-digit access key id is taken as the account in ARNs; any secret is accepted", async () => {
    assert.equal(await arnFor("123456789012", "anything", "acct"), "arn:aws:ecs:eu-west-3:123456789012:cluster/acct");
    assert.equal(await arnFor("210987654321", "other", "acct"), "arn:aws:ecs:eu-west-3:210987654321:cluster/acct");
  });

  test("other access key ids use the configured account", async () => {
    assert.equal(await arnFor("AKIDNOTDIGITS", "x", "plain"), "arn:aws:ecs:eu-west-3:000000000000:cluster/plain");
    assert.equal(await arnFor("12345678901", "x", "eleven"), "arn:aws:ecs:eu-west-3:000000000000:cluster/eleven");
    assert.equal(await arnFor("1234567890123", "x", "thirteen"), "arn:aws:ecs:eu-west-3:000000000000:cluster/thirteen");
  });

  test("accounts do not see each other's clusters", async () => {
    const list = async (accessKeyId: string) =>
      (await new ECSClient({ endpoint: berth.endpoint, region: "eu-west-3", credentials: { accessKeyId, secretAccessKey: "x" }, maxAttempts: 1 })
        .send(new ListClustersCommand({}))).clusterArns;
    assert.deepEqual(await list("123456789012"), ["arn:aws:ecs:eu-west-3:123456789012:cluster/acct"]);
    assert.deepEqual(await list("999999999999"), []);
  });
});
