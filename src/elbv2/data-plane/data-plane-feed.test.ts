import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { openDatabase } from "../../store/database.js";
import type { DataPlane } from "../../dataplane/data-plane.js";
import type { DataPlaneSnapshot } from "../../dataplane/snapshot.js";
import { saveLoadBalancer } from "../load-balancers/load-balancer-store.js";
import { saveListener } from "../listeners/listener-store.js";
import { saveRule } from "../rules/rule-store.js";
import { saveTargetGroup } from "../target-groups/target-group-store.js";
import { putTarget, releaseTarget, rememberHealth } from "../targets/target-store.js";
import { buildSnapshot } from "./snapshot-builder.js";
import { createDataPlaneFeed } from "./data-plane-feed.js";
import { createDataPlaneHealth } from "./data-plane-health.js";

const scope = { account: "000000000000", region: "us-east-1" };
const LB = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/0123456789abcdef";
const TG = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef";
const LISTENER = LB.replace(":loadbalancer/", ":listener/") + "/fedcba9876543210";

function store() {
  const dir = mkdtempSync(join(tmpdir(), "berth-feed-"));
  const db = openDatabase(dir);
  saveLoadBalancer(db, scope, { doc: { LoadBalancerArn: LB, LoadBalancerName: "web", Type: "application" }, address: "127.100.0.1", attributes: { "idle_timeout.timeout_seconds": "30" } });
  saveTargetGroup(db, scope, {
    doc: { TargetGroupArn: TG, TargetGroupName: "web", Protocol: "HTTP", Port: 80, TargetType: "ip", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 4, HealthCheckPath: "/health" },
    attributes: { "deregistration_delay.timeout_seconds": "10", "load_balancing.algorithm.type": "least_outstanding_requests" },
  });
  const forward = [{ Type: "forward" as const, TargetGroupArn: TG }];
  saveListener(db, { ListenerArn: LISTENER, LoadBalancerArn: LB, Port: 80, Protocol: "HTTP", DefaultActions: forward });
  saveRule(db, LISTENER, { RuleArn: `${LISTENER}/default`, IsDefault: true, Priority: "default", Conditions: [], Actions: forward });
  saveRule(db, LISTENER, { RuleArn: `${LISTENER}/r1`, IsDefault: false, Priority: "10", Conditions: [{ Field: "path-pattern", Values: ["/api/*"] }], Actions: forward });
  return { db, cleanup: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

test("the snapshot: listeners with their non-default rules, parsed attributes, scaled health checks, draining targets", () => {
  const { db, cleanup } = store();
  putTarget(db, TG, { id: "127.0.0.2", port: 8080 }, 1000);
  putTarget(db, TG, { id: "127.0.0.3", port: 8080 }, 1000);
  releaseTarget(db, TG, { id: "127.0.0.3", port: 8080 }, 50_000);
  const snap = buildSnapshot(db, 2000, { healthCheckSpeedup: 10 });
  assert.equal(snap.loadBalancers[0]!.Address, "127.100.0.1");
  assert.equal(snap.loadBalancers[0]!.IdleTimeoutSeconds, 30);
  assert.deepEqual(snap.loadBalancers[0]!.Listeners[0]!.Rules.map((r) => [r.Priority, r.Conditions[0]!.Field]), [[10, "path-pattern"]]);
  const group = snap.targetGroups[0]!;
  assert.equal(group.HealthCheck.HealthCheckIntervalSeconds, 0.5);
  assert.equal(group.HealthCheck.HealthCheckPath, "/health");
  assert.equal(group.Attributes["load_balancing.algorithm.type"], "least_outstanding_requests");
  assert.deepEqual(group.Targets, [
    { Id: "127.0.0.2", Address: "127.0.0.2", Port: 8080, State: "registered" },
    // Deregistered at 40 000 with a 10 s delay: the drain ends at drain_until (50 000).
    { Id: "127.0.0.3", Address: "127.0.0.3", Port: 8080, State: "draining", DeregisteredAt: 40_000 },
  ]);
  // Once the drain has ended the target is gone.
  assert.deepEqual(buildSnapshot(db, 50_000).targetGroups[0]!.Targets.map((t) => t.Id), ["127.0.0.2"]);
  cleanup();
});

test("changes are coalesced: one apply in flight, one queued that reads the latest store", async () => {
  const { db, cleanup } = store();
  const applied: DataPlaneSnapshot[] = [];
  let release: () => void = () => {};
  const dataPlane = {
    apply: (s: DataPlaneSnapshot) => (applied.push(s), new Promise<void>((resolve) => (release = resolve))),
  } as unknown as DataPlane;
  let refreshed = 0;
  const feed = createDataPlaneFeed({ db, clock: { now: () => new Date(0) } as never, dataPlane, log: pino({ level: "silent" }), afterApply: () => refreshed++ });
  const first = feed.changed();
  putTarget(db, TG, { id: "127.0.0.2", port: 8080 }, 0);
  const later = [feed.changed(), feed.changed(), feed.changed()];
  assert.equal(applied.length, 1);
  release();
  await first;
  await new Promise((r) => setImmediate(r));
  assert.equal(applied.length, 2);
  assert.equal(applied[1]!.targetGroups[0]!.Targets.length, 1, "the queued apply read the change");
  release();
  await Promise.all(later);
  assert.equal(applied.length, 2);
  assert.equal(refreshed, 2);
  await feed.close();
  cleanup();
});

test("a listener the data plane could not bind: logged as an error once, reported for its load balancer, tried again until it is bound", async () => {
  const { db, cleanup } = store();
  const reason = "127.100.0.1:80 (HTTP): listen EADDRINUSE: address already in use 127.100.0.1:80";
  let held = 2; // the first two applies find the address held
  let applies = 0;
  const dataPlane = {
    apply: async () => (applies++, { frontsSkipped: [], listenersUnbound: held-- > 0 ? [{ LoadBalancerArn: LB, ListenerArn: LISTENER, reason }] : [] }),
  } as unknown as DataPlane;
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const feed = createDataPlaneFeed({ db, clock: { now: () => new Date(0) } as never, dataPlane, log, retryMs: 20 });
  await feed.changed();
  assert.equal(feed.unboundListeners(LB), reason);
  assert.equal(feed.unboundListeners("arn:other"), undefined);
  const errors = () => lines.filter((l) => l.level === 50);
  assert.equal(errors().length, 1);
  assert.match(errors()[0]!.msg, /another program holds their address and port \(127\.100\.0\.1:80 \(HTTP\): listen EADDRINUSE/);
  // No change made: the feed applies again by itself until the listener is bound.
  for (let waited = 0; applies < 3 && waited < 200; waited++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(applies, 3);
  assert.equal(feed.unboundListeners(LB), undefined);
  assert.equal(errors().length, 1, "the same failure again is not logged again");
  assert.ok(lines.some((l) => l.msg === "every load balancer listener is bound again"));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(applies, 3, "no more tries once every listener is bound");
  await feed.close();
  cleanup();
});

test("the health the data plane reports is kept, answered before a restarted data plane reports, and handed back in the snapshot", async () => {
  const { db, cleanup } = store();
  putTarget(db, TG, { id: "127.0.0.2", port: 8080 }, 0);
  putTarget(db, TG, { id: "127.0.0.3", port: 8080 }, 0);
  const ramping = { State: "healthy" as const, SlowStartFrom: 1234 };
  let report: unknown[] = [{
    TargetGroupArn: TG,
    TargetHealthDescriptions: [
      { Target: { Id: "127.0.0.2", Port: 8080 }, TargetHealth: { State: "healthy" } },
      { Target: { Id: "127.0.0.3", Port: 8080 }, TargetHealth: { State: "initial", Reason: "Elb.InitialHealthChecking" } },
    ],
    Memory: { "127.0.0.2|8080": ramping },
  }];
  const dataPlane = { targetHealth: async () => report } as unknown as DataPlane;
  const log = pino({ level: "silent" });
  const health = createDataPlaneHealth({ dataPlane, log, db, intervalMs: 60_000 });
  health.refresh();
  await new Promise((r) => setImmediate(r));
  const targets = () => buildSnapshot(db, 0).targetGroups[0]!.Targets;
  assert.deepEqual(targets().map((t) => t.Health), [ramping, undefined]);
  health.stop();

  // A restarted Berth: its data plane has not reported yet; the kept state answers meanwhile.
  const silent = { targetHealth: () => new Promise(() => {}) } as unknown as DataPlane;
  const restarted = createDataPlaneHealth({ dataPlane: silent, log, db, intervalMs: 60_000 });
  const of = (id: string) => restarted.healthOf({ targetGroupArn: TG, id, port: 8080 }).State;
  assert.equal(of("127.0.0.2"), "healthy");
  assert.equal(of("127.0.0.3"), "initial");
  restarted.stop();

  // Nothing to keep any more (the group no longer in use, say): the kept state goes.
  report = [{ TargetGroupArn: TG, TargetHealthDescriptions: [{ Target: { Id: "127.0.0.2", Port: 8080 }, TargetHealth: { State: "unused" } }] }];
  const again = createDataPlaneHealth({ dataPlane, log, db, intervalMs: 60_000 });
  again.refresh();
  await new Promise((r) => setImmediate(r));
  assert.equal(targets()[0]!.Health, undefined);
  again.stop();

  // A target deregistered and registered again starts afresh.
  rememberHealth(db, TG, { id: "127.0.0.3", port: 8080 }, { State: "unhealthy", Reason: "Target.Timeout" });
  assert.deepEqual(targets()[1]!.Health, { State: "unhealthy", Reason: "Target.Timeout" });
  releaseTarget(db, TG, { id: "127.0.0.3", port: 8080 }, 10_000);
  putTarget(db, TG, { id: "127.0.0.3", port: 8080 }, 5000);
  assert.equal(targets()[1]!.Health, undefined);
  cleanup();
});
