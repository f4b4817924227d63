import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as cloudwatch from "@aws-sdk/client-cloudwatch";
import * as ecr from "@aws-sdk/client-ecr";
import * as ecs from "@aws-sdk/client-ecs";
import * as eks from "@aws-sdk/client-eks";
import * as elbv2 from "@aws-sdk/client-elastic-load-balancing-v2";
import * as scheduler from "@aws-sdk/client-scheduler";
import * as sns from "@aws-sdk/client-sns";
import * as sqs from "@aws-sdk/client-sqs";
import * as sts from "@aws-sdk/client-sts";
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";
import { loadModel, type ServiceModel } from "./model.js";
import { ECHO_CREDENTIALS, EchoService, startEchoGateway } from "./testing/echo-gateway.js";
import { roundTrip, type RaisedError, type Rules } from "./testing/round-trip.js";
import { roundTripBoto3 } from "./testing/boto3-round-trip.js";

/**
 * The proof that the protocol layer speaks each protocol as the official clients do: for every
 * operation of every model mounted, a generated valid input goes out through the service's SDK v3
 * client and must reach the handler unchanged, a generated valid output must come back parsed
 * unchanged, and every modelled error must surface as that error with its fields. ECS, ECR and STS
 * are Berth's own models; SQS, ELBv2, SNS, EKS, Scheduler and CloudWatch (in each of its three
 * protocols) are mounted on echo handlers to cover every protocol the gateway speaks.
 * BERTH_ROUNDTRIP_SEED replays a failing run.
 */
const SEED = Number(process.env.BERTH_ROUNDTRIP_SEED ?? 20260101);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Commands = Record<string, any>;
interface SdkCase {
  model: string;
  /** The module of the service's @aws-sdk/client-* package, and its client class's name. */
  sdk: Commands;
  client: string;
  /** Client options beyond endpoint, region and credentials. */
  options?: Record<string, unknown>;
  label?: string;
  /** Whether the protocol's requests can carry an empty map or structure (awsQuery's cannot). */
  query?: boolean;
}

const cases: SdkCase[] = [
  { model: "ecs", sdk: ecs, client: "ECSClient" },
  { model: "ecr", sdk: ecr, client: "ECRClient" },
  { model: "sts", sdk: sts, client: "STSClient", query: true },
  // SQS's client checks message MD5s (meaningless for generated answers) and sends each call to
  // the host of its QueueUrl; both are off so that every call reaches the echo gateway.
  { model: "sqs", sdk: sqs, client: "SQSClient", options: { md5: false, useQueueUrlAsEndpoint: false } },
  { model: "elbv2", sdk: elbv2, client: "ElasticLoadBalancingV2Client", query: true },
  { model: "sns", sdk: sns, client: "SNSClient", query: true },
  { model: "eks", sdk: eks, client: "EKSClient" },
  { model: "scheduler", sdk: scheduler, client: "SchedulerClient" },
  // CloudWatch's current client speaks awsJson1_0; the same client is also driven in the model's
  // two other protocols (the SDK takes the protocol as an option), so one model covers three.
  { model: "cloudwatch", sdk: cloudwatch, client: "CloudWatchClient", label: "awsJson1_0" },
  { model: "cloudwatch", sdk: cloudwatch, client: "CloudWatchClient", label: "smithy-rpc-v2-cbor", options: { protocol: AwsSmithyRpcV2CborProtocol } },
  { model: "cloudwatch", sdk: cloudwatch, client: "CloudWatchClient", label: "awsQuery", options: { protocol: AwsQueryProtocol }, query: true },
];

const servers: { close(): Promise<void> }[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

/**
 * awsQuery names an error by its code (the shape's `error.code`), and a model may give two shapes
 * one code (CloudWatch: DashboardNotFoundError and ResourceNotFound are both `ResourceNotFound`);
 * a client can then only raise the shape whose name is that code.
 */
const queryRules = (model: ServiceModel): Rules => ({
  errorName(shape) {
    const code = model.shapes[shape]?.error?.code;
    return code !== undefined && code !== shape && model.shapes[code]?.exception ? code : shape;
  },
});

/**
 * A service that was a query service once (SQS, CloudWatch) answers each error's query code in
 * `x-amzn-query-error`, which the SDK reports as the error's `Code` and, like a query client,
 * finds the error by.
 */
const queryCompatibleRules = (model: ServiceModel): Rules => ({
  ...queryRules(model),
  errorCode: (shape) => model.shapes[shape]?.error?.code ?? shape,
});

/** Generated inputs and outputs per operation (each error is checked once). */
const ROUNDS = 3;

/** What an SDK v3 client threw, as the modelled error it names. */
function sdkError(model: ServiceModel) {
  return (err: unknown, errorShape: string): RaisedError | undefined => {
    const e = err as Record<string, unknown> & Error;
    if (typeof e !== "object" || e === null || !("$metadata" in e) || !("$fault" in e)) return undefined;
    const members = Object.keys(model.shapes[errorShape]?.members ?? {}).filter((m) => m.toLowerCase() !== "message");
    return { name: e.name, code: e.Code as string | undefined, message: e.message, fields: Object.fromEntries(members.map((m) => [m, e[m]])) };
  };
}

for (const c of cases) {
  test(`round trip through @aws-sdk/${c.client}: ${c.model}${c.label ? ` (${c.label})` : ""}`, async () => {
    const model = loadModel(c.model);
    const echo = new EchoService(model);
    const { endpoint, app } = await startEchoGateway([echo.service]);
    servers.push(app);
    const client = new c.sdk[c.client]({
      endpoint, region: "us-east-1", credentials: ECHO_CREDENTIALS, maxAttempts: 1, disableHostPrefix: true, ...c.options,
    });
    const send = async (operation: string, input: Record<string, unknown>) => {
      const Command = c.sdk[`${operation}Command`];
      if (!Command) throw new Error(`${c.client} has no ${operation}Command`);
      const { $metadata: _, ...output } = await client.send(new Command(input));
      return output;
    };
    const report = await roundTrip({ model, echo, send, raised: sdkError(model), seed: SEED, rounds: ROUNDS,
      rules: c.query ? queryRules(model) : model.metadata.awsQueryCompatible ? queryCompatibleRules(model) : {}, inputOptions: { emptyContainers: !c.query },
    });
    client.destroy();
    await app.close();
    const skipped = [...report.skipped].map(([k, v]) => `${k}: ${v}`);
    console.log(`${c.model}${c.label ? ` ${c.label}` : ""}: ${report.operations} operations, ${report.errors} errors, ${report.failures.length} failures, ${skipped.length} skipped members${skipped.length ? `\n  ${skipped.join("\n  ")}` : ""}`);
    for (const f of report.failures) console.log(`  ${f}`);
    assert.equal(report.operations, Object.keys(model.operations).length);
    assert.deepEqual(report.failures, []);
  });
}

/** Operations of each model boto3 sends (spread over the model), each also with its first error. */
const BOTO3_SAMPLE = 8;

for (const c of cases.filter((c, i) => cases.findIndex((d) => d.model === c.model) === i)) {
  test(`round trip through boto3: ${c.model}`, async () => {
    const model = loadModel(c.model);
    const echo = new EchoService(model);
    const { endpoint, app } = await startEchoGateway([echo.service]);
    servers.push(app);
    const names = Object.keys(model.operations);
    const step = Math.ceil(names.length / BOTO3_SAMPLE);
    // botocore reports a query error's code, and a query-compatible service's from x-amzn-query-error.
    const byCode = c.query || model.metadata.awsQueryCompatible !== undefined;
    const report = await roundTripBoto3({
      model, echo, endpoint, service: c.model, seed: SEED, inputOptions: { emptyContainers: !c.query },
      operations: names.filter((_, i) => i % step === 0),
      errorCode: (shape) => (byCode ? model.shapes[shape]?.error?.code ?? shape : shape),
    });
    await app.close();
    console.log(`boto3 ${c.model} (${report.protocol}): ${report.calls} calls, ${report.failures.length} failures`);
    for (const f of report.failures) console.log(`  ${f}`);
    assert.ok(report.calls >= BOTO3_SAMPLE);
    assert.deepEqual(report.failures, []);
  });
}
