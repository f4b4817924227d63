import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, StartLiveTailCommand, type StartLiveTailResponseStream,
} from "@aws-sdk/client-cloudwatch-logs";
import { BerthProcess } from "./harness.js";
import { boto3Json } from "./boto3.js";

/**
 * StartLiveTail end to end with SDK v3: the event stream over HTTP/1.1 (chunked
 * application/vnd.amazon.eventstream), sessionStart, then the matching events of the named
 * streams as PutLogEvents stores them; AWS's errors for bad input. The client sets
 * disableHostPrefix: StartLiveTail's endpoint prefix (`stream-`) would otherwise make the SDK
 * connect to `stream-127.0.0.1`.
 */
test("StartLiveTail: the SDK reads sessionStart and sessionUpdates with the matching events as they are put", { timeout: 180_000 }, async () => {
  const berth = await BerthProcess.start();
  const logs = new CloudWatchLogsClient({
    endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1, disableHostPrefix: true,
  });
  const abort = new AbortController();
  try {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "/live" }));
    for (const s of ["web/1", "web/2", "worker/1"]) await logs.send(new CreateLogStreamCommand({ logGroupName: "/live", logStreamName: s }));
    const arn = "arn:aws:logs:us-east-1:000000000000:log-group:/live";

    // Bad input: AWS's errors before any stream starts.
    await assert.rejects(logs.send(new StartLiveTailCommand({ logGroupIdentifiers: ["arn:aws:logs:us-east-1:000000000000:log-group:/nope"] })), { name: "ResourceNotFoundException" });
    await assert.rejects(logs.send(new StartLiveTailCommand({ logGroupIdentifiers: [arn], logStreamNames: ["web/1"], logStreamNamePrefixes: ["web"] })), { name: "InvalidParameterException" });
    await assert.rejects(logs.send(new StartLiveTailCommand({ logGroupIdentifiers: [arn], logEventFilterPattern: "{ $.a = " })), { name: "InvalidParameterException", message: "Invalid filter pattern" });

    const out = await logs.send(new StartLiveTailCommand({ logGroupIdentifiers: [arn], logStreamNamePrefixes: ["web/"], logEventFilterPattern: "ERROR" }), { abortSignal: abort.signal });
    const stream = out.responseStream![Symbol.asyncIterator]();
    const first = (await stream.next()).value as StartLiveTailResponseStream;
    assert.equal(first.sessionStart?.logGroupIdentifiers?.[0], arn);
    assert.deepEqual(first.sessionStart?.logStreamNamePrefixes, ["web/"]);
    assert.equal(first.sessionStart?.logEventFilterPattern, "ERROR");
    assert.match(first.sessionStart?.sessionId ?? "", /^[0-9a-f-]{36}$/);

    // Put events now that the session is listening: only ERROR lines of web/* streams arrive.
    const t = Date.now();
    for (const [s, lines] of [["web/1", ["ERROR a", "INFO b", "ERROR c"]], ["worker/1", ["ERROR not tailed"]], ["web/2", ["ERROR d"]]] as const) {
      await logs.send(new PutLogEventsCommand({ logGroupName: "/live", logStreamName: s, logEvents: lines.map((message) => ({ timestamp: t, message })) }));
    }
    const got: Array<[string, string]> = [];
    while (got.length < 3) {
      const next = await stream.next();
      assert.equal(next.done, false, "the stream stays open");
      const update = (next.value as StartLiveTailResponseStream).sessionUpdate;
      assert.ok(update, "after sessionStart come sessionUpdates");
      assert.equal(update.sessionMetadata?.sampled, false);
      for (const e of update.sessionResults ?? []) {
        assert.equal(e.logGroupIdentifier, arn);
        assert.equal(e.timestamp, t);
        assert.equal(typeof e.ingestionTime, "number");
        got.push([e.logStreamName!, e.message!]);
      }
    }
    assert.deepEqual(got.sort(), [["web/1", "ERROR a"], ["web/1", "ERROR c"], ["web/2", "ERROR d"]]);

    // boto3 (inject_host_prefix off, for the same reason): the stream opens with the
    // initial-response event botocore requires, then sessionStart and an update.
    const events = await boto3Json<Array<Record<string, unknown>>>(`
import boto3, json, sys
from botocore.config import Config
c = boto3.client("logs", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
                 config=Config(inject_host_prefix=False, retries={"max_attempts": 1}))
out = []
for event in c.start_live_tail(logGroupIdentifiers=[sys.argv[2]])["responseStream"]:
    out.append(event)
    if len(out) == 2: break
print(json.dumps(out, default=str))
`, berth.endpoint, arn);
    assert.deepEqual(Object.keys(events[0]!), ["sessionStart"]);
    assert.deepEqual(Object.keys(events[1]!), ["sessionUpdate"]);

    // A session still open when the server stops: the stop does not wait for it, the stream ends.
    const open = await logs.send(new StartLiveTailCommand({ logGroupIdentifiers: ["/live"] }));
    const openStream = open.responseStream![Symbol.asyncIterator]();
    assert.ok(((await openStream.next()).value as StartLiveTailResponseStream).sessionStart);
    await berth.stop();
    for (;;) if ((await openStream.next()).done) break;
  } finally {
    abort.abort();
    logs.destroy();
    await berth.dispose();
  }
});
