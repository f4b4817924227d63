import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import type { Deployment, Service } from "@aws-sdk/client-ecs";
import { migrate } from "../../store/database.js";
import { initialServiceState, type ServicePlan } from "./service-plan-types.js";
import { saveService } from "./service-store.js";
import { beginServiceDeployment, findServiceDeployment, revisionArnOf } from "./service-deployment-store.js";
import { followServiceDeployments } from "./service-deployment-sync.js";

const scope = { account: "000000000000", region: "us-east-1" };
const arn = "arn:aws:ecs:us-east-1:000000000000:service/dev/web";
const def = (n: number) => ({ taskDefinitionArn: `arn:aws:ecs:us-east-1:000000000000:task-definition/web:${n}`, containerDefinitions: [{ name: "app", image: `web:${n}` }] });
const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));

/** A service and what the scheduler's plans say, step by step, as apply() passes them on. */
function world() {
  const db = new Database(":memory:");
  migrate(db);
  let svc: Service = {
    serviceArn: arn, serviceName: "web", clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/dev", status: "ACTIVE", schedulingStrategy: "REPLICA", desiredCount: 2,
    launchType: "FARGATE", deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } }, deployments: [],
  };
  const deploy = (id: string, n: number, now: Date) => {
    const d: Deployment = { id, status: "PRIMARY", taskDefinition: def(n).taskDefinitionArn, rolloutState: "IN_PROGRESS", launchType: "FARGATE" };
    svc = { ...svc, taskDefinition: d.taskDefinition, deployments: [d, ...svc.deployments!.map((x) => ({ ...x, status: "ACTIVE" }))] };
    const rec = beginServiceDeployment(db, scope, svc, d, def(n), now);
    saveService(db, { scope, service: svc, state: initialServiceState() });
    return rec.doc.serviceDeploymentArn!;
  };
  const decide = (plan: Partial<ServicePlan>, deployments: Array<[string, string]>, now: Date) => {
    const byId = new Map(svc.deployments!.map((d) => [d.id!, d]));
    svc = { ...svc, deployments: deployments.map(([id, rolloutState], i) => ({ ...byId.get(id)!, status: i === 0 ? "PRIMARY" : "ACTIVE", rolloutState: rolloutState as Deployment["rolloutState"] })) };
    const full: ServicePlan = { deployments: deployments.map(([id, r]) => ({ id, status: "PRIMARY", rolloutState: r as "IN_PROGRESS", rolloutStateReason: "", failedTasks: 0 })), accounted: [], stops: [], events: [], state: initialServiceState(), inactive: false, desiredCount: 2, ...plan };
    followServiceDeployments(db, svc, full, full.state, now);
  };
  return { db, deploy, decide, status: (a: string) => findServiceDeployment(db, a)!.doc };
}

test("a deployment's record: PENDING, IN_PROGRESS at the first decision, SUCCESSFUL when it completes; sources are the older revisions", () => {
  const w = world();
  const first = w.deploy("ecs-svc/1", 1, at(0));
  assert.equal(w.status(first).status, "PENDING");
  w.decide({}, [["ecs-svc/1", "IN_PROGRESS"]], at(1));
  assert.equal(w.status(first).status, "IN_PROGRESS");
  assert.deepEqual(w.status(first).startedAt, at(1));
  w.decide({}, [["ecs-svc/1", "COMPLETED"]], at(5));
  const done = w.status(first);
  assert.equal(done.status, "SUCCESSFUL");
  assert.deepEqual(done.finishedAt, at(5));
  assert.equal(done.deploymentCircuitBreaker!.status, "MONITORING_COMPLETE");

  const second = w.deploy("ecs-svc/2", 2, at(10));
  assert.deepEqual(w.status(second).sourceServiceRevisions!.map((s) => s.arn), [revisionArnOf(w.db, arn, "ecs-svc/1")]);
  // A third deployment before the second is over: the second is STOPPED.
  const third = w.deploy("ecs-svc/3", 1, at(11));
  assert.equal(w.status(second).status, "STOPPED");
  assert.equal(w.status(third).status, "PENDING");
});

test("a failure with rollback: ROLLBACK_IN_PROGRESS, then ROLLBACK_SUCCESSFUL when the deployment rolled back to completes; without: STOPPED", () => {
  const w = world();
  w.deploy("ecs-svc/1", 1, at(0));
  w.decide({}, [["ecs-svc/1", "COMPLETED"]], at(1));
  const bad = w.deploy("ecs-svc/2", 2, at(2));
  w.decide({}, [["ecs-svc/2", "IN_PROGRESS"], ["ecs-svc/1", "COMPLETED"]], at(3));
  const failure = { deploymentId: "ecs-svc/2", cause: "CIRCUIT_BREAKER" as const, reason: "ECS deployment circuit breaker: tasks failed to start.", failedTasks: 3 };
  w.decide({ failure, rolledBackTo: "ecs-svc/1" }, [["ecs-svc/1", "IN_PROGRESS"], ["ecs-svc/2", "FAILED"]], at(4));
  let rec = w.status(bad);
  assert.equal(rec.status, "ROLLBACK_IN_PROGRESS");
  assert.deepEqual(rec.rollback, { reason: failure.reason, startedAt: at(4), serviceRevisionArn: revisionArnOf(w.db, arn, "ecs-svc/1") });
  assert.deepEqual(rec.deploymentCircuitBreaker, { status: "TRIGGERED", failureCount: 3, threshold: 3 });
  w.decide({}, [["ecs-svc/1", "COMPLETED"]], at(9));
  rec = w.status(bad);
  assert.equal(rec.status, "ROLLBACK_SUCCESSFUL");
  assert.deepEqual(rec.finishedAt, at(9));

  const alarmed = w.deploy("ecs-svc/3", 2, at(10));
  w.decide({ failure: { deploymentId: "ecs-svc/3", cause: "ALARM", reason: "r", failedTasks: 0, alarms: ["a"] } }, [["ecs-svc/3", "FAILED"], ["ecs-svc/1", "COMPLETED"]], at(11));
  rec = w.status(alarmed);
  assert.equal(rec.status, "STOPPED");
  assert.deepEqual(rec.alarms, { status: "TRIGGERED", triggeredAlarmNames: ["a"] });
  assert.deepEqual(rec.stoppedAt, at(11));
});
