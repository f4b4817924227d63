import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import type { Task } from "@aws-sdk/client-ecs";
import { migrate } from "../../store/database.js";
import { findTask, saveTask } from "./task-store.js";
import { interruptionProbability, interruptSpotTask, SPOT_REASON, startSpotChaos } from "./spot-interruptions.js";
import type { StopRequest, TaskRunner } from "../../agent/protocol/task-runner.js";
import { createLogger } from "../../core/logger.js";

test("interruption probability: none at rate 0, Poisson in between, near 1 over a long time", () => {
  assert.equal(interruptionProbability(0, 3_600_000), 0);
  assert.equal(interruptionProbability(10, 0), 0);
  assert.ok(Math.abs(interruptionProbability(1, 3_600_000) - (1 - Math.exp(-1))) < 1e-12);
  // A second at 36 per hour: about 1 %.
  assert.ok(Math.abs(interruptionProbability(36, 1000) - 0.00995) < 1e-4);
  assert.ok(interruptionProbability(3600, 3_600_000) > 0.999);
});

const scope = { account: "000000000000", region: "us-east-1" };
const cluster = "arn:aws:ecs:us-east-1:000000000000:cluster/dev";

function setup(providers: string[]) {
  const db = new Database(":memory:");
  db.pragma("foreign_keys = ON");
  migrate(db);
  const arns = providers.map((p, i) => {
    const task: Task = {
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/dev/${String(i).padStart(32, "0")}`, clusterArn: cluster, taskDefinitionArn: "arn:aws:ecs:us-east-1:000000000000:task-definition/app:1",
      launchType: "FARGATE", capacityProviderName: p, desiredStatus: "RUNNING", lastStatus: "RUNNING", version: 1,
    };
    saveTask(db, scope, task);
    return task.taskArn!;
  });
  const stops: Array<{ arn: string; why: StopRequest }> = [];
  const runner = { stop: (arn: string, why: StopRequest) => stops.push({ arn, why }) } as unknown as TaskRunner;
  return { db, arns, stops, runner };
}

test("an interruption marks the task and asks the runner for SIGTERM with the warning as its grace", () => {
  const { db, arns, stops, runner } = setup(["FARGATE_SPOT", "FARGATE"]);
  const config = { spotWarningSeconds: 30, spotInterruptionRatePerHour: 0 };
  assert.throws(() => interruptSpotTask({ db, runner, config }, arns[1]!), /FARGATE_SPOT/);
  interruptSpotTask({ db, runner, config }, arns[0]!);
  const t = findTask(db, arns[0]!)!;
  assert.deepEqual([t.desiredStatus, t.stopCode, t.stoppedReason], ["STOPPED", "SpotInterruption", SPOT_REASON]);
  assert.deepEqual(stops, [{ arn: arns[0], why: { stopCode: "SpotInterruption", reason: SPOT_REASON, graceSeconds: 30 } }]);
  // Again: already stopping, nothing more is asked.
  interruptSpotTask({ db, runner, config }, arns[0]!);
  assert.equal(stops.length, 1);
});

test("chaos: the injected clock and Rng decide; only FARGATE_SPOT tasks are touched; rate 0 never interrupts", () => {
  const log = createLogger("silent");
  let now = 0;
  const clock = { now: () => new Date(now) };
  const off = setup(["FARGATE_SPOT"]);
  const idle = startSpotChaos({ ...off, config: { spotWarningSeconds: 120, spotInterruptionRatePerHour: 0 }, clock, log, seed: "s" });
  now += 3_600_000;
  idle.tick();
  assert.equal(off.stops.length, 0);

  const on = setup(["FARGATE_SPOT", "FARGATE", "FARGATE_SPOT"]);
  // An Rng below every probability: each tick interrupts every running Spot task.
  const chaos = startSpotChaos({ ...on, config: { spotWarningSeconds: 120, spotInterruptionRatePerHour: 60 }, clock, log, seed: "s", rng: { next: () => 0 }, intervalMs: 3_600_000 });
  now += 1000;
  chaos.tick();
  chaos.stop();
  assert.deepEqual(on.stops.map((s) => s.arn), [on.arns[0], on.arns[2]]);
});
