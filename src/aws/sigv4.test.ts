import { test } from "node:test";
import assert from "node:assert/strict";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { ServiceError } from "../core/errors.js";
import { computeSignature, parseAuthorization, requestCredential, verifySignature, type SignedRequest } from "./sigv4.js";

const ACCESS_KEY = "AKIDTEST";
const SECRET = "secret123";
const signingDate = new Date("2026-11-22T10:20:30Z");
const TARGET = "AmazonEC2ContainerServiceV20141113.ListClusters";

interface Unsigned {
  method?: string;
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  secret?: string;
  date?: Date;
  region?: string;
  service?: string;
}

/** Signs a request the way the AWS SDK does, and returns it as Node's HTTP server would see it. */
async function sign({ method = "POST", path = "/", query = {}, headers = {}, body = "{}", secret = SECRET, date = signingDate, region = "us-east-1", service = "ecs" }: Unsigned = {}): Promise<SignedRequest> {
  const signer = new SignatureV4({ credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: secret }, region, service, sha256: Sha256 });
  const signed = await signer.sign(
    {
      method,
      protocol: "http:",
      hostname: "127.0.0.1",
      port: 4566,
      path: encodePath(path),
      query,
      headers: { host: "127.0.0.1:4566", "content-type": "application/x-amz-json-1.1", "x-amz-target": TARGET, ...headers },
      body,
    },
    { signingDate: date },
  );
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) lower[k.toLowerCase()] = v;
  const qs = new URLSearchParams(query).toString().replace(/\+/g, "%20");
  return { method, url: qs ? `${encodePath(path)}?${qs}` : encodePath(path), headers: lower, body: Buffer.from(body) };
}

/** What an HTTP client puts on the wire for a path. */
const encodePath = (path: string) => path.split("/").map(encodeURIComponent).join("/");

/** Verifies as the server does; `service: null` skips the service-scope check. */
function verify(req: SignedRequest, { secret = SECRET, now = signingDate, service = "ecs" as string | null } = {}) {
  const auth = req.headers["authorization"];
  assert.equal(typeof auth, "string");
  verifySignature(req, parseAuthorization(auth as string, req.headers), secret, now, { service: service ?? undefined });
}

/** Asserts that `fn` throws a sender ServiceError `code` whose message matches. */
function fails(fn: () => unknown, code: string, message: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ServiceError, `expected a ServiceError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    assert.equal(err.sender, true);
    assert.equal(err.status, undefined, "signature errors are 400s, as AWS JSON services answer them");
    return true;
  });
}

const MISMATCH = /^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\. Consult the service documentation for details\.$/;

test("a request signed by @smithy/signature-v4 verifies", async () => {
  verify(await sign());
  verify(await sign({ body: JSON.stringify({ clusterName: "dév ünïcode 😀", tags: [{ key: "a", value: "b" }] }) }));
  verify(await sign({ body: "" }));
});

test("the query string and an encoded path are canonicalised as the SDK does", async () => {
  verify(await sign({ method: "GET", path: "/some path/with+plus/ü/", query: { b: "2", a: "x y", "c*": "it's(ok)!", "é": "ü" }, body: "" }));
});

test("a literal + in the path is a plus, not a space", async () => {
  const req = await sign({ path: "/a+b" });
  assert.equal(req.url, "/a%2Bb");
  req.url = "/a+b";
  verify(req);
});

test("headers the client did not sign may change, and signed header values are whitespace-normalised", async () => {
  const req = await sign({ headers: { "x-custom": "a   b\t c" } });
  req.headers["user-agent"] = "something/else";
  req.headers["x-custom"] = "  a b c ";
  verify(req);
});

test("a changed body fails, even though x-amz-content-sha256 still carries the signed hash", async () => {
  const req = await sign({ body: '{"clusterName":"a"}' });
  assert.ok(req.headers["x-amz-content-sha256"], "the SDK sends the payload hash");
  req.body = Buffer.from('{"clusterName":"b"}');
  fails(() => verify(req), "InvalidSignatureException", MISMATCH);
});

test("a changed signed header fails", async () => {
  const req = await sign();
  req.headers["x-amz-target"] = "AmazonEC2ContainerServiceV20141113.DeleteCluster";
  fails(() => verify(req), "InvalidSignatureException", MISMATCH);
});

test("a removed signed header fails", async () => {
  const req = await sign();
  delete req.headers["content-type"];
  fails(() => verify(req), "InvalidSignatureException", MISMATCH);
});

test("a changed path, query or method fails", async () => {
  const path = await sign();
  path.url = "/other";
  fails(() => verify(path), "InvalidSignatureException", MISMATCH);
  const query = await sign({ query: { a: "1" } });
  query.url = "/?a=2";
  fails(() => verify(query), "InvalidSignatureException", MISMATCH);
  const method = await sign();
  method.method = "PUT";
  fails(() => verify(method), "InvalidSignatureException", MISMATCH);
});

test("the wrong secret fails", async () => {
  const req = await sign({ secret: "not-the-secret" });
  fails(() => verify(req), "InvalidSignatureException", MISMATCH);
});

test("a changed date fails: within the same day as a mismatch, on another day as a scope mismatch", async () => {
  const sameDay = await sign();
  sameDay.headers["x-amz-date"] = "20261122T102031Z";
  fails(() => verify(sameDay), "InvalidSignatureException", MISMATCH);
  const otherDay = await sign({ date: new Date("2026-11-22T23:59:00Z") });
  otherDay.headers["x-amz-date"] = "20261123T000100Z";
  fails(() => verify(otherDay, { now: new Date("2026-11-23T00:01:00Z") }), "InvalidSignatureException",
    /^Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261122' != '20261123', from '20261123T000100Z'\.$/);
});

test("a signature older than 5 minutes has expired, with AWS's message", async () => {
  const req = await sign();
  verify(req, { now: new Date(signingDate.getTime() + 5 * 60_000) });
  fails(() => verify(req, { now: new Date(signingDate.getTime() + 5 * 60_000 + 1000) }), "InvalidSignatureException",
    /^Signature expired: 20261122T102030Z is now earlier than 20261122T102031Z \(20261122T102531Z - 5 min\.\)$/);
  fails(() => verify(req, { now: new Date("2026-11-22T10:30:30Z") }), "InvalidSignatureException",
    /^Signature expired: 20261122T102030Z is now earlier than 20261122T102530Z \(20261122T103030Z - 5 min\.\)$/);
});

test("a signature more than 5 minutes ahead is not yet current, with AWS's message", async () => {
  const req = await sign();
  verify(req, { now: new Date(signingDate.getTime() - 5 * 60_000) });
  fails(() => verify(req, { now: new Date("2026-11-22T10:10:30Z") }), "InvalidSignatureException",
    /^Signature not yet current: 20261122T102030Z is still later than 20261122T101530Z \(20261122T101030Z \+ 5 min\.\)$/);
});

test("the clock is checked before the signature: an old request with a bad signature reports expiry", async () => {
  const req = await sign({ secret: "wrong" });
  fails(() => verify(req, { now: new Date(signingDate.getTime() + 10 * 60_000) }), "InvalidSignatureException", /^Signature expired/);
});

test("a credential scoped to another service fails", async () => {
  const req = await sign({ service: "ecr" });
  fails(() => verify(req), "InvalidSignatureException", /^Credential should be scoped to correct service: 'ecs'\. $/);
  verify(req, { service: null });
});

test("a missing or unreadable date header is IncompleteSignatureException", async () => {
  const missing = await sign();
  delete missing.headers["x-amz-date"];
  fails(() => verify(missing), "IncompleteSignatureException", /Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header\./);
  const garbage = await sign();
  garbage.headers["x-amz-date"] = "yesterday";
  fails(() => verify(garbage), "IncompleteSignatureException", /'X-Amz-Date' or a 'Date' header/);
});

test("parseAuthorization reads the credential scope", () => {
  const cred = parseAuthorization("AWS4-HMAC-SHA256 Credential=AKID/20261122/eu-west-3/ecs/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc123");
  assert.deepEqual(cred, { accessKeyId: "AKID", date: "20261122", region: "eu-west-3", service: "ecs", signedHeaders: ["host", "x-amz-date"], signature: "abc123" });
  // Separators may be any mix of commas and spaces.
  assert.equal(parseAuthorization("AWS4-HMAC-SHA256 Credential=A/20261122/us-east-1/ecs/aws4_request,SignedHeaders=host,Signature=f").signature, "f");
});

test("malformed Authorization headers are IncompleteSignatureException with AWS's messages", () => {
  const all = "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.";
  fails(() => parseAuthorization("garbage"), "IncompleteSignatureException", new RegExp(`^${escape(all)} Authorization=garbage$`));
  fails(() => parseAuthorization("Bearer abc.def"), "IncompleteSignatureException", new RegExp(`^${escape(all)} Authorization=Bearer abc\\.def$`));
  fails(() => parseAuthorization("AWS AKID:c2lnbmF0dXJl"), "IncompleteSignatureException", /requires 'Credential' parameter/);
  fails(() => parseAuthorization(""), "IncompleteSignatureException", /requires 'Credential' parameter/);
  fails(() => parseAuthorization("AWS4-HMAC-SHA256"), "IncompleteSignatureException", /requires 'Credential' parameter/);
  fails(() => parseAuthorization("AWS4-HMAC-SHA256 Credential=AK/20261122/us-east-1/ecs/aws4_request"), "IncompleteSignatureException",
    /^Authorization header requires 'Signature' parameter\. Authorization header requires 'SignedHeaders' parameter\. Authorization=AWS4-HMAC-SHA256 Credential=/);
  fails(() => parseAuthorization("AWS4-HMAC-SHA256 Credential=AK/20261122/us-east-1/ecs/aws4_request, SignedHeaders=, Signature=abc"), "IncompleteSignatureException",
    /^Authorization header requires 'SignedHeaders' parameter\./);
  // With the request's headers, a missing date is reported in the same message.
  fails(() => parseAuthorization("garbage", { host: "x" }), "IncompleteSignatureException",
    /requires 'SignedHeaders' parameter\. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header\. Authorization=garbage$/);
  fails(() => parseAuthorization("AWS4-HMAC-SHA256 Credential=AK /20261122/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=abc"), "IncompleteSignatureException",
    /^'\/20261122\/us-east-1\/ecs\/aws4_request' not a valid key=value pair \(missing equal-sign\) in Authorization header: 'AWS4-HMAC-SHA256 Credential=AK /);
  fails(() => parseAuthorization("AWS4-HMAC-SHA256 Credential=AK/us-east-1/ecs, SignedHeaders=host, Signature=abc"), "IncompleteSignatureException", /^Credential should look like/);
  fails(() => parseAuthorization("AWS4-HMAC-SHA256 Credential=AK/2026-11-22/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=abc"), "IncompleteSignatureException", /^Credential should look like/);
  // Long headers are echoed only in part.
  fails(() => parseAuthorization("x".repeat(100_000)), "IncompleteSignatureException", /Authorization=x{512}\.\.\.$/);
});

test("a credential scope with a bad terminator or region is InvalidSignatureException", () => {
  fails(() => parseAuthorization("AWS4-HMAC-SHA256 Credential=AK/20261122/us-east-1/ecs/aws5_request, SignedHeaders=host, Signature=abc"), "InvalidSignatureException",
    /^Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'\. $/);
  for (const region of ["", "mars", "us-east-1:evil", "US-EAST-1", "eu_west_1", "us-east-1.evil"]) {
    fails(() => parseAuthorization(`AWS4-HMAC-SHA256 Credential=AK/20261122/${region}/ecs/aws4_request, SignedHeaders=host, Signature=abc`), "InvalidSignatureException",
      /^Credential should be scoped to a valid region, not '.*'\. $/);
  }
});

test("computeSignature reproduces the AWS SigV4 test suite's get-vanilla example", () => {
  const req: SignedRequest = { method: "GET", url: "/", headers: { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z" }, body: "" };
  const cred = parseAuthorization("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=x");
  assert.equal(computeSignature(req, cred, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830T123600Z"), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
});

function escape(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

test("requestCredential gives what parseAuthorization gives, however often a header's head repeats", () => {
  const head = "AWS4-HMAC-SHA256 Credential=AKID/20261122/eu-west-3/sqs/aws4_request, SignedHeaders=host;x-amz-date, ";
  for (const signature of ["a".repeat(64), "0123456789abcdef".repeat(4), "f".repeat(64)]) {
    const value = `${head}Signature=${signature}`;
    // A fresh headers object each time, as each request has.
    assert.deepEqual(requestCredential({}, value), parseAuthorization(value));
    assert.equal(requestCredential({}, value).signature, signature);
  }
  // The same head in another scope is another credential.
  const other = `${head.replace("eu-west-3", "us-east-1")}Signature=${"b".repeat(64)}`;
  assert.equal(requestCredential({}, other).region, "us-east-1");
  // A head that fails fails every time, with parseAuthorization's own error.
  const bad = `${head.replace("eu-west-3", "moon-1")}Signature=${"c".repeat(64)}`;
  for (let i = 0; i < 2; i++) assert.throws(() => requestCredential({}, bad), (e: ServiceError) => e.code === "InvalidSignatureException");
  // A tail that is no plain signature (here: a second parameter after it) is parsed in full.
  const tail = `${head}Signature=${"d".repeat(64)}, Extra=1`;
  assert.deepEqual(requestCredential({}, tail), parseAuthorization(tail));
});
