import { test } from "node:test";
import assert from "node:assert/strict";
import Fastify from "fastify";
import { decode as decodeCbor, encode as encodeCbor } from "cbor-x";
import { ServiceError } from "../core/errors.js";
import type { Config } from "../core/config.js";
import type { ServiceModel, Shape } from "./model.js";
import type { AwsService } from "./service.js";
import { registerAwsServices } from "./gateway.js";
import { MAX_BODY_BYTES, readRawBody, sendJsonError, sendJsonNotFound } from "./json-gateway.js";
import { serverWithFront, type AwsFront } from "./gateway-front.js";

/**
 * The gateway in-process, with small models of each protocol whose handlers record what they
 * receive and echo it back: the wire forms are checked byte for byte against AWS's.
 */

const str: Shape = { type: "string" };
const shapes: Record<string, Shape> = {
  String: str,
  Name: { type: "string", min: 1, max: 10, pattern: "^[a-z]+$" },
  Count: { type: "integer", min: 1, max: 5 },
  Flag: { type: "boolean" },
  When: { type: "timestamp" },
  Data: { type: "blob" },
  Kind: { type: "string", enum: ["small", "large"] },
  Tag: { type: "structure", members: { Key: { shape: "String" }, Value: { shape: "String" } } },
  Tags: { type: "list", member: { shape: "Tag" } },
  Flat: { type: "list", member: { shape: "String", locationName: "Item" }, flattened: true },
  Attrs: { type: "map", key: { shape: "String" }, value: { shape: "String" } },
  Inner: { type: "structure", members: { Deep: { shape: "String" } } },
  Outer: { type: "structure", members: { Inner: { shape: "Inner" } } },
  NotFound: { type: "structure", members: { message: { shape: "String" } }, exception: true, error: { code: "NoSuchThing", httpStatusCode: 404, senderFault: true } },
};
const echoMembers = {
  Name: { shape: "Name" }, Count: { shape: "Count" }, Enabled: { shape: "Flag" }, When: { shape: "When" }, Data: { shape: "Data" },
  Kind: { shape: "Kind" }, Tags: { shape: "Tags" }, Flat: { shape: "Flat" }, Attrs: { shape: "Attrs" }, Nested: { shape: "Outer" },
};

const queryModel = (name: string, extra: string[]): ServiceModel => ({
  metadata: { protocol: "query", protocols: ["query"], endpointPrefix: name, serviceId: name.toUpperCase(), apiVersion: "2020-01-01", xmlNamespace: `https://${name}.example/doc/2020-01-01/` },
  operations: Object.fromEntries(["Echo", ...extra].map((op) => [op, { name: op, input: { shape: "EchoInput" }, output: { shape: "EchoOutput", resultWrapper: `${op}Result` }, errors: [{ shape: "NotFound" }] }])),
  shapes: { ...shapes, EchoInput: { type: "structure", required: ["Name"], members: echoMembers }, EchoOutput: { type: "structure", members: echoMembers } },
});

const restModel = (name: string, tagLabel: string): ServiceModel => ({
  metadata: { protocol: "rest-json", protocols: ["rest-json"], endpointPrefix: name, signingName: name, serviceId: name.toUpperCase() },
  operations: {
    PutObject: { name: "PutObject", http: { method: "PUT", requestUri: "/buckets/{Bucket}/{Key+}", responseCode: 201 }, input: { shape: "PutInput" }, output: { shape: "PutOutput" } },
    GetThing: { name: "GetThing", http: { method: "GET", requestUri: "/things/{id}" }, input: { shape: "GetInput" }, output: { shape: "EchoOutput" }, errors: [{ shape: "NotFound" }] },
    ListTags: { name: "ListTags", http: { method: "GET", requestUri: `/tags/{${tagLabel}}` }, input: { shape: "TagsInput" }, output: { shape: "EchoOutput" } },
    CreateThing: { name: "CreateThing", http: { method: "POST", requestUri: "/things" }, input: { shape: "EchoInput" }, output: { shape: "EchoOutput" } },
  },
  shapes: {
    ...shapes,
    PutInput: { type: "structure", required: ["Bucket", "Key"], payload: "Body", members: {
      Bucket: { shape: "Name", location: "uri", locationName: "Bucket" }, Key: { shape: "String", location: "uri", locationName: "Key" },
      Body: { shape: "Data" }, Token: { shape: "String", location: "header", locationName: "x-r-token" },
      Meta: { shape: "Attrs", location: "headers", locationName: "x-r-meta-" }, Count: { shape: "Count", location: "querystring", locationName: "count" },
      Kinds: { shape: "Kinds", location: "querystring", locationName: "kind" }, When: { shape: "When", location: "header", locationName: "x-r-when" },
    } },
    Kinds: { type: "list", member: { shape: "Kind" } },
    PutOutput: { type: "structure", members: { ETag: { shape: "String", location: "header", locationName: "ETag" }, Size: { shape: "Count" }, When: { shape: "When" } } },
    GetInput: { type: "structure", required: ["id"], members: { id: { shape: "String", location: "uri", locationName: "id" } } },
    TagsInput: { type: "structure", members: { arn: { shape: "String", location: "uri", locationName: tagLabel } } },
    EchoInput: { type: "structure", required: ["Name"], members: echoMembers },
    EchoOutput: { type: "structure", members: echoMembers },
  },
});

const cborModel: ServiceModel = {
  metadata: { protocol: "smithy-rpc-v2-cbor", protocols: ["smithy-rpc-v2-cbor", "json", "query"], endpointPrefix: "c1", serviceId: "C1", targetPrefix: "C1Service", jsonVersion: "1.0", apiVersion: "2020-01-01", xmlNamespace: "https://c1.example/" },
  operations: { Echo: { name: "Echo", input: { shape: "EchoInput" }, output: { shape: "EchoOutput", resultWrapper: "EchoResult" }, errors: [{ shape: "NotFound" }] } },
  shapes: { ...shapes, EchoInput: { type: "structure", required: ["Name"], members: echoMembers }, EchoOutput: { type: "structure", members: echoMembers } },
};

let received: unknown[] = [];
const echo = (input: Record<string, unknown>) => {
  received.push(input);
  if (input.Name === "missing") throw new ServiceError("NotFound", "No such thing.");
  return input;
};
/** A service whose model has only the operations given, each echoing. */
const service = (model: ServiceModel, ops: string[]): AwsService => ({
  model: { ...model, operations: Object.fromEntries(Object.entries(model.operations).filter(([op]) => ops.includes(op))) },
  handlers: Object.fromEntries(ops.map((op) => [op, echo])),
});

async function gateway(strict = false) {
  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", readRawBody);
  app.setErrorHandler((err, req, reply) => sendJsonError(err, req, reply));
  app.setNotFoundHandler(sendJsonNotFound);
  const config = { accountId: "000000000000", region: "us-east-1", strictSigv4: strict, credentials: { test: "test" } } as unknown as Config;
  registerAwsServices(app, [
    service(queryModel("q1", ["Only1"]), ["Echo", "Only1"]),
    service(queryModel("q2", []), ["Echo"]),
    service(restModel("r1", "resourceArn"), ["PutObject", "GetThing", "ListTags", "CreateThing"]),
    service(restModel("r2", "ResourceArn"), ["ListTags"]),
    service(cborModel, ["Echo"]),
  ], { config, clock: { now: () => new Date() } });
  await app.ready();
  received = [];
  return app;
}

const scope = (svc: string) => `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/${svc}/aws4_request, SignedHeaders=host, Signature=abc`;
const form = { "content-type": "application/x-www-form-urlencoded" };

test("awsQuery: member.N, flattened lists, entry.N maps, nested structures and scalars are read from the model", async () => {
  const app = await gateway();
  const body = [
    "Action=Echo", "Version=2020-01-01", "Name=abc", "Count=3", "Enabled=true", "When=2026-01-02T03:04:05Z", "Data=aGk%3D", "Kind=small",
    "Tags.member.2.Key=b", "Tags.member.2.Value=2", "Tags.member.1.Key=a", "Tags.member.1.Value=1",
    "Flat.1=x", "Flat.2=y", "Attrs.entry.1.key=k", "Attrs.entry.1.value=v", "Nested.Inner.Deep=d", "Unknown=ignored",
  ].join("&");
  const res = await app.inject({ method: "POST", url: "/", headers: { ...form, authorization: scope("q1") }, payload: body });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(received, [{
    Name: "abc", Count: 3, Enabled: true, When: new Date("2026-01-02T03:04:05Z"), Data: Buffer.from("hi"), Kind: "small",
    Tags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }], Flat: ["x", "y"], Attrs: { k: "v" }, Nested: { Inner: { Deep: "d" } },
  }]);
  assert.equal(res.headers["content-type"], "text/xml");
  const id = res.headers["x-amzn-requestid"] as string;
  assert.equal(res.body, `<?xml version="1.0" encoding="UTF-8"?>\n<EchoResponse xmlns="https://q1.example/doc/2020-01-01/"><EchoResult>` +
    "<Name>abc</Name><Count>3</Count><Enabled>true</Enabled><When>2026-01-02T03:04:05.000Z</When><Data>aGk=</Data><Kind>small</Kind>" +
    "<Tags><member><Key>a</Key><Value>1</Value></member><member><Key>b</Key><Value>2</Value></member></Tags>" +
    "<Item>x</Item><Item>y</Item><Attrs><entry><key>k</key><value>v</value></entry></Attrs><Nested><Inner><Deep>d</Deep></Inner></Nested>" +
    `</EchoResult><ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></EchoResponse>`);
});

test("awsQuery: an empty list is `Name=`; GET takes the parameters from the query string", async () => {
  const app = await gateway();
  const res = await app.inject({ method: "GET", url: "/?Action=Only1&Name=abc&Tags=", headers: {} });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(received, [{ Name: "abc", Tags: [] }]);
  assert.match(res.body, /<Only1Result><Name>abc<\/Name><Tags><\/Tags><\/Only1Result>/);
});

test("awsQuery routing: the credential scope picks the service; an Action two services share is refused unsigned", async () => {
  const app = await gateway();
  const q2 = await app.inject({ method: "POST", url: "/", headers: { ...form, authorization: scope("q2") }, payload: "Action=Echo&Name=abc" });
  assert.match(q2.body, /<EchoResponse xmlns="https:\/\/q2.example\/doc\/2020-01-01\/">/);
  const only = await app.inject({ method: "POST", url: "/", headers: form, payload: "Action=Only1&Name=abc" });
  assert.match(only.body, /<Only1Response xmlns="https:\/\/q1.example/);
  const shared = await app.inject({ method: "POST", url: "/", headers: form, payload: "Action=Echo&Name=abc" });
  assert.equal(shared.statusCode, 400);
  assert.match(shared.body, /<Code>InvalidAction<\/Code><Message>The action Echo is offered by several services here \(q1, q2, c1\); sign the request so that its credential scope names one.<\/Message>/);
  const unknown = await app.inject({ method: "POST", url: "/", headers: { ...form, authorization: scope("q1") }, payload: "Action=Nope&Version=2020-01-01" });
  assert.match(unknown.body, /<Code>InvalidAction<\/Code><Message>Could not find operation Nope for version 2020-01-01.<\/Message>/);
});

test("awsQuery errors: the envelope, Sender/Receiver, the model's error code and status; nothing reaches the handler on bad input", async () => {
  const app = await gateway();
  const cases: [string, number, string, RegExp][] = [
    ["Action=Echo&Name=ABC", 400, "ValidationError", /Name "ABC" does not match the pattern/],
    ["Action=Echo&Count=1", 400, "ValidationError", /Name is required/],
    ["Action=Echo&Name=abc&Count=9", 400, "ValidationError", /Count must be at most 5/],
    ["Action=Echo&Name=abc&Count=x", 400, "ValidationError", /Value "x" for Count is not an integer/],
    ["Action=Echo&Name=abc&Kind=medium", 400, "ValidationError", /Value &apos;medium&apos; at &apos;Kind&apos; failed to satisfy constraint: Member must satisfy enum value set: \[small, large\]/],
    ["Action=Echo&Name=abc&Tags.member.1.Key.x=1", 400, "ValidationError", /Tags.1.Key must be a single value/],
  ];
  for (const [body, status, code, message] of cases) {
    const res = await app.inject({ method: "POST", url: "/", headers: { ...form, authorization: scope("q1") }, payload: body });
    assert.equal(res.statusCode, status, body);
    assert.match(res.body, new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<ErrorResponse xmlns="https://q1.example/doc/2020-01-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>[^<]*</Message></Error><RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>$`), body);
    assert.match(res.body.replaceAll("&quot;", '"'), message, body);
  }
  assert.deepEqual(received, []);
  const missing = await app.inject({ method: "POST", url: "/", headers: { ...form, authorization: scope("q1") }, payload: "Action=Echo&Name=missing" });
  assert.equal(missing.statusCode, 404);
  assert.match(missing.body, /<Type>Sender<\/Type><Code>NoSuchThing<\/Code><Message>No such thing.<\/Message>/);
});

test("restJson1: greedy labels, headers, prefix headers, query lists, a blob payload; status, header and body out", async () => {
  const app = await gateway();
  const res = await app.inject({
    method: "PUT", url: "/buckets/abc/a/b%20c.txt?count=2&kind=small&kind=large",
    headers: { "x-r-token": "t", "x-r-meta-color": "blue", "x-r-when": "Fri, 02 Jan 2026 03:04:05 GMT", "content-type": "application/octet-stream" },
    payload: Buffer.from([0, 1, 2]),
  });
  assert.deepEqual(received, [{ Bucket: "abc", Key: "a/b c.txt", Body: Buffer.from([0, 1, 2]), Token: "t", Meta: { color: "blue" }, Count: 2, Kinds: ["small", "large"], When: new Date("2026-01-02T03:04:05Z") }]);
  assert.equal(res.statusCode, 201);
  assert.equal(res.body, '{"When":1767323045}');
});

test("restJson1: body members, a route two services share decided by the scope, errors with x-amzn-errortype and the model's status", async () => {
  const app = await gateway();
  const created = await app.inject({ method: "POST", url: "/things", headers: { "content-type": "application/json" }, payload: { Name: "abc", When: 1767323045, Tags: [{ Key: "k" }] } });
  assert.equal(created.statusCode, 200, created.body);
  assert.deepEqual(JSON.parse(created.body), { Name: "abc", When: 1767323045, Tags: [{ Key: "k" }] });
  const r2 = await app.inject({ method: "GET", url: "/tags/arn%3Aaws%3Ar2%3A%3A1", headers: { authorization: scope("r2") } });
  assert.equal(r2.statusCode, 200);
  assert.deepEqual(received.at(-1), { arn: "arn:aws:r2::1" });
  const ambiguous = await app.inject({ method: "GET", url: "/tags/x" });
  assert.equal(ambiguous.statusCode, 400);
  assert.equal(ambiguous.headers["x-amzn-errortype"], "UnknownOperationException");
  const missing = await app.inject({ method: "GET", url: "/things/x", headers: { authorization: scope("r1") } });
  assert.equal(missing.statusCode, 200); // GetThing echoes an input without Name
  const invalid = await app.inject({ method: "POST", url: "/things", headers: { "content-type": "application/json" }, payload: { Name: "A" } });
  assert.equal(invalid.statusCode, 400);
  assert.equal(invalid.headers["x-amzn-errortype"], "ValidationException");
  assert.match(JSON.parse(invalid.body).message, /Name "A" does not match the pattern/);
  const notFound = await app.inject({ method: "POST", url: "/things", headers: { "content-type": "application/json" }, payload: { Name: "missing" } });
  assert.equal(notFound.statusCode, 404);
  assert.equal(notFound.headers["x-amzn-errortype"], "NotFound");
  assert.deepEqual(JSON.parse(notFound.body), { message: "No such thing." });
});

test("smithy-rpc-v2-cbor: the path names service and operation; timestamps and blobs keep CBOR's types; errors carry __type", async () => {
  const app = await gateway();
  const headers = { "smithy-protocol": "rpc-v2-cbor", "content-type": "application/cbor", accept: "application/cbor" };
  const input = { Name: "abc", When: new Date("2026-01-02T03:04:05Z"), Data: Buffer.from("hi"), Attrs: { k: "v" } };
  const res = await app.inject({ method: "POST", url: "/service/C1Service/operation/Echo", headers, payload: encodeCbor(input) });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers["smithy-protocol"], "rpc-v2-cbor");
  assert.deepEqual(received, [{ ...input, Data: Buffer.from("hi") }]);
  const out = decodeCbor(res.rawPayload) as Record<string, unknown>;
  assert.deepEqual({ ...out, Data: Buffer.from(out.Data as Uint8Array) }, input);
  const err = await app.inject({ method: "POST", url: "/service/C1Service/operation/Echo", headers, payload: encodeCbor({ Name: 5 }) });
  assert.equal(err.statusCode, 400);
  assert.deepEqual(decodeCbor(err.rawPayload), { __type: "SerializationException", message: "Expected a string for Name, found the number 5." });
  const odd = await app.inject({ method: "POST", url: "/service/C1Service/operation/Echo", headers, payload: encodeCbor({ Name: "abc", Tags: new Set([1]) }) });
  assert.equal(odd.statusCode, 400);
  const unknown = await app.inject({ method: "POST", url: "/service/C1Service/operation/Nope", headers, payload: Buffer.alloc(0) });
  assert.equal(unknown.statusCode, 404);
  assert.equal((decodeCbor(unknown.rawPayload) as { __type: string }).__type, "UnknownOperationException");
});

test("a service that also speaks awsJson1_0 and awsQuery answers each in its own form", async () => {
  const app = await gateway();
  const json = await app.inject({ method: "POST", url: "/", headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "C1Service.Echo" }, payload: { Name: "abc", When: 1767323045 } });
  assert.equal(json.statusCode, 200, json.body);
  assert.equal(json.headers["content-type"], "application/x-amz-json-1.0; charset=utf-8");
  assert.deepEqual(JSON.parse(json.body), { Name: "abc", When: 1767323045 });
  const query = await app.inject({ method: "POST", url: "/", headers: { ...form, authorization: scope("c1") }, payload: "Action=Echo&Name=abc" });
  assert.match(query.body, /<EchoResponse xmlns="https:\/\/c1.example\/"><EchoResult><Name>abc<\/Name><\/EchoResult>/);
});

/** The same gateway listening twice: Fastify alone, and with the front (gateway-front.ts) before it, as server.ts runs it. */
async function listeningGateways() {
  const config = { accountId: "000000000000", region: "us-east-1", strictSigv4: false, credentials: { test: "test" } } as unknown as Config;
  const services = () => [service(queryModel("q1", ["Only1"]), ["Echo", "Only1"]), service(queryModel("q2", []), ["Echo"]), service(cborModel, ["Echo"])];
  let front: AwsFront | undefined;
  let answeredByFront = 0;
  const counted: AwsFront = (req, res) => {
    const answered = front!(req, res);
    if (answered) answeredByFront++;
    return answered;
  };
  const make = (withFront: boolean) => {
    const app = Fastify({
      http: { requireHostHeader: false },
      ...(withFront ? { serverFactory: serverWithFront(() => counted) } : {}),
    });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", readRawBody);
    app.setErrorHandler((err, req, reply) => sendJsonError(err, req, reply));
    app.setNotFoundHandler(sendJsonNotFound);
    const f = registerAwsServices(app, services(), { config, clock: { now: () => new Date() } });
    if (withFront) front = f;
    return app;
  };
  const plain = make(false);
  const fronted = make(true);
  const origins = await Promise.all([plain, fronted].map((app) => app.listen({ port: 0, host: "127.0.0.1" })));
  return { origins: origins as [string, string], answeredByFront: () => answeredByFront, close: () => Promise.all([plain.close(), fronted.close()]) };
}

test("the front answers ordinary requests at / exactly as the gateway's Fastify routes do, and leaves the rest to them", async () => {
  const gw = await listeningGateways();
  try {
    const json = (target: string) => ({ "content-type": "application/x-amz-json-1.0", "x-amz-target": target });
    const requests: Array<{ method: string; url: string; headers: Record<string, string>; body?: string | Uint8Array; front: boolean }> = [
      { method: "POST", url: "/", headers: { ...form, authorization: scope("q1") }, body: "Action=Echo&Version=2020-01-01&Name=abc&Tags.member.1.Key=a&Flat.1=x", front: true },
      { method: "POST", url: "/", headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, body: "Action=Only1&Name=abc", front: true },
      { method: "POST", url: "/", headers: { ...form, authorization: scope("q2") }, body: "Action=Echo&Count=9", front: true },
      { method: "POST", url: "/", headers: form, body: "Action=Echo&Name=missing", front: true },
      { method: "POST", url: "/", headers: form, body: "Action=Nope&Version=1", front: true },
      { method: "POST", url: "/", headers: form, body: "Action=Echo&Name=abc", front: true },
      { method: "POST", url: "/", headers: { ...form, authorization: "AWS4-HMAC-SHA256 Credential=broken" }, body: "Action=Only1&Name=abc", front: true },
      { method: "GET", url: "/?Action=Echo&Version=2020-01-01&Name=abc", headers: { authorization: scope("q1") }, front: true },
      { method: "POST", url: "/?x=1", headers: json("C1Service.Echo"), body: JSON.stringify({ Name: "abc", Count: 2 }), front: true },
      { method: "POST", url: "/", headers: json("C1Service.Echo"), body: "{not json", front: true },
      { method: "POST", url: "/", headers: json("C1Service.Echo"), body: JSON.stringify({ Name: "missing" }), front: true },
      { method: "POST", url: "/", headers: json("Nobody.Echo"), body: "{}", front: true },
      { method: "POST", url: "/", headers: { "content-type": "application/x-amz-json-1.0" }, body: "{}", front: true },
      { method: "POST", url: "/", headers: json("C1Service.Echo"), body: new Uint8Array(MAX_BODY_BYTES + 1).fill(0x20), front: true },
      // Left to Fastify: other media types, none, other paths and methods, a GET without Action.
      { method: "POST", url: "/", headers: { "content-type": "text/plain" }, body: "Action=Echo&Name=abc", front: false },
      { method: "POST", url: "/", headers: { "content-type": "nonsense" }, body: "{}", front: false },
      { method: "POST", url: "/", headers: {}, body: "", front: false },
      { method: "GET", url: "/", headers: {}, front: false },
      { method: "PUT", url: "/", headers: form, body: "Action=Echo&Name=abc", front: false },
      { method: "POST", url: "/elsewhere", headers: json("C1Service.Echo"), body: "{}", front: false },
    ];
    for (const r of requests) {
      const before = gw.answeredByFront();
      const [a, b] = await Promise.all(gw.origins.map((o) => fetch(o + r.url, { method: r.method, headers: r.headers, body: r.body as BodyInit | undefined })));
      const what = `${r.method} ${r.url} ${JSON.stringify(r.headers)} ${String(r.body).slice(0, 60)}`;
      assert.equal(gw.answeredByFront() - before, r.front ? 1 : 0, `front answered: ${what}`);
      assert.equal(b!.status, a!.status, what);
      const headers = (res: Response) => [...res.headers].filter(([k]) => k !== "date" && k !== "x-amzn-requestid");
      assert.deepEqual(headers(b!), headers(a!), what);
      const body = async (res: Response) => (await res.text()).replace(res.headers.get("x-amzn-requestid") ?? "-", "ID");
      assert.equal(await body(b!), await body(a!), what);
      assert.match(b!.headers.get("x-amzn-requestid") ?? "", /^[0-9a-f-]{36}$/, what);
    }
  } finally {
    await gw.close();
  }
});
