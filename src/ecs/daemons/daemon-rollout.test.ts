import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { migrate } from "../../store/database.js";
import { saveTask } from "../tasks/task-store.js";
import { bakeState, watchDeployment } from "./daemon-rollout.js";
import { findDaemon, findDeployment, recordDaemonTask, saveDaemon, saveDeployment, saveRevision, type StoredDaemon, type StoredDeployment } from "./daemon-store.js";

const scope = { account: "000000000000", region: "us-east-1" };
const base = "arn:aws:ecs:us-east-1:000000000000";
const clusterArn = `${base}:cluster/dev`;
const daemonArn = `${base}:daemon/dev/agent`;
const rev = (id: string) => `${base}:daemon-revision/dev/agent/${id}`;
const dep = (id: string) => `${base}:daemon-deployment/dev/agent/${id}`;
const t0 = new Date(Date.UTC(2026, 0, 1));
const at = (ms: number) => new Date(t0.getTime() + ms);
const quiet = { inAlarm: () => [] };

function deployment(id: string, target: string, over: Partial<StoredDeployment> = {}): StoredDeployment {
  return {
    daemonArn, daemonDeploymentArn: dep(id), clusterArn, status: "IN_PROGRESS", createdAt: t0, startedAt: t0, sourceRevisionArns: [], targetRevisionArn: rev(target),
    deploymentConfiguration: { drainPercent: 25, bakeTimeInMinutes: 0 }, circuitBreaker: { status: "MONITORING", failureCount: 0, threshold: 3 }, alarms: { status: "DISABLED" }, ...over,
  };
}

/** A daemon on revision "b", deployed by "d2" from "a", which "d1" completed (unless `completed` is false). */
function world(completed = true, d2: Partial<StoredDeployment> = {}) {
  const db = new Database(":memory:");
  migrate(db);
  for (const id of ["a", "b"]) saveRevision(db, scope, daemonArn, { daemonRevisionArn: rev(id), daemonArn, clusterArn, createdAt: t0, capacityProviderArns: [`${base}:capacity-provider/pool`] });
  if (completed) saveDeployment(db, scope, deployment("d1", "a", { status: "SUCCESSFUL", finishedAt: t0 }));
  saveDeployment(db, scope, deployment("d2", "b", d2));
  const daemon: StoredDaemon = { daemonArn, daemonName: "agent", clusterArn, status: "ACTIVE", createdAt: t0, updatedAt: t0, revisionArn: rev("b"), deploymentArn: dep("d2") };
  saveDaemon(db, scope, daemon);
  let n = 0;
  const stoppedTask = (revision: string, stopCode: "EssentialContainerExited" | "ServiceSchedulerInitiated", stoppedAt = at((n + 1) * 1000)) => {
    const taskArn = `${base}:task/dev/t${++n}`;
    saveTask(db, scope, { taskArn, clusterArn, taskDefinitionArn: `${base}:daemon-task-definition/agent:1`, launchType: "EC2", desiredStatus: "STOPPED", lastStatus: "STOPPED", stopCode, stoppedAt });
    recordDaemonTask(db, daemonArn, { taskArn, revisionArn: rev(revision), instanceArn: `${base}:container-instance/dev/i${n}` });
  };
  return { db, daemon, stoppedTask };
}

test("bake time: held once a step is done, for the bake time from then; a step under way or none done yet does not bake", () => {
  const d = deployment("d", "b", { deploymentConfiguration: { bakeTimeInMinutes: 2 } });
  assert.deepEqual(bakeState(d, 1, 1, 5_000), { holding: false }, "an instance between tasks: the step is under way");
  assert.deepEqual(bakeState(d, 0, 0, 5_000), { holding: false }, "no instance runs the target yet: nothing to bake");
  assert.deepEqual(bakeState(d, 0, 2, 5_000), { holding: true, bakeStartedAt: 5_000 }, "a step just done: the bake begins now");
  const baking = { ...d, bakeStartedAt: 5_000 };
  assert.deepEqual(bakeState(baking, 0, 2, 5_000 + 119_999), { holding: true, bakeStartedAt: 5_000 });
  assert.deepEqual(bakeState(baking, 0, 2, 5_000 + 120_000), { holding: false, bakeStartedAt: 5_000 }, "baked: the next step (or the end) may follow");
  assert.deepEqual(bakeState(baking, 1, 2, 5_000 + 60_000), { holding: false }, "an instance falling between tasks restarts the wait");
  assert.deepEqual(bakeState({ ...baking, status: "ROLLBACK_IN_PROGRESS" }, 0, 2, 6_000), { holding: false }, "a rollback does not bake");
  assert.deepEqual(bakeState(deployment("d", "b"), 0, 2, 6_000), { holding: false }, "no bake time");
});

test("circuit breaker: the target's tasks that stopped on their own are counted; at the threshold the daemon goes back to the last completed revision", () => {
  const { db, daemon, stoppedTask } = world();
  stoppedTask("b", "EssentialContainerExited");
  stoppedTask("b", "ServiceSchedulerInitiated");
  stoppedTask("a", "EssentialContainerExited");
  assert.equal(watchDeployment(db, scope, at(10_000), quiet, daemon, findDeployment(db, dep("d2"))).revisionArn, rev("b"));
  assert.deepEqual(findDeployment(db, dep("d2"))!.circuitBreaker, { status: "MONITORING", failureCount: 1, threshold: 3 });

  stoppedTask("b", "EssentialContainerExited");
  stoppedTask("b", "EssentialContainerExited");
  const after = watchDeployment(db, scope, at(20_000), quiet, daemon, findDeployment(db, dep("d2")));
  assert.equal(after.revisionArn, rev("a"));
  assert.equal(findDaemon(db, daemonArn)!.revisionArn, rev("a"));
  const d = findDeployment(db, dep("d2"))!;
  assert.equal(d.status, "ROLLBACK_IN_PROGRESS");
  assert.equal(d.statusReason, "ECS deployment circuit breaker: tasks failed to start.");
  assert.deepEqual(d.circuitBreaker, { status: "TRIGGERED", failureCount: 3, threshold: 3 });
  assert.deepEqual(d.rollback, { reason: d.statusReason, rollbackCapacityProviders: [`${base}:capacity-provider/pool`], rollbackTargetDaemonRevisionArn: rev("a"), startedAt: at(20_000) });

  // The revision rolled back to failing in turn (its failures before the rollback do not count) fails the rollback.
  for (let i = 0; i < 2; i++) stoppedTask("a", "EssentialContainerExited", at(25_000));
  watchDeployment(db, scope, at(26_000), quiet, after, findDeployment(db, dep("d2")));
  assert.equal(findDeployment(db, dep("d2"))!.status, "ROLLBACK_IN_PROGRESS");
  stoppedTask("a", "EssentialContainerExited", at(27_000));
  watchDeployment(db, scope, at(30_000), quiet, after, findDeployment(db, dep("d2")));
  assert.equal(findDeployment(db, dep("d2"))!.status, "ROLLBACK_FAILED");
});

test("alarms: one in ALARM since the deployment began fails it; with no completed deployment to go back to it is STOPPED", () => {
  const { db, daemon } = world(false, { alarms: { status: "MONITORING", alarmNames: ["errors", "latency"], triggeredAlarmNames: [] } });
  const asked: Array<[readonly string[], Date]> = [];
  const alarms = { inAlarm: (_: unknown, names: readonly string[], since: Date) => (asked.push([names, since]), ["latency"]) };
  assert.equal(watchDeployment(db, scope, at(5_000), alarms, daemon, findDeployment(db, dep("d2"))).revisionArn, rev("b"));
  assert.deepEqual(asked, [[["errors", "latency"], t0]]);
  const d = findDeployment(db, dep("d2"))!;
  assert.equal(d.status, "STOPPED");
  assert.equal(d.statusReason, "ECS deployment failed: alarm(s) in ALARM state: latency.");
  assert.deepEqual(d.alarms, { status: "TRIGGERED", alarmNames: ["errors", "latency"], triggeredAlarmNames: ["latency"] });
  assert.equal(d.circuitBreaker!.status, "MONITORING_COMPLETE");
  assert.deepEqual([d.finishedAt, d.stoppedAt, d.rollback], [at(5_000), at(5_000), undefined]);
});
