import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../store/database.js";
import { createArchive, describeArchive } from "./archives.js";
import { putRule } from "./event-rules.js";
import { putTargets } from "./event-targets.js";
import { putEvents } from "./put-events.js";
import { advanceReplays, cancelReplay, describeReplay, startReplay } from "./replays.js";

const scope = { account: "000000000000", region: "us-east-1" };
const BUS = "arn:aws:events:us-east-1:000000000000:event-bus/default";

test("a replay goes a batch at a time; a cancel stops it after the batch in hand", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-replays-"));
  const db = openDatabase(dir);
  let now = Date.parse("2024-01-01T00:00:00Z");
  const clock = { now: () => new Date(now) };
  try {
    putRule(db, clock, scope, { Name: "r", EventPattern: '{"source":["shop"]}' });
    putTargets(db, clock, scope, { Rule: "r", Targets: [{ Id: "1", Arn: "arn:aws:sqs:us-east-1:000000000000:q" }] }, [{ handles: () => true, deliver: async () => {} }]);
    const { ArchiveArn } = createArchive(db, clock, scope, { ArchiveName: "a", EventSourceArn: BUS });
    for (let i = 0; i < 25; i++) db.transaction(putEvents(db, clock, scope, { Entries: Array.from({ length: 10 }, () => ({ Source: "shop", DetailType: "d", Detail: "{}" })) }).commit)();
    assert.equal(describeArchive(db, scope, "a").EventCount, 250);
    const deliveries = () => (db.prepare("SELECT count(*) AS n FROM event_deliveries WHERE input LIKE '%replay-name%'").get() as { n: number }).n;

    now += 1000;
    startReplay(db, clock, scope, { ReplayName: "x", EventSourceArn: ArchiveArn, EventStartTime: new Date(0), EventEndTime: new Date(now), Destination: { Arn: BUS } });
    assert.equal(describeReplay(db, scope, "x").State, "STARTING");
    assert.equal(advanceReplays(db, clock), 100);
    assert.equal(describeReplay(db, scope, "x").State, "RUNNING");
    assert.equal(cancelReplay(db, scope, "x").State, "CANCELLING");
    assert.equal(advanceReplays(db, clock), 0);
    const cancelled = describeReplay(db, scope, "x");
    assert.equal(cancelled.State, "CANCELLED");
    assert.ok(cancelled.ReplayEndTime);
    assert.equal(deliveries(), 100);

    // Another replay of the same window runs to the end: three batches.
    startReplay(db, clock, scope, { ReplayName: "y", EventSourceArn: ArchiveArn, EventStartTime: new Date(0), EventEndTime: new Date(now), Destination: { Arn: BUS } });
    advanceReplays(db, clock);
    advanceReplays(db, clock);
    assert.equal(describeReplay(db, scope, "y").State, "RUNNING");
    advanceReplays(db, clock);
    assert.equal(describeReplay(db, scope, "y").State, "COMPLETED");
    assert.equal(deliveries(), 350);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
