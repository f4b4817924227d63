import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateCql } from "./cql/evaluate.js";
import { parseCql } from "./cql/parser.js";
import type { CqlTarget } from "./cql/target.js";
import { ClusterIndex } from "./cluster-index.js";
import { planPlacement } from "./plan.js";
import { Gen, genCluster, genRequest } from "./testing/generate.js";
import type { ClusterSnapshot, FailureReason, InstanceSnapshot, PlacementRequest } from "./types.js";

/**
 * Property tests against a reference model: a deliberately naive re-statement of ECS's rules
 * (objects, sets, full re-scans, no memoisation) that shares nothing with the engine but the
 * expression evaluator, which has its own tests. Each generated case replays the plan through
 * the model and checks every placement and every failure.
 */

const CASES = 600;

class RefInstance {
  cpu: number;
  memory: number;
  tcp: Set<number>;
  udp: Set<number>;
  groups: string[];
  running: number;
  constructor(readonly snap: InstanceSnapshot) {
    this.cpu = snap.remaining.cpu;
    this.memory = snap.remaining.memory;
    this.tcp = new Set(snap.remaining.ports ?? []);
    this.udp = new Set(snap.remaining.portsUdp ?? []);
    this.groups = (snap.tasks ?? []).flatMap((t) => (t.group ? [t.group] : []));
    this.running = snap.tasks?.length ?? 0;
  }
  attribute(name: string): string | undefined {
    return this.snap.attributes?.find((a) => a.name === name)?.value;
  }
  target(): CqlTarget {
    const snap = this.snap;
    return {
      agentConnected: snap.agentConnected,
      agentVersion: snap.agentVersion,
      ec2InstanceId: snap.ec2InstanceId,
      registeredAt: snap.registeredAt as number,
      runningTasksCount: this.running,
      attribute: (name) => {
        const a = snap.attributes?.find((x) => x.name === name);
        return a === undefined ? undefined : (a.value ?? null);
      },
      taskGroups: () => new Set(this.groups),
    };
  }
  freeInRange(protocol: "tcp" | "udp"): number {
    const { from, to } = this.snap.dynamicPortRange!;
    const taken = protocol === "tcp" ? this.tcp : this.udp;
    let free = 0;
    for (let p = from; p <= to; p++) if (!taken.has(p)) free++;
    return free;
  }
}

function reason(inst: RefInstance, req: PlacementRequest): FailureReason | undefined {
  const s = inst.snap;
  if (s.status !== "ACTIVE") return s.status;
  if (!s.agentConnected) return "AGENT";
  if ((s.launchType ?? "EC2") !== (req.launchType ?? "EC2")) return "ATTRIBUTE";
  if (req.cpu > 0 && inst.cpu < req.cpu) return "RESOURCE:CPU";
  if (req.memory > 0 && inst.memory < req.memory) return "RESOURCE:MEMORY";
  for (const protocol of ["tcp", "udp"] as const) {
    const ports = (req.ports ?? []).filter((p) => (p.protocol ?? "tcp") === protocol);
    const fixed = ports.filter((p) => p.hostPort).map((p) => p.hostPort!);
    const taken = protocol === "tcp" ? inst.tcp : inst.udp;
    const { from, to } = s.dynamicPortRange!;
    const dynamic = ports.length - fixed.length;
    const fixedInRange = fixed.filter((p) => p >= from && p <= to).length;
    if (fixed.some((p) => taken.has(p)) || (dynamic > 0 && inst.freeInRange(protocol) - fixedInRange < dynamic)) {
      return protocol === "tcp" ? "RESOURCE:PORTS" : "RESOURCE:PORTS_UDP";
    }
  }
  const constraints = req.constraints ?? [];
  if (constraints.some((c) => c.type === "distinctInstance") && inst.groups.includes(req.group)) return "ATTRIBUTE";
  for (const c of constraints) {
    if (c.type !== "memberOf") continue;
    const parsed = parseCql(c.expression!);
    assert.ok(parsed.ok);
    if (parsed.ok && !evaluateCql(parsed.ast, inst.target())) return "ATTRIBUTE";
  }
  return undefined;
}

/** The strategy keys (lower is better) of an instance, up to the first random. */
function keys(inst: RefInstance, all: RefInstance[], req: PlacementRequest): number[] {
  const out: number[] = [];
  for (const s of req.strategies ?? []) {
    if (s.type === "random") break;
    if (s.type === "binpack") out.push(s.field === "cpu" ? inst.cpu : inst.memory);
    else if (s.field === "instanceId") out.push(inst.groups.filter((g) => g === req.group).length);
    else {
      const name = s.field!.slice("attribute:".length);
      const v = inst.attribute(name);
      out.push(all.filter((o) => o.attribute(name) === v).reduce((n, o) => n + o.groups.filter((g) => g === req.group).length, 0));
    }
  }
  return out;
}

function lexCompare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function checkCase(seed: number) {
  const g = new Gen(seed);
  const snapshot: ClusterSnapshot = genCluster(g);
  const req = genRequest(g);
  const result = planPlacement(snapshot, req);
  assert.ok(result.ok, `seed ${seed}: generated requests are valid`);
  if (!result.ok) return;
  const { plan } = result;
  const again = planPlacement(snapshot, req);
  assert.deepEqual(again, result, `seed ${seed}: same inputs, same plan`);
  // An index that first served requests differing in one field each (its memo filled by them)
  // gives the same plan: every memo key names all a verdict depends on.
  const other = genRequest(g);
  for (const field of ["cpu", "memory", "ports", "group", "launchType", "constraints", "strategies"] as const) {
    const index = new ClusterIndex(snapshot);
    planPlacement(index, { ...req, [field]: other[field] });
    assert.deepEqual(planPlacement(index, req), result, `seed ${seed}: an index that first served another ${field} gives the snapshot's plan`);
  }

  const model = snapshot.instances.map((s) => new RefInstance(s));
  const byId = new Map(model.map((m) => [m.snap.id, m]));
  for (const [n, p] of plan.placements.entries()) {
    const at = `seed ${seed}, placement ${n}`;
    const inst = byId.get(p.instanceId);
    assert.ok(inst, `${at}: a known instance`);
    if (!inst) return;
    assert.equal(reason(inst, req), undefined, `${at}: the chosen instance satisfies every check and constraint`);
    // The strategies: nothing feasible ranks strictly better.
    const mine = keys(inst, model, req);
    for (const other of model) {
      if (reason(other, req) === undefined) assert.ok(lexCompare(keys(other, model, req), mine) >= 0, `${at}: ${other.snap.id} ranks better than ${inst.snap.id}`);
    }
    // Host ports: one per requested port, static as asked, dynamic from the range and free.
    const asked = req.ports ?? [];
    assert.equal(p.hostPorts.length, asked.length, `${at}: a host port per requested port`);
    const { from, to } = inst.snap.dynamicPortRange!;
    for (const [k, hp] of p.hostPorts.entries()) {
      assert.equal(hp.protocol, asked[k]!.protocol ?? "tcp");
      if (asked[k]!.hostPort) assert.equal(hp.hostPort, asked[k]!.hostPort);
      else assert.ok(hp.hostPort >= from && hp.hostPort <= to, `${at}: dynamic port in range`);
      const taken = hp.protocol === "tcp" ? inst.tcp : inst.udp;
      assert.ok(!taken.has(hp.hostPort), `${at}: host port ${hp.hostPort}/${hp.protocol} was free`);
      taken.add(hp.hostPort);
    }
    // Apply the placement to the model.
    inst.cpu -= req.cpu;
    inst.memory -= req.memory;
    assert.ok(inst.cpu >= 0 && inst.memory >= 0, `${at}: no overcommit`);
    inst.groups.push(req.group);
    inst.running++;
  }

  if (plan.placements.length === req.count) {
    assert.deepEqual(plan.failures, [], `seed ${seed}: every task placed, no failures`);
    return;
  }
  // Failures only when truly nothing fits — and then each instance with the reason the model gives.
  if (model.length === 0) {
    assert.deepEqual(plan.failures, [{ arn: snapshot.clusterArn, reason: "MISSING" }], `seed ${seed}`);
    return;
  }
  const expected = model.map((m) => ({ arn: m.snap.arn, reason: reason(m, req) }));
  assert.ok(
    expected.every((e) => e.reason !== undefined),
    `seed ${seed}: placement stopped at ${plan.placements.length}/${req.count} while ${expected.find((e) => !e.reason)?.arn} still fits`,
  );
  assert.deepEqual(plan.failures, expected, `seed ${seed}: failures as the model explains them`);
  const counted: Record<string, number> = {};
  for (const e of expected) counted[e.reason!] = (counted[e.reason!] ?? 0) + 1;
  assert.deepEqual(plan.rejected, counted, `seed ${seed}: rejection counts`);
}

test(`${CASES} random clusters and requests: no overcommit, constraints hold, strategies rank, failures are exact, replay is exact`, () => {
  for (let seed = 1; seed <= CASES; seed++) checkCase(seed);
});

test("the generator exercises both outcomes and every reason", () => {
  const reasons = new Set<string>();
  let full = 0;
  let partial = 0;
  for (let seed = 1; seed <= CASES; seed++) {
    const g = new Gen(seed);
    const snapshot = genCluster(g);
    const req = genRequest(g);
    const r = planPlacement(snapshot, req);
    if (!r.ok) continue;
    if (r.plan.failures.length) partial++;
    else if (req.count > 0) full++;
    for (const f of r.plan.failures) reasons.add(f.reason);
  }
  assert.ok(full > CASES / 10, `fully placed cases: ${full}`);
  assert.ok(partial > CASES / 10, `cases with failures: ${partial}`);
  for (const r of ["RESOURCE:CPU", "RESOURCE:MEMORY", "RESOURCE:PORTS", "RESOURCE:PORTS_UDP", "ATTRIBUTE", "AGENT", "MISSING", "DRAINING", "INACTIVE"]) {
    assert.ok(reasons.has(r), `some case fails with ${r}: saw ${[...reasons].join(", ")}`);
  }
});
