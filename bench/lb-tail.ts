/**
 * Where the ALB data plane's latency tail comes from, measured without needing a quiet machine:
 *
 *   npm run build && node dist/bench/lb-tail.js [--rounds 3] [--seconds 5] [--connections 36] \
 *     [--variant name=path/to/engine.js[:young=MB][:semi=MB][:maxsemi=MB][:nice=N]] ... [--allocation-sites] [--parallel-scavenge]
 *
 * Each variant is a DataPlaneEngine (by default this build's) in its own worker thread, as Berth
 * runs it, serving an ALB (HTTP listener, three targets round robin, health checks every 5 s) on
 * its own loopback address; `young` sets the worker's resourceLimits.maxYoungGenerationSizeMb,
 * `semi` and `maxsemi` V8's --min- and --max-semi-space-size for the worker's isolate (0: V8's
 * default; V8 reads them when the isolate is made, so they are set just for that worker); `nice`
 * the worker thread's nice value (src/dataplane/thread-priority.ts; without it the thread keeps
 * the one the bench runs with). Three
 * single-process nginx servers are the targets. wrk paces every connection (2 ms of think time
 * after each answer, as bench/load-balancer.ts's latency runs), against one target directly and
 * through each variant, in interleaved rounds. Inside the worker, for the same window: the event
 * loop's delay (perf_hooks monitorEventLoopDelay, 1 ms resolution), every GC pause by kind
 * (PerformanceObserver 'gc'), bytes allocated (v8.GCProfiler: heap in use before each GC less
 * after the previous) and the thread's own CPU time, with the part of it spent in the kernel (on
 * loopback, a socket write runs the receiver's TCP stack too); per request where that makes sense.
 * Comparing two builds: copy one build's dist/src/dataplane elsewhere and pass both as variants.
 * V8's flags are set as Berth sets them when its data plane starts (DATA_PLANE_V8_FLAGS: scavenges
 * on one thread); they are the whole process's, so `--parallel-scavenge` (V8's default) applies to
 * every variant of a run: compare by alternating runs with and without it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import v8 from "node:v8";
import { defaultTargetGroupAttributes, type DataPlaneSnapshot } from "../src/dataplane/snapshot.js";
import { DATA_PLANE_V8_FLAGS } from "../src/dataplane/data-plane.js";
import { freePort } from "./free-port.js";
import { wrkLoad } from "./wrk-load.js";
import type { LoadResult } from "./http-load.js";

const { values } = parseArgs({ options: {
  rounds: { type: "string", default: "3" }, seconds: { type: "string", default: "5" }, connections: { type: "string", default: "36" },
  variant: { type: "string", multiple: true, default: [] },
  "allocation-sites": { type: "boolean", default: false },
  "parallel-scavenge": { type: "boolean", default: false },
} });
if (!values["parallel-scavenge"]) v8.setFlagsFromString(DATA_PLANE_V8_FLAGS);
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const PACE = "function delay() return 2 end";
const dir = mkdtempSync(join(tmpdir(), "berth-lb-tail-"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

interface Variant { name: string; engine: string; youngMb?: number; semiMb?: number; maxSemiMb?: number; nice?: number }
const variants: Variant[] = (values.variant!.length > 0 ? values.variant! : [`this build=${new URL("../src/dataplane/engine.js", import.meta.url).pathname}`]).map((v) => {
  // Split at the first "=" only: the options after the path have "=" of their own.
  const at = v.indexOf("=");
  const [name, rest] = [v.slice(0, at), v.slice(at + 1)];
  const [path, ...options] = rest.split(":");
  const option = (key: string) => options.find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1);
  return { name, engine: pathToFileURL(resolve(path!)).href, youngMb: Number(option("young") ?? NaN) || undefined, semiMb: Number(option("semi") ?? NaN), maxSemiMb: Number(option("maxsemi") ?? NaN), ...(option("nice") !== undefined && { nice: Number(option("nice")) }) };
});

/** One target: a single nginx process answering its name on every path (as bench/load-balancer.ts's). */
async function nginxTarget(name: string, port: number): Promise<ChildProcess> {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path ${d}/${t};`).join(" ");
  writeFileSync(join(d, "nginx.conf"), `daemon off; master_process off; worker_processes 1; pid ${d}/nginx.pid;
events { worker_connections 4096; }
http { access_log off; ${temp} keepalive_requests 10000000; keepalive_timeout 120s;
  server { listen 127.0.0.1:${port}; default_type text/plain; location / { return 200 "${name}\\n"; } } }`);
  const proc = spawn("nginx", ["-p", d, "-c", join(d, "nginx.conf"), "-e", join(d, "error.log")], { stdio: "ignore" });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return proc;
    } catch { /* not yet */ }
    if (i > 100) throw new Error(`nginx target ${name} did not start`);
    await sleep(100);
  }
}

function snapshot(address: string, port: number, targets: number[]): DataPlaneSnapshot {
  return {
    loadBalancers: [{ LoadBalancerArn: `lb-${address}`, Type: "application", Address: address, DNSName: `tail-${address.replaceAll(".", "-")}.elb.localhost`,
      Listeners: [{ ListenerArn: `l-${address}`, Port: port, Protocol: "HTTP", DefaultActions: [{ Type: "forward", TargetGroupArn: "tg" }], Rules: [] }] }],
    targetGroups: [{
      TargetGroupArn: "tg", Protocol: "HTTP", Port: 80, TargetType: "ip", Attributes: defaultTargetGroupAttributes,
      HealthCheck: { HealthCheckEnabled: true, HealthCheckProtocol: "HTTP", HealthCheckPort: "traffic-port", HealthCheckPath: "/health", HealthCheckIntervalSeconds: 5,
        HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2, Matcher: { HttpCode: "200" } },
      Targets: targets.map((p) => ({ Id: "127.0.0.1", Address: "127.0.0.1", Port: p, State: "registered" as const })),
    }],
  };
}

interface Window {
  delayMs: { p50: number; p99: number; max: number }; pauses: { minor: number[]; major: number[]; other: number[] }; allocatedBytes: number; cpuMs: number;
  /** The part of cpuMs spent in the kernel (socket reads and writes, epoll). */
  systemCpuMs: number;
  /** Old space in use at the end of the window, and the whole heap after a full GC (with --expose-gc). */
  oldBeforeFullGc: number; liveAfterFullGc?: number;
  /** The young generation's size (V8's new_space space_size) at the end of the window. */
  newSpace: number;
  /** Connections the data plane opened to targets during the window. */
  upstreamConnects: number;
  /** With --allocation-sites: where the sampled bytes were allocated (collected objects included). */
  sites?: Array<{ site: string; bytes: number }>;
}
interface Running { variant: Variant; origin: string; worker: Worker; call(op: "start" | "stop"): Promise<Window | undefined> }

async function startVariant(variant: Variant, i: number, targets: number[]): Promise<Running> {
  const address = `127.0.${100 + (process.pid % 100)}.${10 + i}`;
  const port = await freePort();
  // V8 reads the flag when an isolate is made: set for this worker only, then back (see data-plane.ts).
  if (!Number.isNaN(variant.semiMb)) v8.setFlagsFromString(`--min-semi-space-size=${variant.semiMb}`);
  if (!Number.isNaN(variant.maxSemiMb)) v8.setFlagsFromString(`--max-semi-space-size=${variant.maxSemiMb}`);
  const worker = new Worker(new URL("./lb-tail-worker.js", import.meta.url), {
    workerData: { engine: variant.engine, snapshot: snapshot(address, port, targets), allocationSites: values["allocation-sites"], nice: variant.nice },
    ...(variant.youngMb !== undefined && { resourceLimits: { maxYoungGenerationSizeMb: variant.youngMb } }),
  });
  const next = () => new Promise<any>((res, rej) => {
    const fail = (err: Error) => rej(err);
    worker.once("error", fail);
    worker.once("message", (m) => { worker.off("error", fail); res(m); });
  });
  await next(); // ready
  v8.setFlagsFromString("--min-semi-space-size=0"); // V8's default: it sizes the young generation itself
  v8.setFlagsFromString("--max-semi-space-size=0");
  return {
    variant, origin: `http://${address}:${port}`, worker,
    call: async (op) => { const reply = next(); worker.postMessage({ op }); const r = await reply; return op === "stop" ? r as Window : undefined; },
  };
}

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

async function main() {
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const targets: ChildProcess[] = [];
  const running: Running[] = [];
  try {
    for (const [i, p] of ports.entries()) targets.push(await nginxTarget(`t${i + 1}`, p));
    for (const [i, v] of variants.entries()) running.push(await startVariant(v, i, ports));
    const loadAtStart = loadavg();
    const direct = { name: "direct to one target", origin: `http://127.0.0.1:${ports[0]}` };
    const paths: Array<{ name: string; origin: string; run?: Running }> = [direct, ...running.map((r) => ({ name: r.variant.name, origin: r.origin, run: r }))];
    // Warm every path (JIT, pools) before measuring.
    for (const p of paths) await wrkLoad(p.origin, { method: "GET", path: "/", headers: {}, connections: CONNECTIONS, seconds: 2, lua: PACE });
    const results = new Map<string, Array<{ load: LoadResult; window?: Window }>>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [k] of paths.entries()) {
        const p = paths[(k + round) % paths.length]!;
        await p.run?.call("start");
        const load = await wrkLoad(p.origin, { method: "GET", path: "/", headers: {}, connections: CONNECTIONS, seconds: SECONDS, lua: PACE });
        const window = await p.run?.call("stop");
        results.set(p.name, [...(results.get(p.name) ?? []), { load, ...(window && { window }) }]);
      }
    }
    console.log(`\n${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, Node ${process.version}; ${ROUNDS} interleaved rounds of ${SECONDS} s, wrk 1 thread x ${CONNECTIONS} connections paced 2 ms; load average ${loadAtStart} at the start, ${loadavg()} at the end\n`);
    console.log("| path | req/s | p50 | p99 | event-loop delay p99 / max | minor GCs per 10k req | minor GC pause mean / max | major GCs (max pause) | KiB allocated per request | worker CPU µs per request (of it in the kernel) |");
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const p of paths) {
      const rs = results.get(p.name)!;
      const requests = sum(rs.map((r) => r.load.requests));
      const rate = requests / sum(rs.map((r) => r.load.seconds));
      const lat = `${median(rs.map((r) => r.load.p50Ms)).toFixed(3)} ms | ${median(rs.map((r) => r.load.p99Ms)).toFixed(3)} ms`;
      if (!p.run) {
        console.log(`| ${p.name} | ${Math.round(rate)} | ${lat} | - | - | - | - | - | - |`);
        continue;
      }
      const ws = rs.map((r) => r.window!);
      const minor = ws.flatMap((w) => w.pauses.minor);
      const major = ws.flatMap((w) => w.pauses.major);
      console.log(`| ${p.name} | ${Math.round(rate)} | ${lat} | ${median(ws.map((w) => w.delayMs.p99)).toFixed(2)} / ${Math.max(...ws.map((w) => w.delayMs.max)).toFixed(2)} ms `
        + `| ${(minor.length / requests * 10_000).toFixed(1)} | ${minor.length ? (sum(minor) / minor.length).toFixed(2) : "-"} / ${minor.length ? Math.max(...minor).toFixed(2) : "-"} ms `
        + `| ${major.length} (${major.length ? Math.max(...major).toFixed(2) : "-"} ms) | ${(sum(ws.map((w) => w.allocatedBytes)) / requests / 1024).toFixed(2)} | ${(sum(ws.map((w) => w.cpuMs)) * 1000 / requests).toFixed(1)} (${(sum(ws.map((w) => w.systemCpuMs)) * 1000 / requests).toFixed(1)}) |`);
    }
    // Whether a window's tail goes with its GC: each window's p99 beside its pauses and the loop's worst delay.
    console.log("\nEach window (round): p99 | minor GCs, total / max pause | event-loop delay max | connections opened to targets:");
    for (const p of paths.filter((x) => x.run)) {
      console.log(`  ${p.name}: ${results.get(p.name)!.map(({ load, window: w }) => `${load.p99Ms.toFixed(2)} ms | ${w!.pauses.minor.length}, ${sum(w!.pauses.minor).toFixed(1)} / ${Math.max(0, ...w!.pauses.minor).toFixed(2)} ms | ${w!.delayMs.max.toFixed(2)} ms | ${w!.upstreamConnects}`).join(";  ")}`);
    }
    console.log(`  direct p99 by round: ${results.get(direct.name)!.map((r) => `${r.load.p99Ms.toFixed(2)} ms`).join(", ")}`);
    console.log("\nYoung generation (new space) at the end of each window, MB:");
    for (const p of paths.filter((x) => x.run)) console.log(`  ${p.name}: ${results.get(p.name)!.map((r) => (r.window!.newSpace / 2 ** 20).toFixed(1)).join(", ")}`);
    console.log("\nOld space in use at the end of each window, MB (and the whole heap after a full GC, with --expose-gc):");
    for (const p of paths.filter((x) => x.run)) {
      const mb = (n: number) => (n / 2 ** 20).toFixed(1);
      const last = results.get(p.name)!.at(-1)!;
      if (last.window!.sites) {
        const total = sum(last.window!.sites.map((x) => x.bytes));
        console.log(`  ${p.name}, top allocation sites of the last window (bytes per request, sampled):`);
        for (const x of last.window!.sites) console.log(`    ${(x.bytes / last.load.requests).toFixed(0).padStart(6)}  ${x.site}`);
        console.log(`    (these ${(total / last.load.requests).toFixed(0)} bytes per request of ${(last.window!.allocatedBytes / last.load.requests).toFixed(0)} measured)`);
      }
      console.log(`  ${p.name}: ${results.get(p.name)!.map((r) => `${mb(r.window!.oldBeforeFullGc)}${r.window!.liveAfterFullGc !== undefined ? ` (${mb(r.window!.liveAfterFullGc)})` : ""}`).join(", ")}`);
    }
  } finally {
    for (const r of running) await r.worker.terminate();
    for (const t of targets) t.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
