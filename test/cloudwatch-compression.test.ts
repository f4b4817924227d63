import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { AwsQueryProtocol } from "@aws-sdk/core/protocols";
import { BerthProcess } from "./harness.js";

/**
 * PutMetricData's request compression: SDK v3 gzips a body over 10 KB (Content-Encoding: gzip),
 * signed as sent. Berth checks the signature over the compressed bytes (strict SigV4) and decodes
 * the inflated ones, in CloudWatch's JSON and query protocols. (Not smithy-rpc-v2-cbor: SDK v3
 * 3.1177 sends that protocol's compressed body under the uncompressed Content-Length, so no
 * server can read it; seen with a raw socket: 2,783 bytes sent, Content-Length 37,137.)
 */

const KEY = "AKIACOMPRESSION00001";
const SECRET = "compression-secret";
let berth: BerthProcess;
before(async () => {
  berth = await BerthProcess.start({ args: ["--strict-sigv4", "--credentials", `${KEY}:${SECRET}`] });
});
after(async () => {
  await berth?.dispose();
});

const protocols = [
  { label: "awsJson1_0", options: {} },
  { label: "awsQuery", options: { protocol: AwsQueryProtocol } },
];

for (const { label, options } of protocols) {
  test(`${label}: a PutMetricData the SDK compresses is stored whole`, async () => {
    const cw = new CloudWatchClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, maxAttempts: 1, ...options });
    const gzipped: string[] = [];
    cw.middlewareStack.add((next) => async (args) => {
      const headers = (args.request as { headers: Record<string, string> }).headers;
      gzipped.push(headers["content-encoding"] ?? "none");
      return next(args);
    }, { step: "finalizeRequest", priority: "low", name: "seeEncoding" });
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000);
    // 500 datums of distinct dimensions: far over the SDK's 10 KB threshold.
    const data: MetricDatum[] = Array.from({ length: 500 }, (_, i) => ({ MetricName: "Requests", Dimensions: [{ Name: "Shard", Value: `shard-${i}` }], Timestamp: at, Value: i, Unit: "Count" }));
    await cw.send(new PutMetricDataCommand({ Namespace: `Compressed/${label}`, MetricData: data }));
    assert.deepEqual(gzipped, ["gzip"], "the SDK compressed the request");
    for (const i of [0, 250, 499]) {
      const got = await cw.send(new GetMetricStatisticsCommand({
        Namespace: `Compressed/${label}`, MetricName: "Requests", Dimensions: [{ Name: "Shard", Value: `shard-${i}` }],
        StartTime: at, EndTime: new Date(at.getTime() + 60_000), Period: 60, Statistics: ["Sum", "SampleCount"],
      }));
      assert.deepEqual(got.Datapoints?.map((d) => [d.Sum, d.SampleCount]), [[i, 1]]);
    }
    cw.destroy();
  });
}

test("a body that is not gzip, or inflates past the limit, is refused and stores nothing", async () => {
  // Unsigned requests are refused in strict mode before the body matters; a lenient server shows the decoding errors.
  const open = await BerthProcess.start();
  try {
    const post = (body: Buffer, encoding = "gzip") => fetch(`${open.endpoint}/`, {
      method: "POST", body: new Uint8Array(body),
      headers: {
        "content-type": "application/x-amz-json-1.0", "content-encoding": encoding, "x-amz-target": "GraniteServiceVersion20100801.PutMetricData",
        authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=00",
      },
    });
    const notGzip = await post(Buffer.from('{"Namespace":"Bad","MetricData":[{"MetricName":"m","Value":1}]}'));
    assert.equal(notGzip.status, 400);
    assert.match(await notGzip.text(), /not valid gzip/);
    const bomb = await post(gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)));
    assert.equal(bomb.status, 413);
    const brotli = await post(Buffer.from("x"), "br");
    assert.equal(brotli.status, 415);
    const ok = await post(gzipSync(Buffer.from('{"Namespace":"Good","MetricData":[{"MetricName":"m","Value":1}]}')));
    assert.equal(ok.status, 200, await ok.text());
    const cw = new CloudWatchClient({ endpoint: open.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
    const namespaces = (await cw.send(new ListMetricsCommand({}))).Metrics?.map((m) => m.Namespace);
    assert.deepEqual(namespaces, ["Good"], "only the well-formed request stored anything");
    cw.destroy();
  } finally {
    await open.dispose();
  }
});
