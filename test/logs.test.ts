import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DescribeLogGroupsCommand, DescribeLogStreamsCommand, FilterLogEventsCommand,
  GetLogEventsCommand, PutLogEventsCommand, PutRetentionPolicyCommand, TagResourceCommand, ListTagsForResourceCommand, UntagResourceCommand,
  DeleteLogStreamCommand, DeleteLogGroupCommand, paginateFilterLogEvents,
} from "@aws-sdk/client-cloudwatch-logs";
import { BerthProcess, awsCli } from "./harness.js";
import { boto3Json } from "./boto3.js";

/**
 * CloudWatch Logs end to end: SDK v3, the AWS CLI (`aws logs tail --follow` as users run it) and
 * boto3 against a real Berth; AWS's errors for bad input, with nothing stored; acknowledged
 * events survive kill -9.
 */

const run = promisify(execFile);
const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", AWS_PAGER: "", AWS_MAX_ATTEMPTS: "1", AWS_DEFAULT_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" };

async function cli(endpoint: string, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(awsCli, [...args, "--endpoint-url", endpoint, "--output", "json"], { env });
  return stdout.trim() === "" ? {} : (JSON.parse(stdout) as Record<string, unknown>);
}

/** The AWS CLI's error code for a call that must fail. */
async function cliError(endpoint: string, ...args: string[]): Promise<string> {
  try {
    await run(awsCli, [...args, "--endpoint-url", endpoint], { env });
  } catch (err) {
    return String((err as { stderr: string }).stderr);
  }
  throw new Error(`aws ${args.join(" ")} succeeded`);
}

const client = (endpoint: string) => new CloudWatchLogsClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });

async function rejects(p: Promise<unknown>, name: string, message?: string): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

describe("CloudWatch Logs", () => {
  let berth: BerthProcess;
  let logs: CloudWatchLogsClient;
  before(async () => {
    berth = await BerthProcess.start();
    logs = client(berth.endpoint);
  });
  after(async () => {
    logs?.destroy();
    await berth?.dispose();
  });

  test("SDK v3: groups, streams, events, paging and tags", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "/ecs/web", tags: { team: "a" }, kmsKeyId: "arn:aws:kms:us-east-1:000000000000:key/k", logGroupClass: "INFREQUENT_ACCESS" }));
    await rejects(logs.send(new CreateLogGroupCommand({ logGroupName: "/ecs/web" })), "ResourceAlreadyExistsException", "The specified log group already exists");
    const [group] = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/ecs/" }))).logGroups!;
    assert.equal(group!.logGroupName, "/ecs/web");
    assert.equal(group!.kmsKeyId, "arn:aws:kms:us-east-1:000000000000:key/k");
    assert.equal(group!.logGroupClass, "INFREQUENT_ACCESS");
    assert.equal(group!.arn, "arn:aws:logs:us-east-1:000000000000:log-group:/ecs/web:*");
    const arn = group!.logGroupArn!;
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { env: "dev" } }));
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["team"] }));
    assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { env: "dev" });

    await logs.send(new CreateLogStreamCommand({ logGroupName: "/ecs/web", logStreamName: "web/web/a" }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: "/ecs/web", logStreamName: "web/web/b" }));
    const t = Date.now();
    for (const [stream, offset] of [["web/web/a", 0], ["web/web/b", 1]] as const) {
      const r = await logs.send(new PutLogEventsCommand({
        logGroupName: "/ecs/web", logStreamName: stream, sequenceToken: "ignored",
        logEvents: Array.from({ length: 50 }, (_, i) => ({ timestamp: t + 2 * i + offset, message: `${stream} ${i} ${i % 5 === 0 ? "ERROR" : "INFO"} {"n":${i}}` })),
      }));
      assert.match(r.nextSequenceToken!, /^\d+$/);
      assert.equal(r.rejectedLogEventsInfo, undefined);
    }
    const streams = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: "/ecs/web", orderBy: "LastEventTime", descending: true }))).logStreams!;
    assert.deepEqual(streams.map((s) => s.logStreamName), ["web/web/b", "web/web/a"]);
    assert.equal(streams[0]!.lastEventTimestamp, t + 99);
    assert.equal(streams[0]!.firstEventTimestamp, t + 1);

    // GetLogEvents from the head in pages of 20, until the same forward token comes back.
    const seen: string[] = [];
    let token: string | undefined;
    for (;;) {
      const page = await logs.send(new GetLogEventsCommand({ logGroupName: "/ecs/web", logStreamName: "web/web/a", startFromHead: token === undefined, nextToken: token, limit: 20 }));
      seen.push(...page.events!.map((e) => e.message!));
      if (page.nextForwardToken === token) break;
      token = page.nextForwardToken;
    }
    assert.deepEqual(seen.map((m) => Number(m.split(" ")[1])), Array.from({ length: 50 }, (_, i) => i));

    // FilterLogEvents through the SDK's paginator: interleaved, each event once.
    const found: string[] = [];
    for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 3 }, { logGroupName: "/ecs/web", filterPattern: "ERROR" })) {
      found.push(...page.events!.map((e) => e.message!));
    }
    assert.equal(found.length, 20);
    assert.deepEqual(found.slice(0, 2).map((m) => m.split(" ")[0]), ["web/web/a", "web/web/b"]);
    const json = await logs.send(new FilterLogEventsCommand({ logGroupName: "/ecs/web", logStreamNames: ["web/web/b"], filterPattern: "[stream, n, level = INFO, doc]" }));
    assert.equal(json.events!.length, 40);

    await logs.send(new DeleteLogStreamCommand({ logGroupName: "/ecs/web", logStreamName: "web/web/a" }));
    await rejects(logs.send(new GetLogEventsCommand({ logGroupName: "/ecs/web", logStreamName: "web/web/a" })), "ResourceNotFoundException", "The specified log stream does not exist.");
    await logs.send(new DeleteLogGroupCommand({ logGroupName: "/ecs/web" }));
    await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: "/ecs/web" })), "ResourceNotFoundException", "The specified log group does not exist.");
  });

  test("bad input gets AWS's errors and stores nothing", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "bad-input" }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: "bad-input", logStreamName: "s" }));
    const t = Date.now();
    const put = (logEvents: Array<{ timestamp: number; message: string }>) => logs.send(new PutLogEventsCommand({ logGroupName: "bad-input", logStreamName: "s", logEvents }));
    await rejects(put([{ timestamp: t, message: "b" }, { timestamp: t - 1, message: "a" }]), "InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order.");
    await rejects(put(Array.from({ length: 10_001 }, () => ({ timestamp: t, message: "x" }))), "InvalidParameterException");
    await rejects(put(Array.from({ length: 5 }, () => ({ timestamp: t, message: "x".repeat(210_000) }))), "InvalidParameterException", "Upload too large: 1050130 bytes exceeds limit of 1048576");
    await rejects(put([{ timestamp: t - 25 * 3_600_000, message: "a" }, { timestamp: t, message: "b" }]), "InvalidParameterException", "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
    await rejects(logs.send(new CreateLogGroupCommand({ logGroupName: "bad name!" })), "InvalidParameterException");
    await rejects(logs.send(new CreateLogStreamCommand({ logGroupName: "bad-input", logStreamName: "a:b" })), "InvalidParameterException");
    await rejects(logs.send(new PutRetentionPolicyCommand({ logGroupName: "bad-input", retentionInDays: 2 })), "InvalidParameterException");
    await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: "bad-input", filterPattern: "{ $.a = " })), "InvalidParameterException", "Invalid filter pattern");
    await rejects(logs.send(new GetLogEventsCommand({ logGroupName: "bad-input", logStreamName: "s", nextToken: "f/nonsense" })), "InvalidParameterException", "The specified nextToken is invalid.");
    const r = await put([{ timestamp: t - 15 * 86_400_000, message: "old" }, { timestamp: t - 15 * 86_400_000 + 1, message: "old" }]);
    assert.deepEqual(r.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 2 });
    assert.deepEqual((await logs.send(new GetLogEventsCommand({ logGroupName: "bad-input", logStreamName: "s" }))).events, []);
    assert.deepEqual((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "bad" }))).logGroups!.map((g) => g.logGroupName), ["bad-input"]);
  });

  test("the AWS CLI: create, put, get, filter, and `aws logs tail --follow` shows every line exactly once", async () => {
    const E = berth.endpoint;
    await cli(E, "logs", "create-log-group", "--log-group-name", "/ecs/tail");
    await cli(E, "logs", "create-log-stream", "--log-group-name", "/ecs/tail", "--log-stream-name", "web/web/1");
    assert.match(await cliError(E, "logs", "create-log-group", "--log-group-name", "/ecs/tail"), /ResourceAlreadyExistsException/);

    // Unbuffered: the CLI is Python, which would hold its output back from a pipe.
    const follow = spawn(awsCli, ["logs", "tail", "/ecs/tail", "--follow", "--since", "10m", "--format", "short", "--endpoint-url", E], { env: { ...env, PYTHONUNBUFFERED: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    follow.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    follow.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const lines = () => out.split("\n").map((l) => /line-(\d+)/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
    try {
      // Batches over more than two of tail's 5-second polls.
      const total = 60;
      for (let batch = 0; batch < 6; batch++) {
        const t = Date.now();
        const events = Array.from({ length: 10 }, (_, i) => ({ timestamp: t + i, message: `line-${batch * 10 + i}` }));
        await cli(E, "logs", "put-log-events", "--log-group-name", "/ecs/tail", "--log-stream-name", "web/web/1", "--log-events", JSON.stringify(events));
        await sleep(2_000);
      }
      for (let i = 0; i < 40 && lines().length < total; i++) await sleep(500);
      // One more poll after the last line, so a duplicate would have shown.
      await sleep(6_000);
      const got = lines().map(Number);
      assert.deepEqual(got, Array.from({ length: total }, (_, i) => i), `every line once, in order (stderr: ${err})`);
    } finally {
      follow.kill("SIGTERM");
    }

    const tail = await run(awsCli, ["logs", "tail", "/ecs/tail", "--since", "1h", "--endpoint-url", E], { env });
    assert.equal(tail.stdout.trim().split("\n").length, 60);
    const got = await cli(E, "logs", "get-log-events", "--log-group-name", "/ecs/tail", "--log-stream-name", "web/web/1", "--limit", "5", "--start-from-head");
    assert.deepEqual((got.events as Array<{ message: string }>).map((e) => e.message), ["line-0", "line-1", "line-2", "line-3", "line-4"]);
    const filtered = await cli(E, "logs", "filter-log-events", "--log-group-name", "/ecs/tail", "--filter-pattern", '"line-1"');
    assert.equal((filtered.events as unknown[]).length, 11, "line-1 and line-10..19");
  });

  test("boto3: put, get and filter with a JSON pattern", async () => {
    const result = await boto3Json<{ rejected: unknown; got: string[]; filtered: string[] }>(`
import json, sys, time, boto3
logs = boto3.client("logs", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
logs.create_log_group(logGroupName="boto")
logs.create_log_stream(logGroupName="boto", logStreamName="s")
now = int(time.time() * 1000)
r = logs.put_log_events(logGroupName="boto", logStreamName="s", logEvents=[
  {"timestamp": now, "message": json.dumps({"level": "error", "latency": 150})},
  {"timestamp": now + 1, "message": json.dumps({"level": "info", "latency": 50})}])
got = [e["message"] for e in logs.get_log_events(logGroupName="boto", logStreamName="s", startFromHead=True)["events"]]
filtered = [e["message"] for e in logs.filter_log_events(logGroupName="boto", filterPattern='{ $.level = "error" && $.latency > 100 }')["events"]]
print(json.dumps({"rejected": r.get("rejectedLogEventsInfo"), "got": got, "filtered": filtered}))
`, berth.endpoint);
    assert.equal(result.rejected, null);
    assert.equal(result.got.length, 2);
    assert.deepEqual(result.filtered.map((m) => JSON.parse(m).latency), [150]);
  });
});

test("acknowledged PutLogEvents survive kill -9", async () => {
  let berth = await BerthProcess.start();
  const dataDir = berth.dataDir;
  try {
    let logs = client(berth.endpoint);
    await logs.send(new CreateLogGroupCommand({ logGroupName: "durable" }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: "durable", logStreamName: "s" }));
    const t = Date.now();
    for (let i = 0; i < 20; i++) {
      await logs.send(new PutLogEventsCommand({ logGroupName: "durable", logStreamName: "s", logEvents: [{ timestamp: t + i, message: `ack ${i}` }] }));
    }
    logs.destroy();
    await berth.kill9();
    berth = await BerthProcess.start({ dataDir });
    logs = client(berth.endpoint);
    const events = (await logs.send(new GetLogEventsCommand({ logGroupName: "durable", logStreamName: "s", startFromHead: true }))).events!;
    assert.deepEqual(events.map((e) => e.message), Array.from({ length: 20 }, (_, i) => `ack ${i}`));
    logs.destroy();
  } finally {
    await berth.dispose();
  }
});
