/**
 * Placement throughput and per-decision latency at 1,000 and 5,000 container instances, with
 * the request from issue 4: spread on attribute:ecs.availability-zone, then binpack on memory,
 * under memberOf(attribute:ecs.instance-type =~ t3.*); 256 CPU units, 512 MiB and one dynamic
 * host port (bridge mode's usual hostPort 0) per task.
 *   npm run build && node dist/bench/placement.js [--decisions 20000] [--requests 5000] [--rounds 3]
 *
 * Three figures per cluster size:
 *  - decisions: one request placing many tasks, each seeing the ones before it — the engine's
 *    steady-state rate, timed per decision (p50/p99/max);
 *  - requests: planPlacement(index, count 1) over and over against one prepared ClusterIndex —
 *    what a RunTask pays when the caller keeps the index;
 *  - cold: building the index from a snapshot plus a first plan (memberOf evaluated over every
 *    instance) — what a caller pays when it rebuilds the index for every request.
 * Not a test: nothing here asserts a time. There is no same-run baseline for a pure function
 * (nothing else in this process places ECS tasks); the reference is kube-scheduler's CI
 * floor of 270 pods/s at 5,000 nodes, quoted, not measured here.
 */
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { ClusterIndex, compileRequest, createRng, Placer, planPlacement, type ClusterSnapshot, type InstanceSnapshot, type PlacementRequest } from "../src/scheduler/index.js";

const { values } = parseArgs({
  options: { decisions: { type: "string", default: "20000" }, requests: { type: "string", default: "5000" }, rounds: { type: "string", default: "3" } },
});
const DECISIONS = Number(values.decisions);
const REQUESTS = Number(values.requests);
/** Each measurement runs this many times on a fresh index; the round with the median rate is reported (the machine is shared). */
const ROUNDS = Number(values.rounds);

function median<T>(runs: T[], by: (t: T) => number): T {
  return [...runs].sort((a, b) => by(a) - by(b))[Math.floor(runs.length / 2)]!;
}
const repeat = <T>(f: () => T): T[] => Array.from({ length: ROUNDS }, f);

const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];
/** [type, cpu units, MiB registered] — three of eight types match t3.*. */
const TYPES: [string, number, number][] = [
  ["t3.medium", 2048, 3943],
  ["t3.large", 2048, 7975],
  ["t3.xlarge", 4096, 15999],
  ["m5.large", 2048, 7680],
  ["m5.xlarge", 4096, 15577],
  ["c5.large", 2048, 3750],
  ["c5.xlarge", 4096, 7550],
  ["r5.large", 2048, 15821],
];
const GROUPS = ["service:web", "service:api", "service:worker", "family:batch"];

/** A deterministic cluster: types and zones mixed, 0-4 tasks already running on each instance. */
function makeCluster(n: number): ClusterSnapshot {
  const rng = createRng(`cluster-${n}`);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng.next() * xs.length)]!;
  const instances: InstanceSnapshot[] = [];
  for (let i = 0; i < n; i++) {
    const [type, cpu, memory] = pick(TYPES);
    const tasks = Array.from({ length: Math.floor(rng.next() * 5) }, (_, k) => ({ arn: `task-${i}-${k}`, group: pick(GROUPS), cpu: 256, memory: 512, ports: [{ protocol: "tcp" as const, hostPort: 32768 + k }] }));
    instances.push({
      id: `ci-${i}`,
      arn: `arn:aws:ecs:us-east-1:000000000000:container-instance/bench/ci-${i}`,
      ec2InstanceId: `i-${i.toString(16).padStart(17, "0")}`,
      status: "ACTIVE",
      agentConnected: true,
      registeredAt: Date.UTC(2024, 0, 1) + i * 1000,
      registered: { cpu, memory },
      remaining: {
        cpu: cpu - 256 * tasks.length,
        memory: memory - 512 * tasks.length,
        ports: [22, 2375, 2376, 51678, 51679, ...tasks.map((t) => t.ports[0]!.hostPort)],
        portsUdp: [],
      },
      attributes: [
        { name: "ecs.availability-zone", value: ZONES[i % ZONES.length]! },
        { name: "ecs.instance-type", value: type },
        { name: "ecs.os-type", value: "linux" },
        { name: "ecs.cpu-architecture", value: "x86_64" },
      ],
      tasks,
    });
  }
  return { clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/bench", instances };
}

const REQUEST: PlacementRequest = {
  cpu: 256,
  memory: 512,
  ports: [{ protocol: "tcp", hostPort: 0 }],
  group: "service:web",
  constraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ t3.*" }],
  strategies: [
    { type: "spread", field: "attribute:ecs.availability-zone" },
    { type: "binpack", field: "memory" },
  ],
  count: 1,
  seed: 1,
};

const now = () => process.hrtime.bigint();
const us = (ns: bigint) => Number(ns) / 1e3;
function pct(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function decisions(index: ClusterIndex, count: number) {
  const compiled = compileRequest({ ...REQUEST, count });
  if (!compiled.ok) throw new Error(compiled.error.message);
  const placer = new Placer(index, compiled.request);
  const times = new Float64Array(Math.min(count, 1e6));
  let placed = 0;
  const start = now();
  for (; placed < count; placed++) {
    const t0 = now();
    const p = placer.next();
    times[placed] = us(now() - t0);
    if (!p) break;
  }
  const total = us(now() - start);
  const sorted = times.subarray(0, placed).sort();
  return { placed, perSecond: (placed / total) * 1e6, p50: pct(sorted, 50), p99: pct(sorted, 99), max: sorted[sorted.length - 1]! };
}

function requests(index: ClusterIndex, n: number) {
  const times = new Float64Array(n);
  const start = now();
  for (let k = 0; k < n; k++) {
    const t0 = now();
    const r = planPlacement(index, { ...REQUEST, seed: k });
    times[k] = us(now() - t0);
    if (!r.ok || r.plan.placements.length !== 1) throw new Error("a benchmark request failed to place");
  }
  const total = us(now() - start);
  const sorted = times.sort();
  return { perSecond: (n / total) * 1e6, p50: pct(sorted, 50), p99: pct(sorted, 99) };
}

function cold(snapshot: ClusterSnapshot, rounds: number) {
  const times = new Float64Array(rounds);
  for (let k = 0; k < rounds; k++) {
    const t0 = now();
    const r = planPlacement(new ClusterIndex(snapshot), { ...REQUEST, seed: k });
    times[k] = us(now() - t0);
    if (!r.ok || r.plan.placements.length !== 1) throw new Error("a benchmark request failed to place");
  }
  const sorted = times.sort();
  return { p50: pct(sorted, 50), p99: pct(sorted, 99) };
}

function main() {
  const cpu = cpus();
  console.log(`# Placement benchmark — ${new Date().toISOString()}`);
  console.log(`machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`);
  console.log(`rounds: ${ROUNDS} per figure, median reported`);
  console.log(`request: spread(attribute:ecs.availability-zone), binpack(memory), memberOf(attribute:ecs.instance-type =~ t3.*), 256 CPU, 512 MiB, 1 dynamic port\n`);

  // Warm the JIT on a small cluster so the first measured size does not pay for compilation.
  const warm = new ClusterIndex(makeCluster(500));
  decisions(warm, 2000);
  requests(warm, 2000);

  const rows: string[] = [];
  for (const n of [1000, 5000]) {
    const snapshot = makeCluster(n);
    const eligible = snapshot.instances.filter((i) => i.attributes![1]!.value!.startsWith("t3")).length;
    // Time at most 80% of what the cluster can hold, so every timed decision places a task.
    const capacity = decisions(new ClusterIndex(snapshot), Number.MAX_SAFE_INTEGER).placed;
    const d = median(repeat(() => decisions(new ClusterIndex(snapshot), Math.min(DECISIONS, Math.floor(capacity * 0.8)))), (x) => x.perSecond);
    const index = new ClusterIndex(snapshot);
    const r = median(repeat(() => requests(index, REQUESTS)), (x) => x.perSecond);
    const c = median(repeat(() => cold(snapshot, 50)), (x) => x.p50);
    console.log(`${n} instances (${eligible} match t3.*, room for ${capacity} such tasks):`);
    console.log(`  decisions: ${d.placed} placed, ${Math.round(d.perSecond).toLocaleString("en-US")}/s; per decision p50 ${d.p50.toFixed(1)} µs, p99 ${d.p99.toFixed(1)} µs, max ${d.max.toFixed(1)} µs`);
    console.log(`  requests (count 1, index kept): ${Math.round(r.perSecond).toLocaleString("en-US")}/s; p50 ${r.p50.toFixed(1)} µs, p99 ${r.p99.toFixed(1)} µs`);
    console.log(`  cold (index built + first plan): p50 ${(c.p50 / 1000).toFixed(2)} ms, p99 ${(c.p99 / 1000).toFixed(2)} ms\n`);
    rows.push(
      `| ${n.toLocaleString("en-US")} | ${Math.round(d.perSecond).toLocaleString("en-US")} | ${d.p50.toFixed(0)} µs | ${d.p99.toFixed(0)} µs | ${Math.round(r.perSecond).toLocaleString("en-US")} | ${r.p99.toFixed(0)} µs | ${(c.p50 / 1000).toFixed(2)} ms |`,
    );
  }
  console.log("| instances | decisions/s | p50 / decision | p99 / decision | requests/s (index kept) | p99 / request | cold index + plan (p50) |");
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of rows) console.log(row);
}

main();
