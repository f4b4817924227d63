import { test } from "node:test";
import assert from "node:assert/strict";
import { planService } from "./service-plan.js";
import { initialServiceState, type PlanDeployment, type PlanTask, type ServicePlanInput, type ServiceState } from "./service-plan-types.js";
import { circuitBreakerThreshold, deploymentBounds, shiftPlan } from "./deployment-rules.js";

/**
 * A simulated service at fast, fake time: each decision is followed by one step of the world —
 * started tasks go PENDING -> RUNNING -> HEALTHY, stopped ones go STOPPED, tasks of a "crashing"
 * deployment die on their own right after RUNNING. One tick is one second. With a `targetGroup`
 * the service is behind a load balancer: its tasks have no container health check, a RUNNING
 * task is registered (target "initial"), and its target then turns healthy, or unhealthy for a
 * deployment in `unhealthyTargets`; deployments in `initialTargets` stay "initial".
 */
class World {
  now = 1_000_000;
  tasks: Array<PlanTask & { age: number; stoppedReason?: string }> = [];
  deployments: PlanDeployment[] = [];
  state: ServiceState = initialServiceState();
  events: string[] = [];
  crashing = new Set<string>();
  unhealthyTargets = new Set<string>();
  initialTargets = new Set<string>();
  seq = 0;
  /** The traffic shares (tenths of a percent) moved to, in order. */
  shifts: number[] = [];
  /** Every traffic move, in order: `test:<deployment>` or `production:<deployment>:<tenths>`. */
  moves: string[] = [];
  log: Array<{ live: number; healthy: number; byDeployment: Record<string, number> }> = [];

  constructor(readonly config: Partial<ServicePlanInput> & { desiredCount: number }, readonly targetGroup?: string) {}

  deploy(id: string) {
    for (const d of this.deployments) d.status = "ACTIVE";
    this.deployments.unshift({ id, status: "PRIMARY", rolloutState: "IN_PROGRESS", rolloutStateReason: `ECS deployment ${id} in progress.`, failedTasks: 0 });
  }

  input(): ServicePlanInput {
    return {
      now: this.now, name: "web", status: "ACTIVE", schedulingStrategy: "REPLICA", minimumHealthyPercent: 100, maximumPercent: 200,
      circuitBreaker: { enable: false, rollback: false }, healthCheckGracePeriodSeconds: 0,
      deployments: this.deployments, tasks: this.tasks, state: this.state, ...this.config,
    };
  }

  tick() {
    const plan = planService(this.input());
    this.deployments = plan.deployments;
    this.state = plan.state;
    this.events.push(...plan.events);
    // What the controller does for BLUE_GREEN: the test rules, then the production rules, now send traffic to that deployment.
    if (plan.testShiftTo && this.config.blueGreen) {
      this.config.blueGreen = { ...this.config.blueGreen, test: plan.testShiftTo };
      this.moves.push(`test:${plan.testShiftTo}`);
    }
    if (plan.shiftTo) this.moves.push(`production:${plan.shiftTo.deploymentId}:${plan.shiftTo.tenths}`);
    if (plan.shiftTo && this.config.blueGreen) {
      const { deploymentId, tenths } = plan.shiftTo;
      const { shifting: _done, ...rest } = this.config.blueGreen;
      this.config.blueGreen = tenths >= 1000 ? { ...rest, production: deploymentId, productionSince: this.now } : { ...rest, shifting: { deploymentId, tenths, since: this.now } };
      this.shifts.push(tenths);
    }
    for (const arn of plan.accounted) this.find(arn).accounted = true;
    for (const s of plan.stops) Object.assign(this.find(s.taskArn), { desiredStatus: "STOPPED", stopCode: "ServiceSchedulerInitiated", stoppedReason: s.reason });
    for (let i = 0; i < (plan.start?.count ?? 0); i++) {
      const lb = this.targetGroup ? { targets: [], hasHealthCheck: false } : { hasHealthCheck: true };
      this.tasks.push({ arn: `arn:aws:ecs:us-east-1:1:task/c/t${++this.seq}`, deploymentId: plan.start!.deploymentId, lastStatus: "PROVISIONING", desiredStatus: "RUNNING", health: "UNKNOWN", accounted: false, age: 0, ...lb });
    }
    this.record();
    this.step();
    this.now += 1000;
    return plan;
  }

  /** The world moves on: one status step per task. */
  step() {
    for (const t of this.tasks) {
      t.age++;
      if (t.lastStatus === "STOPPED") continue;
      if (t.desiredStatus === "STOPPED") t.lastStatus = "STOPPED";
      else if (t.lastStatus === "PROVISIONING") t.lastStatus = "PENDING";
      else if (t.lastStatus === "PENDING") Object.assign(t, { lastStatus: "RUNNING", startedAt: this.now });
      else if (this.crashing.has(t.deploymentId)) Object.assign(t, { lastStatus: "STOPPED", desiredStatus: "STOPPED", stopCode: "EssentialContainerExited" });
      else if (t.targets?.length === 0) t.targets = [{ targetGroupArn: this.targetGroup!, id: `10.0.0.${this.tasks.indexOf(t) + 1}`, port: 8080, state: "initial" }];
      else if (t.targets && !this.initialTargets.has(t.deploymentId)) {
        const failing = this.unhealthyTargets.has(t.deploymentId);
        t.targets = t.targets.map((x) => ({ ...x, state: failing ? "unhealthy" : "healthy", ...(failing ? { description: "Health checks failed with these codes: [404]" } : {}) }));
      } else if (t.health === "UNKNOWN" && t.hasHealthCheck) t.health = "HEALTHY";
    }
  }

  record() {
    const live = this.tasks.filter((t) => t.lastStatus !== "STOPPED");
    const healthy = live.filter((t) => t.lastStatus === "RUNNING" && t.desiredStatus === "RUNNING" && (t.targets ? t.targets.length > 0 && t.targets.every((x) => x.state === "healthy") : t.health === "HEALTHY"));
    const byDeployment: Record<string, number> = {};
    for (const t of live.filter((x) => x.lastStatus === "RUNNING")) byDeployment[t.deploymentId] = (byDeployment[t.deploymentId] ?? 0) + 1;
    this.log.push({ live: live.length, healthy: healthy.length, byDeployment });
  }

  find(arn: string) {
    return this.tasks.find((t) => t.arn === arn)!;
  }

  runUntil(done: () => boolean, max = 200) {
    for (let i = 0; i < max && !done(); i++) this.tick();
    assert.ok(done(), `not done after ${max} ticks; events: ${this.events.join(" | ")}`);
  }

  get primary() {
    return this.deployments[0]!;
  }
  running(deploymentId?: string) {
    return this.tasks.filter((t) => t.lastStatus === "RUNNING" && (!deploymentId || t.deploymentId === deploymentId)).length;
  }
}

test("bounds: min rounds up, max rounds down, as ECS documents", () => {
  assert.deepEqual(deploymentBounds(4, 50, 200), { minHealthy: 2, maxTotal: 8 });
  assert.deepEqual(deploymentBounds(3, 50, 150), { minHealthy: 2, maxTotal: 4 });
  assert.deepEqual(deploymentBounds(5, 100, 125), { minHealthy: 5, maxTotal: 6 });
  assert.deepEqual(deploymentBounds(3, 33, 133), { minHealthy: 1, maxTotal: 3 });
  assert.deepEqual(deploymentBounds(0, 100, 200), { minHealthy: 0, maxTotal: 0 });
});

test("circuit breaker threshold: half the desired count, rounded up, clamped to 3..200", () => {
  assert.deepEqual([1, 2, 6, 7, 25, 400, 800].map(circuitBreakerThreshold), [3, 3, 3, 4, 13, 200, 200]);
});

test("a new service starts its tasks, completes its deployment and reaches steady state", () => {
  const w = new World({ desiredCount: 3 });
  w.deploy("ecs-svc/1");
  const first = w.tick();
  assert.deepEqual(first.start, { deploymentId: "ecs-svc/1", count: 3 });
  w.runUntil(() => w.state.steady);
  assert.equal(w.primary.rolloutState, "COMPLETED");
  assert.equal(w.primary.rolloutStateReason, "ECS deployment ecs-svc/1 completed.");
  assert.deepEqual(w.events, ["(service web) (deployment ecs-svc/1) deployment completed.", "(service web) has reached a steady state."]);
  // Steady state is written once, not at every decision.
  w.tick();
  w.tick();
  assert.equal(w.events.filter((e) => /steady state/.test(e)).length, 1);
});

test("a task that dies is replaced and the service reaches steady state again", () => {
  const w = new World({ desiredCount: 2 });
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  const victim = w.tasks.find((t) => t.lastStatus === "RUNNING")!;
  Object.assign(victim, { lastStatus: "STOPPED", desiredStatus: "STOPPED", stopCode: "EssentialContainerExited" });
  const plan = w.tick();
  assert.deepEqual(plan.accounted, [victim.arn]);
  assert.deepEqual(plan.start, { deploymentId: "ecs-svc/1", count: 1 });
  w.runUntil(() => w.state.steady);
  assert.equal(w.running(), 2);
  assert.equal(w.events.filter((e) => /steady state/.test(e)).length, 2);
});

for (const [min, max] of [[100, 200], [50, 200], [50, 150], [0, 100], [75, 125], [100, 125]] as const) {
  test(`a rolling update with minimumHealthyPercent ${min} and maximumPercent ${max} never breaks either bound`, () => {
    const w = new World({ desiredCount: 4, minimumHealthyPercent: min, maximumPercent: max });
    w.deploy("ecs-svc/1");
    w.runUntil(() => w.state.steady);
    w.log = [];
    w.deploy("ecs-svc/2");
    w.runUntil(() => w.state.steady && w.deployments.length === 1);
    const { minHealthy, maxTotal } = deploymentBounds(4, min, max);
    for (const s of w.log) {
      assert.ok(s.live <= maxTotal, `live ${s.live} > max ${maxTotal}`);
      assert.ok(s.healthy >= minHealthy, `healthy ${s.healthy} < min ${minHealthy}`);
    }
    assert.equal(w.running("ecs-svc/2"), 4);
    assert.equal(w.running("ecs-svc/1"), 0);
    // With minimumHealthyPercent 0 and maximumPercent 100 every old task may go before a new one starts.
    if (min > 0) assert.ok(w.log.some((s) => (s.byDeployment["ecs-svc/1"] ?? 0) > 0 && (s.byDeployment["ecs-svc/2"] ?? 0) > 0), "both revisions ran side by side");
    assert.deepEqual(w.deployments.map((d) => [d.id, d.status, d.rolloutState]), [["ecs-svc/2", "PRIMARY", "COMPLETED"]]);
  });
}

test("with minimumHealthyPercent 100 and maximumPercent 100 nothing can move, and the event says so", () => {
  const w = new World({ desiredCount: 2, minimumHealthyPercent: 100, maximumPercent: 100 });
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.deploy("ecs-svc/2");
  w.tick();
  assert.equal(w.running("ecs-svc/1"), 2);
  assert.match(w.events.at(-1)!, /^\(service web\) was unable to stop or start tasks during a deployment because of the service deployment configuration\./);
});

test("a crashing deployment trips the circuit breaker and rolls back to the last completed one", () => {
  const w = new World({ desiredCount: 2, minimumHealthyPercent: 50, maximumPercent: 200, circuitBreaker: { enable: true, rollback: true } });
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.log = [];
  w.crashing.add("ecs-svc/2");
  w.deploy("ecs-svc/2");
  w.runUntil(() => w.deployments.some((d) => d.rolloutState === "FAILED"));
  const failed = w.deployments.find((d) => d.id === "ecs-svc/2")!;
  assert.equal(failed.status, "ACTIVE");
  assert.equal(failed.rolloutStateReason, "ECS deployment circuit breaker: tasks failed to start.");
  assert.ok(failed.failedTasks >= 3);
  assert.equal(w.primary.id, "ecs-svc/1");
  assert.equal(w.primary.rolloutState, "IN_PROGRESS");
  assert.equal(w.primary.rolloutStateReason, "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1.");
  w.runUntil(() => w.state.steady);
  assert.deepEqual(w.deployments.map((d) => [d.id, d.rolloutState]), [["ecs-svc/1", "COMPLETED"]]);
  assert.equal(w.running("ecs-svc/1"), 2);
  const i = w.events.indexOf("(service web) (deployment ecs-svc/2) deployment failed: tasks failed to start.");
  assert.ok(i >= 0);
  assert.equal(w.events[i + 1], "(service web) rolling back to deployment ecs-svc/1.");
  // Throughout, at least one task of the service stayed healthy (minimumHealthyPercent 50 of 2).
  assert.ok(w.log.every((s) => s.healthy >= 1));
});

test("without rollback a failed deployment stops launching and keeps the old tasks", () => {
  const w = new World({ desiredCount: 2, circuitBreaker: { enable: true, rollback: false } });
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.crashing.add("ecs-svc/2");
  w.deploy("ecs-svc/2");
  w.runUntil(() => w.primary.rolloutState === "FAILED");
  for (let i = 0; i < 10; i++) assert.equal(w.tick().start, undefined);
  assert.equal(w.running("ecs-svc/1"), 2);
  assert.equal(w.primary.id, "ecs-svc/2");
});

test("without the circuit breaker a crashing service is throttled, with ECS's event", () => {
  const w = new World({ desiredCount: 1 });
  w.crashing.add("ecs-svc/1");
  w.deploy("ecs-svc/1");
  for (let i = 0; i < 30; i++) w.tick();
  assert.ok(w.events.includes("(service web) is unable to consistently start tasks successfully."));
  // Without the throttle a task would start every other tick; with it, far fewer.
  assert.ok(w.tasks.length < 10, `${w.tasks.length} tasks started`);
});

test("unhealthy tasks are replaced after the grace period, with ECS's event", () => {
  const w = new World({ desiredCount: 1, healthCheckGracePeriodSeconds: 5 });
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  const t = w.tasks[0]!;
  t.health = "UNHEALTHY";
  const during = w.tick();
  assert.ok(during.stops.length === 0 || w.now - t.startedAt! > 5000);
  w.runUntil(() => t.desiredStatus === "STOPPED");
  assert.ok(w.events.includes(`(service web) (task ${t.arn.split("/").pop()}) failed container health checks.`));
  w.runUntil(() => w.state.steady);
  assert.equal(w.running(), 1);
});

test("scale in stops the tasks chosen by the chooser, and scale out starts more", () => {
  const w = new World({ desiredCount: 4 });
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.config.desiredCount = 1;
  w.config.chooseToStop = (candidates, n) => [...candidates].reverse().slice(0, n);
  const plan = w.tick();
  assert.deepEqual(plan.stops.map((s) => s.taskArn), w.tasks.slice(1, 4).reverse().map((t) => t.arn));
  assert.match(plan.events.at(-1)!, /^\(service web\) has stopped 3 running tasks: \(task t4\) \(task t3\) \(task t2\)\.$/);
  assert.equal(plan.stops[0]!.reason, "Scaling activity initiated by (deployment ecs-svc/1)");
  w.runUntil(() => w.state.steady);
  w.config.desiredCount = 3;
  assert.deepEqual(w.tick().start, { deploymentId: "ecs-svc/1", count: 2 });
});

test("a draining service stops everything and becomes inactive", () => {
  const w = new World({ desiredCount: 3 });
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.config.status = "DRAINING";
  const plan = w.tick();
  assert.equal(plan.stops.length, 3);
  let inactive = false;
  for (let i = 0; i < 5 && !inactive; i++) inactive = w.tick().inactive;
  assert.ok(inactive);
});

test("tasks on an instance that no longer takes tasks are replaced within the bounds", () => {
  const w = new World({ desiredCount: 2, minimumHealthyPercent: 100, maximumPercent: 200, usableInstances: new Set(["i-a", "i-b"]) });
  w.deploy("ecs-svc/1");
  const plan = w.tick();
  assert.equal(plan.start?.count, 2);
  w.tasks.forEach((t, i) => (t.instanceArn = i === 0 ? "i-a" : "i-b"));
  w.runUntil(() => w.state.steady);
  w.config.usableInstances = new Set(["i-b"]);
  const moved = w.tick();
  assert.deepEqual(moved.stops, [], "the healthy task on i-a stays until its replacement is healthy");
  assert.equal(moved.start?.count, 1);
  w.runUntil(() => w.state.steady);
  assert.ok(w.tasks.find((t) => t.instanceArn === "i-a")!.desiredStatus === "STOPPED");
});

test("DAEMON: one task per instance, following instances as they come and go", () => {
  const w = new World({ desiredCount: 0, schedulingStrategy: "DAEMON", minimumHealthyPercent: 0, maximumPercent: 100, daemonInstances: ["i-a", "i-b"] });
  w.deploy("ecs-svc/1");
  const first = w.tick();
  assert.deepEqual(first.start, { deploymentId: "ecs-svc/1", count: 2, instanceArns: ["i-a", "i-b"] });
  assert.equal(first.desiredCount, 2);
  w.tasks.forEach((t, i) => (t.instanceArn = ["i-a", "i-b"][i]));
  w.runUntil(() => w.state.steady);
  w.config.daemonInstances = ["i-a", "i-b", "i-c"];
  assert.deepEqual(w.tick().start?.instanceArns, ["i-c"]);
  w.tasks.at(-1)!.instanceArn = "i-c";
  w.runUntil(() => w.state.steady);
  w.config.daemonInstances = ["i-a", "i-c"];
  const gone = w.tick();
  assert.deepEqual(gone.stops.map((s) => w.find(s.taskArn).instanceArn), ["i-b"]);
  assert.equal(gone.desiredCount, 2);
});

test("tasks found dead after a crash are replaced but never counted by the circuit breaker", () => {
  const w = new World({ desiredCount: 4, circuitBreaker: { enable: true, rollback: true } });
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.deploy("ecs-svc/2");
  w.tick();
  // A power cut: every task of the deployment in progress is found dead at start-up.
  const killed = w.tasks.filter((t) => t.deploymentId === "ecs-svc/2" && t.lastStatus !== "STOPPED");
  assert.ok(killed.length >= 3, "more than the breaker's threshold of tasks were in flight");
  for (const t of killed) Object.assign(t, { lastStatus: "STOPPED", desiredStatus: "STOPPED", stopCode: "EssentialContainerExited", stoppedWhileDown: true });
  w.runUntil(() => w.state.steady);
  assert.deepEqual(w.deployments.map((d) => [d.id, d.rolloutState, d.failedTasks]), [["ecs-svc/2", "COMPLETED", 0]]);
  assert.equal(w.running("ecs-svc/2"), 4);
  assert.ok(!w.events.some((e) => /rolling back|failed to start/.test(e)), w.events.join(" | "));
});

const TG = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/0123456789abcdef";

test("behind a load balancer a new task counts as healthy only once its target is healthy, with no 40-second wait", () => {
  const w = new World({ desiredCount: 2, minimumHealthyPercent: 100, maximumPercent: 200 }, TG);
  w.deploy("ecs-svc/1");
  const began = w.now;
  w.runUntil(() => w.state.steady);
  assert.ok(w.now - began < 40_000, "the targets' health, not the 40-second settle, decided");
  w.log = [];
  w.initialTargets.add("ecs-svc/2");
  w.deploy("ecs-svc/2");
  for (let i = 0; i < 60; i++) w.tick();
  // The new tasks run and are registered, but their targets never left "initial": the old tasks stay.
  assert.equal(w.running("ecs-svc/2"), 2);
  assert.equal(w.running("ecs-svc/1"), 2);
  assert.ok(w.tasks.filter((t) => t.deploymentId === "ecs-svc/2").every((t) => t.targets?.[0]?.state === "initial"));
  assert.equal(w.primary.rolloutState, "IN_PROGRESS");
  w.initialTargets.delete("ecs-svc/2");
  w.runUntil(() => w.state.steady && w.deployments.length === 1);
  assert.equal(w.running("ecs-svc/2"), 2);
  assert.equal(w.running("ecs-svc/1"), 0);
  assert.ok(w.log.every((s) => s.healthy >= 2), "two healthy tasks throughout (minimumHealthyPercent 100)");
});

test("targets unhealthy after the grace period: tasks replaced with ECS's reason and event, the circuit breaker rolls back", () => {
  const w = new World({ desiredCount: 2, minimumHealthyPercent: 100, maximumPercent: 200, healthCheckGracePeriodSeconds: 10, circuitBreaker: { enable: true, rollback: true } }, TG);
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.log = [];
  w.unhealthyTargets.add("ecs-svc/2");
  w.deploy("ecs-svc/2");
  w.runUntil(() => w.deployments.some((d) => d.rolloutState === "FAILED"));
  assert.equal(w.primary.id, "ecs-svc/1");
  const failed = w.tasks.filter((t) => t.deploymentId === "ecs-svc/2" && t.desiredStatus === "STOPPED");
  assert.ok(failed.length >= 3, "the breaker's threshold of 3 was reached");
  for (const t of failed) {
    assert.equal(t.stoppedReason, `Task failed ELB health checks in (target-group ${TG})`);
    const id = t.arn.split("/").pop();
    const ip = t.targets![0]!.id;
    assert.ok(w.events.includes(`(service web) (task ${id}) (port 8080) is unhealthy in (target-group ${TG}) due to (reason Health checks failed with these codes: [404]).`), w.events.join("\n"));
    assert.ok(ip.startsWith("10.0.0."));
  }
  w.runUntil(() => w.state.steady);
  assert.deepEqual(w.deployments.map((d) => [d.id, d.rolloutState]), [["ecs-svc/1", "COMPLETED"]]);
  assert.equal(w.running("ecs-svc/1"), 2);
  assert.ok(w.log.every((s) => s.healthy >= 2), "the old tasks served throughout");
});

test("during the grace period an unhealthy target is ignored; after it the task is stopped", () => {
  const w = new World({ desiredCount: 1, minimumHealthyPercent: 0, maximumPercent: 200, healthCheckGracePeriodSeconds: 30 }, TG);
  w.unhealthyTargets.add("ecs-svc/1");
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.tasks[0]?.targets?.[0]?.state === "unhealthy");
  const t = w.tasks[0]!;
  w.runUntil(() => t.desiredStatus === "STOPPED");
  // The plan that stopped it ran at (now - 1 s); it must not have been before the grace period ended.
  assert.ok(w.now - 1000 >= t.startedAt! + 30_000, `stopped ${w.now - 1000 - t.startedAt!} ms after it started`);
  assert.equal(t.stoppedReason, `Task failed ELB health checks in (target-group ${TG})`);
});

test("task scale-in protection: scale-in skips protected tasks; once protection ends they can go", () => {
  const w = new World({ desiredCount: 3 });
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  const [keep, other] = w.tasks.filter((t) => t.lastStatus === "RUNNING");
  keep!.protected = true;
  other!.protected = true;
  w.config.desiredCount = 1;
  w.runUntil(() => w.running() === 2);
  assert.deepEqual(w.tasks.filter((t) => t.lastStatus === "RUNNING").map((t) => t.arn).sort(), [keep!.arn, other!.arn].sort());
  // Scaling to one leaves both protected tasks: ECS never picks a protected task for scale-in.
  for (let i = 0; i < 5; i++) w.tick();
  assert.equal(w.running(), 2);
  other!.protected = false;
  w.runUntil(() => w.running() === 1);
  assert.equal(w.find(keep!.arn).lastStatus, "RUNNING");
  assert.equal(w.find(other!.arn).desiredStatus, "STOPPED");
});

test("task scale-in protection: a deployment waits for a protected task of the old deployment", () => {
  const w = new World({ desiredCount: 2 });
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  const old = w.tasks.find((t) => t.lastStatus === "RUNNING")!;
  old.protected = true;
  w.deploy("ecs-svc/2");
  w.runUntil(() => w.running("ecs-svc/2") === 2 && w.running("ecs-svc/1") === 1);
  for (let i = 0; i < 5; i++) w.tick();
  assert.equal(w.find(old.arn).lastStatus, "RUNNING", "the protected task stays");
  assert.equal(w.primary.rolloutState, "IN_PROGRESS", "the deployment is not complete while it runs");
  old.protected = false;
  w.runUntil(() => w.primary.rolloutState === "COMPLETED");
  assert.equal(w.find(old.arn).lastStatus, "STOPPED");
});

test("BLUE_GREEN: the green set starts whole beside blue, traffic moves once it is healthy, blue stops after the bake time", () => {
  const w = new World({ desiredCount: 3, blueGreen: { bakeMs: 5000 } }, "arn:tg/blue");
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  assert.equal(w.config.blueGreen!.production, "ecs-svc/1", "the first deployment gets production traffic once healthy");
  w.log = [];
  w.deploy("ecs-svc/2");
  const first = w.tick();
  assert.deepEqual(first.start, { deploymentId: "ecs-svc/2", count: 3 }, "the whole green set at once");
  assert.deepEqual(first.stops, []);
  w.runUntil(() => w.config.blueGreen!.production === "ecs-svc/2");
  const shiftedAt = w.config.blueGreen!.productionSince!;
  assert.ok(w.events.includes("(service web) (deployment ecs-svc/2) production traffic shifted to the new service revision."));
  // Before the shift blue never lost a task; at the shift green was whole and healthy.
  assert.ok(w.log.every((s) => s.byDeployment["ecs-svc/1"] === 3), JSON.stringify(w.log));
  assert.equal(w.running("ecs-svc/2"), 3);
  // During the bake time both sets run; then blue goes all at once and the deployment completes.
  while (w.now < shiftedAt + 5000) {
    assert.deepEqual(w.tick().stops, []);
    assert.equal(w.primary.rolloutState, "IN_PROGRESS");
  }
  assert.equal(w.tick().stops.length, 3);
  w.runUntil(() => w.state.steady);
  assert.deepEqual(w.deployments.map((d) => [d.id, d.rolloutState]), [["ecs-svc/2", "COMPLETED"]]);
  assert.equal(w.running("ecs-svc/1"), 0);
});

test("BLUE_GREEN: a green set that crashes trips the circuit breaker; traffic never moves and blue keeps running whole", () => {
  const w = new World({ desiredCount: 2, circuitBreaker: { enable: true, rollback: true }, blueGreen: { bakeMs: 0 } }, "arn:tg/blue");
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.log = [];
  w.crashing.add("ecs-svc/2");
  w.events = [];
  w.deploy("ecs-svc/2");
  // The rollback can complete in the very decision that fails green: blue is whole and serving.
  w.runUntil(() => w.events.includes("(service web) rolling back to deployment ecs-svc/1.") && w.state.steady);
  assert.equal(w.config.blueGreen!.production, "ecs-svc/1");
  assert.deepEqual(w.deployments.map((d) => [d.id, d.rolloutState]), [["ecs-svc/1", "COMPLETED"]]);
  assert.ok(w.log.every((s) => s.byDeployment["ecs-svc/1"] === 2), "blue never lost a task");
  assert.ok(!w.events.some((e) => e.includes("production traffic shifted")));
});

test("BLUE_GREEN: green failing after the shift rolls back, and traffic moves back to blue before green stops", () => {
  const w = new World({ desiredCount: 2, circuitBreaker: { enable: true, rollback: true }, blueGreen: { bakeMs: 60_000 } }, "arn:tg/blue");
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.deploy("ecs-svc/2");
  w.runUntil(() => w.config.blueGreen!.production === "ecs-svc/2");
  // During the bake time the green tasks start dying.
  w.crashing.add("ecs-svc/2");
  w.runUntil(() => w.deployments.some((d) => d.rolloutState === "FAILED"));
  w.runUntil(() => w.config.blueGreen!.production === "ecs-svc/1");
  assert.equal(w.running("ecs-svc/1"), 2, "blue was still there to take the traffic back");
  w.runUntil(() => w.state.steady);
  assert.deepEqual(w.deployments.map((d) => [d.id, d.rolloutState]), [["ecs-svc/1", "COMPLETED"]]);
});

test("traffic steps: BLUE_GREEN all at once, CANARY the canary share then the rest, LINEAR equal steps ending at 100", () => {
  assert.deepEqual(shiftPlan({ strategy: "BLUE_GREEN" }), { steps: [1000], stepBakeMs: 0 });
  assert.deepEqual(shiftPlan({ strategy: "CANARY" }), { steps: [50, 1000], stepBakeMs: 600_000 });
  assert.deepEqual(shiftPlan({ strategy: "CANARY", canaryConfiguration: { canaryPercent: 12.5, canaryBakeTimeInMinutes: 1 } }), { steps: [125, 1000], stepBakeMs: 60_000 });
  assert.deepEqual(shiftPlan({ strategy: "LINEAR" }).steps, [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  assert.deepEqual(shiftPlan({ strategy: "LINEAR", linearConfiguration: { stepPercent: 33.3, stepBakeTimeInMinutes: 0 } }), { steps: [333, 666, 999, 1000], stepBakeMs: 0 });
});

test("LINEAR: traffic moves in steps a step bake time apart; blue stops only after the last step and the bake time", () => {
  const w = new World({ desiredCount: 2, blueGreen: { bakeMs: 3000, ...shiftPlan({ strategy: "LINEAR", linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 0 } }), stepBakeMs: 4000 } }, "arn:tg/blue");
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.shifts = [];
  w.deploy("ecs-svc/2");
  w.runUntil(() => w.config.blueGreen!.production === "ecs-svc/2");
  assert.deepEqual(w.shifts, [250, 500, 750, 1000]);
  assert.equal(w.running("ecs-svc/1"), 2, "blue runs whole until the bake time is over");
  assert.ok(w.events.includes("(service web) (deployment ecs-svc/2) 25% of production traffic shifted to the new service revision."));
  w.runUntil(() => w.state.steady);
  assert.equal(w.running("ecs-svc/1"), 0);
  assert.deepEqual(w.deployments.map((d) => [d.id, d.rolloutState]), [["ecs-svc/2", "COMPLETED"]]);
});

test("CANARY: a canary that crashes after its share rolls back; the weights go back to blue in one step", () => {
  const w = new World({ desiredCount: 2, circuitBreaker: { enable: true, rollback: true }, blueGreen: { bakeMs: 0, ...shiftPlan({ strategy: "CANARY", canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 10 } }) } }, "arn:tg/blue");
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.shifts = [];
  w.deploy("ecs-svc/2");
  w.runUntil(() => w.config.blueGreen!.shifting?.tenths === 100);
  w.crashing.add("ecs-svc/2");
  w.runUntil(() => w.config.blueGreen!.shifting === undefined);
  assert.deepEqual(w.shifts, [100, 1000], "10% to the canary, then everything back");
  assert.equal(w.config.blueGreen!.production, "ecs-svc/1");
  w.runUntil(() => w.state.steady);
  assert.deepEqual(w.deployments.map((d) => [d.id, d.rolloutState]), [["ecs-svc/1", "COMPLETED"]]);
});

test("BLUE_GREEN: a deployment overtaken before any traffic moved to it stops at once; blue keeps serving until the newest is ready", () => {
  const w = new World({ desiredCount: 2, blueGreen: { bakeMs: 0 } }, "arn:tg/blue");
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.deploy("ecs-svc/2");
  w.tick();
  w.deploy("ecs-svc/3");
  w.runUntil(() => w.running("ecs-svc/2") === 0 && w.tasks.filter((t) => t.deploymentId === "ecs-svc/2").every((t) => t.lastStatus === "STOPPED"));
  assert.equal(w.config.blueGreen!.production, "ecs-svc/1");
  assert.equal(w.running("ecs-svc/1"), 2);
  w.runUntil(() => w.state.steady);
  assert.equal(w.config.blueGreen!.production, "ecs-svc/3");
  assert.deepEqual(w.deployments.map((d) => [d.id, d.rolloutState]), [["ecs-svc/3", "COMPLETED"]]);
});

test("an alarm in ALARM during a deployment fails it and rolls back; the rollback is not failed by the same alarm", () => {
  const w = new World({ desiredCount: 2, minimumHealthyPercent: 50 });
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  // Once a deployment is over, an alarm in ALARM fails nothing.
  w.config.alarms = { inAlarm: ["high-errors"], rollback: true };
  for (let i = 0; i < 3; i++) assert.equal(w.tick().failure, undefined);
  w.config.alarms = undefined;
  w.deploy("ecs-svc/2");
  w.tick();
  w.tick();
  assert.ok(w.tasks.some((t) => t.deploymentId === "ecs-svc/2" && t.lastStatus !== "STOPPED"));
  w.config.alarms = { inAlarm: ["high-errors"], rollback: true };
  const plan = w.tick();
  assert.deepEqual(plan.failure, { deploymentId: "ecs-svc/2", cause: "ALARM", reason: "ECS deployment failed: alarm(s) in ALARM state: high-errors.", failedTasks: 0, alarms: ["high-errors"] });
  assert.equal(plan.rolledBackTo, "ecs-svc/1");
  assert.ok(w.events.includes("(service web) (deployment ecs-svc/2) deployment failed: alarm detected."));
  assert.equal(w.primary.rolloutStateReason, "ECS deployment alarms: rolling back to deploymentId ecs-svc/1.");
  w.runUntil(() => w.state.steady);
  assert.deepEqual(w.deployments.map((d) => [d.id, d.rolloutState]), [["ecs-svc/1", "COMPLETED"]]);
  assert.equal(w.running("ecs-svc/1"), 2);
  assert.equal(w.running("ecs-svc/2"), 0);
});

test("an alarm without rollback fails the deployment, which then launches nothing more", () => {
  const w = new World({ desiredCount: 2 });
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.deploy("ecs-svc/2");
  w.tick();
  w.config.alarms = { inAlarm: ["latency"], rollback: false };
  const plan = w.tick();
  assert.equal(plan.failure?.cause, "ALARM");
  assert.equal(plan.rolledBackTo, undefined);
  assert.equal(w.primary.id, "ecs-svc/2");
  assert.equal(w.primary.rolloutState, "FAILED");
  for (let i = 0; i < 5; i++) assert.equal(w.tick().start, undefined);
  assert.equal(w.running("ecs-svc/1"), 2);
});

test("StopServiceDeployment: ROLLBACK returns to the completed deployment, ABORT leaves the deployment where it is", () => {
  const w = new World({ desiredCount: 2 });
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.deploy("ecs-svc/2");
  w.tick();
  w.state = { ...w.state, stopRequested: { deploymentId: "ecs-svc/2", stopType: "ROLLBACK" } };
  const plan = w.tick();
  assert.equal(plan.failure?.cause, "STOP_REQUESTED");
  assert.equal(plan.rolledBackTo, "ecs-svc/1");
  assert.equal(w.state.stopRequested, undefined);
  assert.ok(w.events.includes("(service web) (deployment ecs-svc/2) deployment stopped."));
  w.runUntil(() => w.state.steady);
  assert.deepEqual(w.deployments.map((d) => d.id), ["ecs-svc/1"]);
  assert.equal(w.running("ecs-svc/1"), 2);

  w.deploy("ecs-svc/3");
  w.tick();
  w.state = { ...w.state, rollback: undefined, stopRequested: { deploymentId: "ecs-svc/3", stopType: "ABORT" } };
  const aborted = w.tick();
  assert.equal(aborted.failure?.reason, "ECS deployment stopped by StopServiceDeployment.");
  assert.equal(aborted.rolledBackTo, undefined);
  assert.equal(w.primary.rolloutState, "FAILED");
  for (let i = 0; i < 5; i++) assert.equal(w.tick().start, undefined);
  // A request for a deployment that is not the one in progress changes nothing.
  w.state = { ...w.state, stopRequested: { deploymentId: "ecs-svc/1", stopType: "ROLLBACK" } };
  assert.equal(w.tick().failure, undefined);
});

test("BLUE_GREEN: an alarm during the bake time rolls back; traffic moves back to blue, then healthy green stops without waiting for the bake time", () => {
  const w = new World({ desiredCount: 2, blueGreen: { bakeMs: 3_600_000 } }, "arn:tg/blue");
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.deploy("ecs-svc/2");
  w.runUntil(() => w.config.blueGreen!.production === "ecs-svc/2");
  const shiftedAt = w.now;
  w.config.alarms = { inAlarm: ["errors"], rollback: true };
  const failed = w.tick();
  assert.equal(failed.failure?.cause, "ALARM");
  assert.equal(failed.rolledBackTo, "ecs-svc/1");
  // Traffic goes back first; green is still whole at that moment.
  assert.equal(failed.shiftTo?.deploymentId, "ecs-svc/1");
  assert.deepEqual(failed.stops, []);
  assert.equal(w.running("ecs-svc/2"), 2);
  w.runUntil(() => w.state.steady, 30);
  assert.ok(w.now - shiftedAt < 3_600_000);
  assert.deepEqual(w.deployments.map((d) => [d.id, d.rolloutState]), [["ecs-svc/1", "COMPLETED"]]);
  assert.equal(w.running("ecs-svc/2"), 0);
  assert.equal(w.running("ecs-svc/1"), 2);
});

test("lifecycle hooks: a LINEAR deployment waits at every hooked stage, in ECS's order, and goes on once each passed", () => {
  const stages = ["PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT", "PRE_PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"];
  const w = new World({ desiredCount: 2, blueGreen: { bakeMs: 0, steps: [500, 1000], stepBakeMs: 0 } }, "arn:tg/blue");
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  const passed = new Map<string, number>();
  w.config.hooks = { stages: new Set(stages), passed };
  w.deploy("ecs-svc/2");
  const waited: string[] = [];
  for (let i = 0; i < 300 && w.primary.rolloutState !== "COMPLETED"; i++) {
    const plan = w.tick();
    if (!plan.awaitingHook) continue;
    if (plan.awaitingHook === "PRE_SCALE_UP") assert.equal(w.running("ecs-svc/2"), 0, "nothing starts before PRE_SCALE_UP passed");
    // The hook answers a few decisions later: meanwhile the deployment holds where it is.
    if (waited.at(-1) !== plan.awaitingHook) waited.push(plan.awaitingHook);
    else passed.set(plan.awaitingHook, w.now);
  }
  assert.deepEqual(waited, [
    "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT:500", "PRODUCTION_TRAFFIC_SHIFT:500", "PRE_PRODUCTION_TRAFFIC_SHIFT:1000", "PRODUCTION_TRAFFIC_SHIFT:1000", "POST_PRODUCTION_TRAFFIC_SHIFT",
  ]);
  assert.deepEqual(w.shifts.slice(-2), [500, 1000]);
  assert.equal(w.primary.rolloutState, "COMPLETED");
});

test("lifecycle hooks: a failed hook rolls the deployment back; the rollback waits at no hook", () => {
  const w = new World({ desiredCount: 1, blueGreen: { bakeMs: 0 } }, "arn:tg/blue");
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.config.hooks = { stages: new Set(["POST_SCALE_UP", "PRE_SCALE_UP"]), passed: new Map([["PRE_SCALE_UP", w.now]]) };
  w.deploy("ecs-svc/2");
  w.runUntil(() => w.tick().awaitingHook === "POST_SCALE_UP");
  assert.equal(w.running("ecs-svc/2"), 1);
  w.config.hooks = { ...w.config.hooks, failed: { reason: "hook said no" } };
  const failing = w.tick();
  assert.equal(failing.failure?.cause, "HOOK");
  assert.equal(failing.rolledBackTo, "ecs-svc/1");
  assert.equal(failing.awaitingHook, undefined);
  w.runUntil(() => w.state.steady);
  assert.deepEqual(w.deployments.map((d) => [d.id, d.rolloutState]), [["ecs-svc/1", "COMPLETED"]]);
  assert.equal(w.running("ecs-svc/2"), 0);
  assert.ok(w.events.includes("(service web) (deployment ecs-svc/2) deployment failed: lifecycle hook failed."));
});

test("LINEAR and CANARY: test traffic moves to green at TEST_TRAFFIC_SHIFT, once green is healthy and before any production step", () => {
  for (const strategy of ["LINEAR", "CANARY", "BLUE_GREEN"] as const) {
    const w = new World({ desiredCount: 2, blueGreen: { bakeMs: 0, ...shiftPlan({ strategy, linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 0 }, canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 0 } }) } }, "arn:tg/blue");
    w.deploy("ecs-svc/1");
    w.runUntil(() => w.state.steady);
    assert.deepEqual(w.moves, ["test:ecs-svc/1", "production:ecs-svc/1:1000"], strategy);
    w.moves = [];
    w.deploy("ecs-svc/2");
    w.tick();
    w.tick();
    assert.deepEqual(w.moves, [], `${strategy}: no test traffic moves while green scales up`);
    assert.equal(w.config.blueGreen!.test, "ecs-svc/1");
    w.runUntil(() => w.state.steady);
    const production = strategy === "LINEAR" ? ["production:ecs-svc/2:500", "production:ecs-svc/2:1000"] : strategy === "CANARY" ? ["production:ecs-svc/2:100", "production:ecs-svc/2:1000"] : ["production:ecs-svc/2:1000"];
    assert.deepEqual(w.moves, ["test:ecs-svc/2", ...production], strategy);
  }
});

test("hooks: the TEST_TRAFFIC_SHIFT hook holds the deployment after test traffic moved; a rollback waits at its PRODUCTION_TRAFFIC_SHIFT, then its TEST_TRAFFIC_SHIFT hooks", () => {
  const passed = new Map<string, number>();
  const w = new World({ desiredCount: 2, blueGreen: { bakeMs: 0 } }, "arn:tg/blue");
  w.deploy("ecs-svc/1");
  w.runUntil(() => w.state.steady);
  w.config.hooks = { stages: new Set(["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"]), passed };
  w.moves = [];
  w.deploy("ecs-svc/2");
  let plan = w.tick();
  while (!plan.awaitingHook) plan = w.tick();
  assert.equal(plan.awaitingHook, "TEST_TRAFFIC_SHIFT");
  assert.deepEqual(w.moves, ["test:ecs-svc/2"], "test traffic moved in the decision that holds at TEST_TRAFFIC_SHIFT");
  for (let i = 0; i < 3; i++) assert.equal(w.tick().awaitingHook, "TEST_TRAFFIC_SHIFT");
  assert.deepEqual(w.moves, ["test:ecs-svc/2"], "production stays on blue while the hook holds");
  passed.set("TEST_TRAFFIC_SHIFT", w.now);
  plan = w.tick();
  assert.equal(plan.awaitingHook, undefined);
  assert.deepEqual(w.moves, ["test:ecs-svc/2", "production:ecs-svc/2:1000"]);
  assert.equal(w.tick().awaitingHook, "PRODUCTION_TRAFFIC_SHIFT:1000");

  // The PRODUCTION_TRAFFIC_SHIFT hook fails: production traffic goes back, and the rollback's own hooks run.
  w.config.hooks = { ...w.config.hooks, failed: { reason: "ECS deployment lifecycle hook h returned FAILED at PRODUCTION_TRAFFIC_SHIFT." } };
  plan = w.tick();
  assert.equal(plan.rolledBackTo, "ecs-svc/1");
  w.config.hooks = { stages: new Set(["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"]), passed };
  plan = w.tick();
  assert.equal(plan.awaitingHook, "PRODUCTION_TRAFFIC_SHIFT:rollback");
  assert.deepEqual(w.moves.slice(2), ["production:ecs-svc/1:1000"]);
  for (let i = 0; i < 3; i++) assert.equal(w.tick().awaitingHook, "PRODUCTION_TRAFFIC_SHIFT:rollback");
  assert.equal(w.running("ecs-svc/2"), 2, "green is kept while the rollback's hooks run");
  passed.set("PRODUCTION_TRAFFIC_SHIFT:rollback", w.now);
  plan = w.tick();
  assert.equal(plan.awaitingHook, "TEST_TRAFFIC_SHIFT:rollback");
  assert.deepEqual(w.moves.slice(2), ["production:ecs-svc/1:1000", "test:ecs-svc/1"]);
  assert.equal(w.tick().awaitingHook, "TEST_TRAFFIC_SHIFT:rollback");
  assert.equal(w.running("ecs-svc/2"), 2);
  passed.set("TEST_TRAFFIC_SHIFT:rollback", w.now);
  w.runUntil(() => w.state.steady);
  assert.equal(w.running("ecs-svc/2"), 0);
  assert.deepEqual(w.deployments.map((d) => [d.id, d.rolloutState]), [["ecs-svc/1", "COMPLETED"]]);
});
