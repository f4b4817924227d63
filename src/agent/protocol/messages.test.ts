import { test } from "node:test";
import assert from "node:assert/strict";
import { reviveReport } from "./messages.js";
import type { TaskReport } from "./task-runner.js";

test("a report survives the JSON round trip with its dates as Dates", () => {
  const at = new Date("2026-01-02T03:04:05.678Z");
  const sent: TaskReport = { taskArn: "arn:t", at, lastStatus: "RUNNING", pullStartedAt: at, containers: [{ name: "web", lastStatus: "RUNNING" }] };
  const got = reviveReport(JSON.parse(JSON.stringify(sent)) as TaskReport);
  assert.ok(got.at instanceof Date && got.pullStartedAt instanceof Date);
  assert.equal(got.at.getTime(), at.getTime());
  assert.equal(got.pullStoppedAt, undefined);
  assert.deepEqual(got.containers, sent.containers);
});
