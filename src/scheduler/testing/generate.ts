import type { CqlNode, Subject } from "../cql/ast.js";
import { compilePattern } from "../cql/pattern.js";
import { printCql } from "../cql/printer.js";
import { createRng, type Rng } from "../rng.js";
import type { ClusterSnapshot, InstanceSnapshot, PlacementConstraint, PlacementRequest, PlacementStrategy, PortRequest, RunningTaskSnapshot } from "../types.js";

/**
 * A small seeded generator for property tests: random clusters, requests and expressions drawn
 * from deliberately small domains (few zones, types, groups, ports) so that collisions — full
 * instances, taken ports, ties — happen often. A failing case prints its seed and replays.
 */
export class Gen {
  private readonly rng: Rng;
  constructor(readonly seed: number) {
    this.rng = createRng(seed);
  }
  float(): number {
    return this.rng.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rng.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.rng.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rng.next() * xs.length)]!;
  }
  some<T>(xs: readonly T[], max = xs.length): T[] {
    const n = this.int(0, max);
    return Array.from({ length: n }, () => this.pick(xs));
  }
}

export const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];
export const TYPES = ["t3.micro", "t3.large", "t3a.large", "m5.large", "c5.xlarge"];
export const GROUPS = ["service:web", "service:api", "family:batch", "database"];
export const STACKS = ["prod", "dev"];

export function genCluster(g: Gen): ClusterSnapshot {
  const n = g.int(0, 24);
  const instances: InstanceSnapshot[] = [];
  for (let i = 0; i < n; i++) {
    const cpu = g.pick([256, 512, 1024, 2048]);
    const memory = g.pick([512, 1024, 2048, 4096]);
    const tasks: RunningTaskSnapshot[] = g.some(GROUPS, 3).map((group, t) => ({ arn: `task-${i}-${t}`, group, cpu: 128, memory: 256 }));
    const attributes = [
      ...(g.bool(0.9) ? [{ name: "ecs.availability-zone", value: g.pick(ZONES) }] : []),
      { name: "ecs.instance-type", value: g.pick(TYPES) },
      ...(g.bool(0.5) ? [{ name: "stack", value: g.pick(STACKS) }] : []),
      ...(g.bool(0.3) ? [{ name: "gpu" }] : []),
    ];
    instances.push({
      id: `ci-${i}`,
      arn: `arn:aws:ecs:us-east-1:000000000000:container-instance/gen/ci-${i}`,
      ec2InstanceId: `i-${i}`,
      status: g.bool(0.85) ? "ACTIVE" : g.pick(["DRAINING", "INACTIVE", "REGISTERING"] as const),
      agentConnected: g.bool(0.9),
      launchType: g.bool(0.9) ? "EC2" : "EXTERNAL",
      registeredAt: Date.UTC(2024, 0, g.int(1, 28)),
      registered: { cpu, memory },
      remaining: {
        cpu: g.int(0, cpu),
        memory: g.int(0, memory),
        ports: [22, ...g.some([80, 443, 8080, 40000, 40001, 40002], 3)],
        portsUdp: g.some([53, 40000, 40003], 2),
      },
      dynamicPortRange: { from: 40000, to: 40000 + g.int(0, 5) }, // tiny, so dynamic ports run out
      attributes,
      tasks,
    });
  }
  return { clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/gen", instances };
}

export function genSubject(g: Gen): Subject {
  return g.pick<Subject>([
    { kind: "attribute", name: "ecs.availability-zone" },
    { kind: "attribute", name: "ecs.instance-type" },
    { kind: "attribute", name: "stack" },
    { kind: "attribute", name: "gpu" },
    { kind: "ec2InstanceId" },
    { kind: "runningTasksCount" },
    { kind: "registeredAt" },
    { kind: "taskGroup" },
  ]);
}

/** A random well-formed expression tree over the generated clusters' vocabulary. */
export function genExpression(g: Gen, depth = 0): CqlNode {
  if (depth < 2 && g.bool(0.4)) {
    const kind = g.pick(["and", "or", "not"] as const);
    if (kind === "not") return { kind, operand: genExpression(g, depth + 1) };
    return { kind, left: genExpression(g, depth + 1), right: genExpression(g, depth + 1) };
  }
  const subject = genSubject(g);
  const values = valuesFor(subject);
  if (subject.kind === "runningTasksCount") {
    const n = g.int(0, 4);
    return { kind: "compare", subject, op: g.pick(["==", "!=", ">", ">=", "<", "<="] as const), value: { text: String(n), number: n } };
  }
  if (subject.kind === "registeredAt") {
    const d = g.int(1, 28);
    return { kind: "compare", subject, op: g.pick([">", "<=", "=="] as const), value: { text: `2024-01-${String(d).padStart(2, "0")}`, number: Date.UTC(2024, 0, d) } };
  }
  switch (g.int(0, 3)) {
    case 0:
      return { kind: "compare", subject, op: g.pick(["==", "!="] as const), value: { text: g.pick(values) } };
    case 1:
      return { kind: "in", subject, values: [...new Set([g.pick(values), g.pick(values)])], negated: g.bool() };
    case 2: {
      const pattern = g.pick(["t3.*", "us-east-1[ab]", "service:.*", "i-1.*", "(t3|m5)\\.large"]);
      return { kind: "match", subject, pattern, regex: compilePattern(pattern) as RegExp, negated: g.bool() };
    }
    default:
      return subject.kind === "ec2InstanceId" ? { kind: "compare", subject, op: "==", value: { text: g.pick(values) } } : { kind: "exists", subject, negated: g.bool() };
  }
}

function valuesFor(subject: Subject): readonly string[] {
  if (subject.kind === "ec2InstanceId") return ["i-0", "i-1", "i-2", "i-3"];
  if (subject.kind === "taskGroup") return GROUPS;
  if (subject.kind === "attribute") return subject.name === "ecs.availability-zone" ? ZONES : subject.name === "stack" ? STACKS : TYPES;
  return ["x"];
}

export function genRequest(g: Gen): PlacementRequest {
  const ports: PortRequest[] = g.some(
    [{ hostPort: 80 }, { hostPort: 8080 }, { hostPort: 0 }, { protocol: "udp" as const, hostPort: 53 }, { protocol: "udp" as const, hostPort: 0 }, { hostPort: 40001 }],
    2,
  );
  const unique = ports.filter((p, i) => !p.hostPort || ports.findIndex((q) => q.hostPort === p.hostPort && q.protocol === p.protocol) === i);
  const constraints: PlacementConstraint[] = [];
  if (g.bool(0.3)) constraints.push({ type: "distinctInstance" });
  for (let k = g.int(0, 2); k > 0; k--) constraints.push({ type: "memberOf", expression: printCql(genExpression(g)) });
  const strategies: PlacementStrategy[] = g.some(
    [
      { type: "binpack", field: "memory" },
      { type: "binpack", field: "cpu" },
      { type: "spread", field: "attribute:ecs.availability-zone" },
      { type: "spread", field: "instanceId" },
      { type: "spread", field: "attribute:stack" },
      { type: "random" },
    ],
    3,
  );
  return {
    cpu: g.pick([0, 64, 128, 256, 512]),
    memory: g.pick([0, 128, 256, 512, 1024]),
    ports: unique,
    launchType: g.bool(0.9) ? "EC2" : "EXTERNAL",
    group: g.pick(GROUPS),
    constraints,
    strategies,
    count: g.int(0, 12),
    seed: g.int(0, 1e9),
  };
}
