import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../store/database.js";
import { emitEvent } from "../store/outbox.js";
import { drainOutbox } from "./event-router.js";
import { putRule } from "./event-rules.js";
import { putTargets } from "./event-targets.js";

const scope = { account: "000000000000", region: "us-east-1" };

test("the outbox's events go to the default bus's matching rules; one that cannot be routed is dropped alone", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-router-"));
  const db = openDatabase(dir);
  try {
    const clock = { now: () => new Date("2024-01-01T00:00:00Z") };
    putRule(db, clock, scope, { Name: "stopped", EventPattern: '{"source":["aws.ecs"],"detail":{"lastStatus":["STOPPED"]}}' });
    putTargets(db, clock, scope, { Rule: "stopped", Targets: [{ Id: "q", Arn: "arn:aws:sqs:us-east-1:000000000000:q" }] }, [{ handles: () => true, deliver: async () => {} }]);
    db.transaction(() => {
      for (const lastStatus of ["RUNNING", "STOPPED"]) {
        emitEvent(db, scope, { source: "aws.ecs", detailType: "ECS Task State Change", resources: ["t"], detail: { lastStatus }, time: new Date("2024-01-01T00:00:01.500Z") });
      }
    })();
    db.prepare("INSERT INTO event_outbox (account, region, event) VALUES (?, ?, ?)").run(scope.account, scope.region, "{not json");
    const errors: number[] = [];
    assert.equal(drainOutbox(db, Date.now(), { onError: (_e, id) => errors.push(id) }), 3);
    assert.equal(errors.length, 1);
    const rows = db.prepare("SELECT input, source_arn FROM event_deliveries").all() as Array<{ input: string; source_arn: string }>;
    assert.equal(rows.length, 1);
    const event = JSON.parse(rows[0]!.input);
    assert.equal(event.detail.lastStatus, "STOPPED");
    assert.equal(event.time, "2024-01-01T00:00:01Z");
    assert.equal(event.account, scope.account);
    assert.equal(rows[0]!.source_arn, "arn:aws:events:us-east-1:000000000000:rule/stopped");
    assert.equal((db.prepare("SELECT count(*) AS n FROM event_outbox").get() as { n: number }).n, 0);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
