import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { CreateClusterCommand, DescribeClustersCommand, ListClustersCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";

/**
 * Malformed requests, sent with plain fetch: each must get a 4xx AWS JSON error envelope whose
 * __type matches x-amzn-errortype, none may change any state, and the server must stay up.
 */

const P = "AmazonEC2ContainerServiceV20141113";
const MiB = 1024 * 1024;
const SER = "SerializationException";
const UNK = "UnknownOperationException";
const INV = "InvalidParameterException";
const CNF = "ClusterNotFoundException";
const INC = "IncompleteSignatureException";
const SIG = "InvalidSignatureException";

interface Req {
  method?: string;
  path?: string;
  /** X-Amz-Target; null leaves the header out. */
  target?: string | null;
  /** Content-Type; null leaves the header out. */
  contentType?: string | null;
  /** Strings and bytes are sent as they are; anything else is JSON-encoded; undefined sends no body. */
  body?: unknown;
  headers?: Record<string, string>;
}

interface Case {
  name: string;
  req: Req;
  type: string;
  /** Expected status when it is not 400. */
  status?: number;
}

/** A request to an ECS operation. */
const op = (operation: string, body: unknown = {}, extra: Partial<Req> = {}): Req => ({ target: `${P}.${operation}`, body, ...extra });
const auth = (authorization: string): Partial<Req> => ({ headers: { authorization } });
const cluster = (fields: Record<string, unknown>) => op("CreateCluster", { clusterName: "t", ...fields });
const tags = (...list: unknown[]) => cluster({ tags: list });
const scope = (s: string) => `AWS4-HMAC-SHA256 Credential=AKID/20261122/${s}, SignedHeaders=host;x-amz-date, Signature=abcdef`;
const padded = (bytes: number) => JSON.stringify({ clusterName: "big", pad: "x".repeat(bytes) });
const nested = (depth: number) => `{"clusterName":"deep","x":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`;
const invalidUtf8 = Buffer.concat([Buffer.from('{"clusterName":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);

const cases: Case[] = [
  // The body is not JSON, or not a JSON object.
  { name: "truncated JSON string", req: op("CreateCluster", '{"clusterName": "trunc'), type: SER },
  { name: "truncated after a key", req: op("CreateCluster", '{"clusterName":'), type: SER },
  { name: "unquoted keys", req: op("CreateCluster", '{clusterName: "x"}'), type: SER },
  { name: "single quotes", req: op("CreateCluster", "{'clusterName': 'x'}"), type: SER },
  { name: "trailing comma", req: op("CreateCluster", '{"clusterName": "x",}'), type: SER },
  { name: "trailing garbage", req: op("CreateCluster", '{"clusterName": "x"} {}'), type: SER },
  { name: "whitespace-only body", req: op("ListClusters", "  \n\t "), type: SER },
  { name: "body is a JSON array", req: op("CreateCluster", '[{"clusterName": "x"}]'), type: SER },
  { name: "body is a JSON string", req: op("CreateCluster", '"x"'), type: SER },
  { name: "body is a JSON number", req: op("CreateCluster", "42"), type: SER },
  { name: "body is JSON null", req: op("CreateCluster", "null"), type: SER },
  { name: "body is JSON true", req: op("CreateCluster", "true"), type: SER },
  { name: "invalid UTF-8", req: op("CreateCluster", invalidUtf8), type: SER },
  { name: "UTF-16 body", req: op("ListClusters", Buffer.from("{}", "utf16le")), type: SER },
  { name: "deeply nested arrays", req: op("ListClusters", "[".repeat(100_000) + "]".repeat(100_000)), type: SER },
  { name: "deeply nested unknown member", req: op("CreateCluster", nested(5000)), type: SER },
  { name: "body just over 1 MiB", req: op("CreateCluster", padded(1.5 * MiB)), type: SER, status: 413 },
  { name: "body of 8 MiB", req: op("CreateCluster", padded(8 * MiB)), type: SER, status: 413 },

  // The operation cannot be told, or is not one of ECS's.
  { name: "no X-Amz-Target", req: op("ListClusters", {}, { target: null }), type: UNK },
  { name: "empty X-Amz-Target", req: op("ListClusters", {}, { target: "" }), type: UNK },
  { name: "X-Amz-Target without a dot", req: op("ListClusters", {}, { target: "ListClusters" }), type: UNK },
  { name: "X-Amz-Target ending in a dot", req: op("ListClusters", {}, { target: `${P}.` }), type: UNK },
  { name: "X-Amz-Target starting with a dot", req: op("ListClusters", {}, { target: ".ListClusters" }), type: UNK },
  { name: "unknown operation", req: op("DropAllClusters"), type: UNK },
  { name: "operation in the wrong case", req: op("listClusters"), type: UNK },
  { name: "operation named toString", req: op("toString"), type: UNK },
  { name: "operation named __proto__", req: op("__proto__"), type: UNK },
  { name: "operation named constructor", req: op("constructor"), type: UNK },
  { name: "operation named hasOwnProperty", req: op("hasOwnProperty"), type: UNK },
  { name: "another service's target prefix", req: op("ListClusters", {}, { target: "DynamoDB_20120810.ListTables" }), type: UNK },
  { name: "a wrong ECS API version", req: op("ListClusters", {}, { target: "AmazonEC2ContainerServiceV20131113.ListClusters" }), type: UNK },
  { name: "missing Content-Type", req: op("ListClusters", Buffer.from("{}"), { contentType: null }), type: UNK },
  { name: "text/plain Content-Type", req: op("ListClusters", "{}", { contentType: "text/plain" }), type: UNK },
  { name: "form-encoded Query protocol", req: op("ListClusters", "Action=ListClusters&Version=2014-11-13", { contentType: "application/x-www-form-urlencoded" }), type: UNK },
  { name: "GET /", req: { method: "GET", target: `${P}.ListClusters` }, type: UNK, status: 404 },
  { name: "PUT /", req: op("ListClusters", {}, { method: "PUT" }), type: UNK, status: 404 },
  { name: "DELETE /", req: { method: "DELETE", target: `${P}.DeleteCluster` }, type: UNK, status: 404 },
  { name: "POST to another path", req: op("ListClusters", {}, { path: "/clusters" }), type: UNK, status: 404 },
  { name: "POST to an undecodable path", req: op("ListClusters", {}, { path: "/%zz" }), type: UNK, status: 404 },

  // Members of the wrong JSON type, at the top level and nested.
  { name: "clusterName is a number", req: cluster({ clusterName: 5 }), type: SER },
  { name: "clusterName is a list", req: cluster({ clusterName: ["keep"] }), type: SER },
  { name: "tags is a map", req: cluster({ tags: { team: "core" } }), type: SER },
  { name: "clusters is a string", req: op("DescribeClusters", { clusters: "keep" }), type: SER },
  { name: "clusters holds a number", req: op("DescribeClusters", { clusters: [1] }), type: SER },
  { name: "clusters holds null", req: op("DescribeClusters", { clusters: [null] }), type: SER },
  { name: "maxResults is a string", req: op("ListClusters", { maxResults: "10" }), type: SER },
  { name: "maxResults is fractional", req: op("ListClusters", { maxResults: 1.5 }), type: SER },
  { name: "maxResults is a boolean", req: op("ListClusters", { maxResults: true }), type: SER },
  { name: "maxResults beyond a 32-bit integer", req: op("ListClusters", '{"maxResults": 2147483648}'), type: SER },
  { name: "huge number literal", req: op("ListClusters", '{"maxResults": 1e400}'), type: SER },
  { name: "huge integer literal", req: op("ListClusters", '{"maxResults": 123456789012345678901234567890}'), type: SER },
  { name: "tag key is a number", req: tags({ key: 1, value: "x" }), type: SER },
  { name: "tag is a string", req: tags("team=core"), type: SER },
  { name: "setting value is a boolean", req: cluster({ settings: [{ name: "containerInsights", value: true }] }), type: SER },
  { name: "deeply nested boolean is a string", req: cluster({ configuration: { executeCommandConfiguration: { logConfiguration: { s3EncryptionEnabled: "yes" } } } }), type: SER },
  { name: "strategy weight is a string", req: cluster({ defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: "1" }] }), type: SER },
  { name: "configuration is a list", req: cluster({ configuration: [] }), type: SER },

  // Required members missing.
  { name: "DeleteCluster without cluster", req: op("DeleteCluster", {}), type: INV },
  { name: "DeleteCluster with an empty body", req: op("DeleteCluster", ""), type: INV },
  { name: "DeleteCluster with cluster null", req: op("DeleteCluster", { cluster: null }), type: INV },
  { name: "UpdateCluster without cluster", req: op("UpdateCluster", { settings: [] }), type: INV },
  { name: "UpdateClusterSettings without settings", req: op("UpdateClusterSettings", { cluster: "keep" }), type: INV },
  { name: "nested required member missing", req: cluster({ defaultCapacityProviderStrategy: [{ weight: 1 }] }), type: INV },
  { name: "serviceConnectDefaults without namespace", req: cluster({ serviceConnectDefaults: {} }), type: INV },

  // Values out of range, or outside an enum.
  { name: "maxResults 0", req: op("ListClusters", { maxResults: 0 }), type: INV },
  { name: "maxResults 101", req: op("ListClusters", { maxResults: 101 }), type: INV },
  { name: "maxResults negative", req: op("ListClusters", { maxResults: -5 }), type: INV },
  { name: "strategy weight above 1000", req: cluster({ defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1001 }] }), type: INV },
  { name: "strategy base negative", req: cluster({ defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", base: -1 }] }), type: INV },
  { name: "include value not in the enum", req: op("DescribeClusters", { clusters: ["keep"], include: ["EVERYTHING"] }), type: INV },
  { name: "include value in the wrong case", req: op("DescribeClusters", { clusters: ["keep"], include: ["tags"] }), type: INV },
  { name: "setting name not in the enum", req: op("UpdateClusterSettings", { cluster: "keep", settings: [{ name: "cpuBoost", value: "on" }] }), type: INV },
  { name: "containerInsights value unknown", req: op("UpdateClusterSettings", { cluster: "keep", settings: [{ name: "containerInsights", value: "maybe" }] }), type: INV },

  // Cluster names and ARNs.
  { name: "cluster name with spaces", req: cluster({ clusterName: "bad name!" }), type: INV },
  { name: "cluster name of 256 characters", req: cluster({ clusterName: "a".repeat(256) }), type: INV },
  { name: "empty cluster name", req: cluster({ clusterName: "" }), type: INV },
  { name: "cluster name that is an ARN", req: cluster({ clusterName: "arn:aws:ecs:us-east-1:000000000000:cluster/x" }), type: INV },
  { name: "cluster name with non-ASCII letters", req: cluster({ clusterName: "clüster" }), type: INV },
  { name: "cluster ARN of another service", req: op("DeleteCluster", { cluster: "arn:aws:sqs:us-east-1:000000000000:cluster/keep" }), type: CNF },
  { name: "cluster ARN in another region", req: op("DeleteCluster", { cluster: "arn:aws:ecs:eu-west-1:000000000000:cluster/keep" }), type: CNF },
  { name: "cluster ARN in another account", req: op("DeleteCluster", { cluster: "arn:aws:ecs:us-east-1:111122223333:cluster/keep" }), type: CNF },
  { name: "ARN of another ECS resource type", req: op("DeleteCluster", { cluster: "arn:aws:ecs:us-east-1:000000000000:service/keep/web" }), type: CNF },
  { name: "cluster ARN with an extra path", req: op("DeleteCluster", { cluster: "arn:aws:ecs:us-east-1:000000000000:cluster/keep/extra" }), type: CNF },
  { name: "garbage ARN", req: op("DeleteCluster", { cluster: "arn:garbage" }), type: CNF },
  { name: "unknown cluster name", req: op("UpdateClusterSettings", { cluster: "nope", settings: [{ name: "containerInsights", value: "enabled" }] }), type: CNF },

  // Pagination.
  { name: "garbage nextToken", req: op("ListClusters", { nextToken: "garbage!!" }), type: INV },
  { name: "forged nextToken", req: op("ListClusters", { nextToken: Buffer.from("other:1").toString("base64url") }), type: INV },
  { name: "empty nextToken", req: op("ListClusters", { nextToken: "" }), type: INV },

  // Tags.
  { name: "tag key with the aws: prefix", req: tags({ key: "aws:owner", value: "me" }), type: INV },
  { name: "tag key with the AWS: prefix", req: tags({ key: "AWS:owner", value: "me" }), type: INV },
  { name: "51 tags", req: tags(...Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: "v" }))), type: INV },
  { name: "tag key of 129 characters", req: tags({ key: "k".repeat(129), value: "v" }), type: INV },
  { name: "tag value of 257 characters", req: tags({ key: "k", value: "v".repeat(257) }), type: INV },
  { name: "empty tag key", req: tags({ key: "", value: "v" }), type: INV },
  { name: "tag key with a forbidden character", req: tags({ key: "a#b", value: "v" }), type: INV },
  { name: "duplicate tag keys", req: tags({ key: "k", value: "1" }, { key: "k", value: "2" }), type: INV },
  { name: "tag without a value", req: tags({ key: "k" }), type: INV },

  // SigV4 headers are parsed in every mode (account and region come from them).
  { name: "Authorization that is not SigV4", req: op("ListClusters", {}, auth("garbage")), type: INC },
  { name: "Authorization without Signature", req: op("ListClusters", {}, auth("AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/ecs/aws4_request, SignedHeaders=host")), type: INC },
  { name: "Authorization missing an equal sign", req: op("ListClusters", {}, auth("AWS4-HMAC-SHA256 Credential=AKID /20261122/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=abc")), type: INC },
  { name: "credential scope that is too short", req: op("CreateCluster", { clusterName: "evil" }, auth(scope("ecs/aws4_request"))), type: INC },
  { name: "credential scoped to a bad region", req: op("CreateCluster", { clusterName: "evil" }, auth(scope("us-east-1:x/ecs/aws4_request"))), type: SIG },
  { name: "credential with a bad terminator", req: op("CreateCluster", { clusterName: "evil" }, auth(scope("us-east-1/ecs/aws5_request"))), type: SIG },
];

/** Names the bad requests above would have created, had they got through. */
const wouldBeCreated = ["t", "x", "big", "deep", "trunc", "evil", "clüster", "bad name!", "default"];

let berth: BerthProcess;
let ecs: ECSClient;

before(async () => {
  berth = await BerthProcess.start();
  ecs = berth.ecs();
  await ecs.send(new CreateClusterCommand({
    clusterName: "keep",
    tags: [{ key: "team", value: "core" }, { key: "env", value: "test" }],
    settings: [{ name: "containerInsights", value: "enabled" }],
  }));
  await ecs.send(new CreateClusterCommand({ clusterName: "other" }));
});

after(async () => {
  await berth.dispose();
});

async function send({ method = "POST", path = "/", target, contentType = "application/x-amz-json-1.1", body, headers = {} }: Req): Promise<Response> {
  const h: Record<string, string> = { ...headers };
  if (contentType !== null) h["content-type"] = contentType;
  if (target !== null && target !== undefined) h["x-amz-target"] = target;
  const payload = body === undefined ? undefined : typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
  return fetch(`${berth.endpoint}${path}`, { method, headers: h, body: payload as BodyInit | undefined });
}

/** Everything a client can see of the clusters: the list, and each one with its tags and settings. */
async function snapshot() {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListClustersCommand({ nextToken, maxResults: 2 }));
    arns.push(...(page.clusterArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const { clusters, failures } = await ecs.send(new DescribeClustersCommand({ clusters: [...arns, ...wouldBeCreated], include: ["TAGS", "SETTINGS"] }));
  return { arns, clusters, failures };
}

let before_: Awaited<ReturnType<typeof snapshot>>;

test("the table holds at least 50 distinct malformed requests", async () => {
  assert.ok(cases.length >= 50, `${cases.length} cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, "case names are unique");
  before_ = await snapshot();
  assert.equal(before_.arns.length, 2);
  assert.deepEqual(before_.clusters?.find((c) => c.clusterName === "keep")?.tags, [{ key: "team", value: "core" }, { key: "env", value: "test" }]);
  assert.equal(before_.failures?.length, wouldBeCreated.length);
});

test("each malformed request gets a 4xx AWS JSON error envelope", async (t) => {
  for (const c of cases) {
    await t.test(c.name, async () => {
      const res = await send(c.req);
      const text = await res.text();
      const where = `${c.name}: ${res.status} ${text.slice(0, 300)}`;
      assert.ok(res.status >= 400 && res.status < 500, where);
      assert.equal(res.status, c.status ?? 400, where);
      let body: { __type?: unknown; message?: unknown };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        assert.fail(`not JSON: ${where}`);
      }
      assert.equal(body.__type, c.type, where);
      assert.equal(typeof body.message, "string", where);
      assert.ok((body.message as string).length > 0, where);
      assert.equal(res.headers.get("x-amzn-errortype"), body.__type, where);
      assert.match(res.headers.get("content-type") ?? "", /^application\/x-amz-json-1\.1/, where);
      assert.ok(res.headers.get("x-amzn-requestid"), where);
    });
  }
});

/**
 * Writes bytes on a fresh connection and returns everything the server sends back before closing;
 * a socket error (a reset) is pushed onto `errors` when given.
 */
function rawHttp(data: string, { abort = false, errors }: { abort?: boolean; errors?: string[] } = {}): Promise<string> {
  const { hostname, port } = new URL(berth.endpoint);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let out = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (out += d));
    socket.on("error", (e: NodeJS.ErrnoException) => errors?.push(e.code ?? e.message));
    socket.on("close", () => resolve(out));
    if (abort) socket.write(data, () => setTimeout(() => socket.destroy(), 50));
    else socket.end(data);
  });
}

const ecsHeaders = `Host: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: ${P}.CreateCluster\r\n`;

test("requests that are not valid HTTP get the envelope too, and uploads cut short change nothing", async (t) => {
  const invalid = [
    ["garbage", "GARBAGE\r\n\r\n"],
    ["two Content-Length headers", `POST / HTTP/1.1\r\n${ecsHeaders}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`],
    ["broken chunked encoding", `POST / HTTP/1.1\r\n${ecsHeaders}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`],
    ["NUL in a header", `POST / HTTP/1.1\r\n${ecsHeaders}X-Other: a\0b\r\nContent-Length: 2\r\n\r\n{}`],
  ];
  for (const [name, data] of invalid) {
    await t.test(name!, async () => {
      const response = await rawHttp(data!);
      assert.match(response, /^HTTP\/1\.1 400 /, response);
      assert.match(response, /\r\nx-amzn-errortype: SerializationException\r\n/i, response);
      const body = JSON.parse(response.slice(response.indexOf("\r\n\r\n") + 4)) as { __type: string; message: string };
      assert.equal(body.__type, "SerializationException");
      assert.ok(body.message.length > 0);
    });
  }
  await t.test("an upload abandoned half-way", async () => {
    const body = JSON.stringify({ clusterName: "x" });
    await rawHttp(`POST / HTTP/1.1\r\n${ecsHeaders}Content-Length: ${body.length + 100}\r\n\r\n${body}`, { abort: true });
    await rawHttp(`POST / HTTP/1.1\r\n${ecsHeaders}Content-Length: ${4 * MiB}\r\n\r\n${"x".repeat(2 * MiB)}`, { abort: true });
  });
});

/** The status line, headers (lower-cased names) and parsed JSON body of one raw HTTP/1.1 response. */
function parseResponse(response: string) {
  const [head = "", body = ""] = response.split(/\r\n\r\n(.*)/s);
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
  let json: { __type?: string; message?: string } = {};
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    assert.fail(`not a JSON body: ${response.slice(0, 300)}`);
  }
  return { status: Number(statusLine.split(" ")[1]), headers, json };
}

test("HTTP edge cases Node would answer on its own get the AWS envelope and change nothing", async (t) => {
  // Each would create cluster "x" had it got through (wouldBeCreated checks it did not).
  const body = JSON.stringify({ clusterName: "x" });
  const create = `Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: ${P}.CreateCluster\r\nContent-Length: ${body.length}\r\n`;
  const edge: [string, string, number, string][] = [
    ["a Content-Type without a slash", `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: json\r\nX-Amz-Target: ${P}.CreateCluster\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 400, UNK],
    ["no Host header", `POST / HTTP/1.1\r\n${create}\r\n${body}`, 400, SER],
    ["a bogus Expect header", `POST / HTTP/1.1\r\nHost: x\r\nExpect: bogus\r\n${create}\r\n${body}`, 417, SER],
    ["a single header of 64 KiB", `POST / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n${create}\r\n${body}`, 431, SER],
    ["a single header of 2 MiB", `POST / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(2 * MiB)}\r\n${create}\r\n${body}`, 431, SER],
  ];
  for (const [name, data, status, type] of edge) {
    await t.test(name, async () => {
      const errors: string[] = [];
      const response = await rawHttp(data, { errors });
      // A reset would mean the client never gets to read the answer (seen as ECONNRESET).
      assert.deepEqual(errors, [], `${name}: the connection was reset`);
      const r = parseResponse(response);
      assert.equal(r.status, status, response.slice(0, 300));
      assert.equal(r.json.__type, type, response.slice(0, 300));
      assert.equal(r.headers.get("x-amzn-errortype"), type);
      assert.match(r.headers.get("content-type") ?? "", /^application\/x-amz-json-1\.1/);
      assert.ok(r.headers.get("x-amzn-requestid"));
      assert.ok((r.json.message ?? "").length > 0);
    });
  }
  await t.test("a registry request without Host gets the registry's own error envelope", async () => {
    const r = parseResponse(await rawHttp("GET /v2/ HTTP/1.1\r\nConnection: close\r\n\r\n"));
    assert.equal(r.status, 400);
    assert.equal((r.json as { errors?: { code: string }[] }).errors?.[0]?.code, "UNSUPPORTED");
  });
  await t.test("HTTP/1.0 may omit Host, and 100-continue is still honoured", async () => {
    const list = `Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: ${P}.ListClusters\r\nContent-Length: 2\r\n`;
    assert.match(await rawHttp(`POST / HTTP/1.0\r\n${list}\r\n{}`), /^HTTP\/1\.1 200 /);
    const continued = await rawHttp(`POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\n${list}\r\n{}`);
    assert.match(continued, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  });
  await t.test("the connection that was refused an expectation serves the next request", async () => {
    const list = `Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: ${P}.ListClusters\r\nContent-Length: 2\r\n`;
    const both = await rawHttp(`POST / HTTP/1.1\r\nHost: x\r\nExpect: bogus\r\n${list}\r\n{}POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${list}\r\n{}`);
    assert.match(both, /^HTTP\/1\.1 417 [\s\S]*HTTP\/1\.1 200 [\s\S]*"clusterArns"/);
  });
});

test("afterwards nothing has changed and the server is healthy", async () => {
  assert.deepEqual(await snapshot(), before_);
  const res = await fetch(`${berth.endpoint}/_berth/health`);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { status: string }).status, "ok");
});
