/**
 * The ALB data plane against nginx and HAProxy as reverse proxies to the same three targets, in
 * one run, with the same load client (wrk) and the same backends:
 *
 *   npm run build && node dist/bench/load-balancer.js [--rounds 3] [--seconds 5] [--connections 16] [--trials 3] [--pin] [--proxies berth,nginx,haproxy,bare] [--berth-args="--flag=value ..."]
 *
 * --berth-args: extra `berth up` flags for Berth's run (space-separated), to compare settings
 * such as --load-balancer-thread-nice=0 against the default in alternating runs (with "=": a
 * value that starts with "--" is otherwise taken for an option).
 *
 * 1. Saturation: wrk (one thread, `--connections` keep-alive connections, closed loop) against
 *    each proxy in interleaved rounds; requests per second, and the proxy's CPU seconds per
 *    100,000 requests read from /proc (utime + stime of the proxy's processes, all threads), so
 *    the figure holds when other work shares the machine. For Berth, both the whole process (API
 *    thread, GC and libuv threads included) and its data plane's worker thread alone (the only
 *    thread Node names "WorkerThread").
 * 2. Latency at half of nginx's saturated rate: wrk with a Lua `delay()` pacing every connection,
 *    against one target directly and through each proxy; added p50/p99 = proxied - direct.
 * 3. Failover: SIGKILL one target's backend while a probe sends a request through the ALB every
 *    5 ms; the time from the kill to the last request that still went to it (answered 502 by the
 *    ALB), against interval x unhealthy threshold + 1 s, with the API's minimums (5 s, 2) and no
 *    health check speedup.
 *
 * A fourth proxy, a bare Node http proxy (bench/bare-node-proxy.ts), is the reference for what
 * Node's http module costs by itself. Latency is also measured at half of the ALB's own rate.
 *
 * Backends: three single-process nginx servers (Debian's nginx-light) answering a 3-byte body on
 * every path, each on its own loopback port; all three proxies forward to the same three. The
 * proxies get one worker each (nginx `worker_processes 1`, HAProxy `nbthread 1`), as Berth's data
 * plane is one thread, and keep-alive pools to the targets.
 *
 * `--pin`: every saturation and latency run is made twice, interleaved (the order alternates each
 * round): once unpinned, every process free to run on any core, and once pinned, as a load
 * balancer is measured when the machine allows it: the proxy under test alone on the last core,
 * and the load client (wrk), the three targets and this bench process on the others, so the
 * proxy's latency is not its wait for a core that wrk or a target holds. Affinity is set with
 * util-linux's `taskset -a -p` (every thread of a process) before each run: Berth's whole
 * process (API thread, data plane worker thread, libuv and V8 threads) goes to the proxy core, as
 * do nginx's master and worker, HAProxy's process and the bare Node proxy; wrk, started
 * afterwards, inherits this process's affinity. The idle proxies (health checks only) share the
 * proxy core with the one under load. The direct baseline is pinned the same way (wrk and the
 * target on the client cores), so "added" compares like with like. Each placement gets its own
 * half-of-nginx rate (nginx's saturated rate in that placement) and its own paced-connection
 * calibration; both placements' tables are printed, the unpinned ones first. Failover runs
 * unpinned. Needs at least 2 cores.
 *
 * `--proxies`: which proxies to run (default all four); Berth and nginx always run (nginx's rate
 * sets the latency runs' load). `--proxies berth,nginx --trials 0` measures only what the
 * latency target needs, in about a third of the time.
 *
 * Each proxy's CPU per request is also split into user and kernel time (/proc's utime and stime):
 * on loopback a socket write runs the receiver's TCP stack and wakes it in the writer's system
 * time, the part every proxy pays alike; the user part is the proxy's own code.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client, RegisterTargetsCommand, waitUntilTargetInService,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "../test/harness.js";
import type { LoadResult } from "./http-load.js";
import { wrkLoad } from "./wrk-load.js";
import { freePort } from "./free-port.js";

const { values } = parseArgs({ options: {
  rounds: { type: "string", default: "3" }, seconds: { type: "string", default: "5" },
  connections: { type: "string", default: "16" }, trials: { type: "string", default: "3" },
  pin: { type: "boolean", default: false },
  proxies: { type: "string", default: "berth,nginx,haproxy,bare" },
  "berth-args": { type: "string", default: "" },
} });
const PROXIES = new Set(["berth", "nginx", ...values.proxies!.split(",").map((p) => p.trim())]);
for (const p of PROXIES) if (!["berth", "nginx", "haproxy", "bare"].includes(p)) throw new Error(`--proxies: unknown proxy "${p}" (berth, nginx, haproxy, bare)`);
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const TRIALS = Number(values.trials);
const INTERVAL_S = 5;
const UNHEALTHY_THRESHOLD = 2;
/** wrk's think time per connection in the paced runs, ms (wrk's timers count whole ms). */
const PACE_MS = 2;

/** Where the processes run during a measurement: anywhere, or the proxy alone on its own core (--pin). */
type Placement = "unpinned" | "pinned";
const PLACEMENTS: Placement[] = values.pin ? ["unpinned", "pinned"] : ["unpinned"];
const CORES = cpus().length;
const ALL_CORES = `0-${CORES - 1}`;
/** The proxy under test gets the last core; wrk, the targets and this process the rest. */
const PROXY_CORE = String(CORES - 1);
const CLIENT_CORES = CORES > 2 ? `0-${CORES - 2}` : "0";
const placementLabel: Record<Placement, string> = {
  unpinned: "Unpinned: every process on any core",
  pinned: `Pinned: the proxy alone on CPU ${PROXY_CORE}; wrk, the three targets and the bench on CPU ${CLIENT_CORES}`,
};
if (values.pin) {
  if (CORES < 2) throw new Error("--pin needs at least 2 cores");
  try {
    execFileSync("taskset", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error("--pin needs taskset (util-linux): apt-get install -y util-linux");
  }
}

const dir = mkdtempSync(join(tmpdir(), "berth-lb-bench-"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


// ---- CPU from /proc: ticks (1/100 s) of user + system time ----

/** utime + stime of a process (all its threads) or of one thread (/proc/<pid>/task/<tid>); `kernel`: stime only. */
function ticks(statPath: string, kernel = false): number {
  try {
    const s = readFileSync(statPath, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" "); // f[0] is field 3 (state)
    return kernel ? Number(f[12]) : Number(f[11]) + Number(f[12]);
  } catch {
    return 0; // gone
  }
}

/** Reaped children's utime + stime of this process: wrk's CPU, once execFile has waited for it. */
function reapedChildTicks(): number {
  const s = readFileSync("/proc/self/stat", "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return Number(f[13]) + Number(f[14]);
}

/** Busy ticks of the whole machine, summed over all cores. */
function machineBusyTicks(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).map(Number);
  return user! + nice! + system! + irq! + softirq! + steal!;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const s = (() => { try { return readFileSync(`/proc/${entry}/stat`, "utf8"); } catch { return ""; } })();
    if (s && Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(entry));
  }
  return out;
}

/** Every process's ticks now, by pid, with its command line (to say afterwards what ran alongside). */
function allProcesses(): Map<number, { ticks: number; cmd: string }> {
  const out = new Map<number, { ticks: number; cmd: string }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Kernel threads have no command line: their name, in brackets, as ps shows them.
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ").trim() || `[${readFileSync(`/proc/${entry}/comm`, "utf8").trim()}]`;
      out.set(Number(entry), { ticks: ticks(`/proc/${entry}/stat`), cmd });
    } catch { /* gone */ }
  }
  return out;
}

// ---- CPU affinity (--pin) ----

/** Moves every thread of each process (taskset -a) to `cores`; a process that has gone is skipped. */
function setAffinity(pids: readonly number[], cores: string): void {
  for (const pid of pids) {
    try {
      execFileSync("taskset", ["-a", "-p", "-c", cores, String(pid)], { stdio: "ignore" });
    } catch (err) {
      if (existsSync(`/proc/${pid}`)) throw err;
    }
  }
}

/** Puts every process where `placement` says; wrk, started by this process afterwards, inherits its affinity. */
function place(placement: Placement, proxies: readonly Proxy[], backends: readonly Spawned[]): void {
  if (!values.pin) return;
  const client = [process.pid, ...backends.map((b) => b.proc.pid!)];
  const proxyPids = proxies.flatMap((p) => p.pids);
  if (placement === "unpinned") return setAffinity([...client, ...proxyPids], ALL_CORES);
  setAffinity(client, CLIENT_CORES);
  setAffinity(proxyPids, PROXY_CORE);
}

// ---- processes under test ----

interface Spawned { proc: ChildProcess; stop(): void }

function spawnQuiet(cmd: string, args: string[]): Spawned {
  // Output goes to files (error logs) or nowhere: an unread pipe would fill and stall the server.
  const proc = spawn(cmd, args, { stdio: "ignore" });
  return { proc, stop: () => void proc.kill("SIGKILL") };
}

async function waitUp(origin: string, proc: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(origin);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch { /* not yet */ }
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`${what} did not start (see ${dir})`);
    await sleep(100);
  }
}

const tempPaths = (d: string) => ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path ${d}/${t};`).join(" ");

/** One target: a single nginx process (no master) answering its name on every path, /health included. */
async function startBackend(name: string, port: number): Promise<Spawned> {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "nginx.conf"), `
daemon off; master_process off; worker_processes 1; pid ${d}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off; ${tempPaths(d)}
  keepalive_requests 10000000; keepalive_timeout 120s;
  server { listen 127.0.0.1:${port}; default_type text/plain; location / { return 200 "${name}\\n"; } }
}`);
  const s = spawnQuiet("nginx", ["-p", d, "-c", join(d, "nginx.conf"), "-e", join(d, "error.log")]);
  await waitUp(`http://127.0.0.1:${port}/`, s.proc, `backend ${name}`);
  return s;
}

interface Proxy {
  name: string;
  origin: string;
  /** The pids whose CPU counts as the proxy's. */
  pids: number[];
  /** Berth only: its data plane's worker thread. */
  workerThread?: string;
  stop(): Promise<void>;
}

async function startNginx(ports: number[]): Promise<Proxy> {
  const d = join(dir, "nginx-proxy");
  mkdirSync(d, { recursive: true });
  const port = await freePort();
  writeFileSync(join(d, "nginx.conf"), `
daemon off; worker_processes 1; pid ${d}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off; ${tempPaths(d)}
  keepalive_requests 10000000; keepalive_timeout 120s;
  upstream targets { ${ports.map((p) => `server 127.0.0.1:${p};`).join(" ")} keepalive 64; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://targets; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}`);
  const s = spawnQuiet("nginx", ["-p", d, "-c", join(d, "nginx.conf"), "-e", join(d, "error.log")]);
  const origin = `http://127.0.0.1:${port}`;
  await waitUp(`${origin}/`, s.proc, "nginx proxy");
  return { name: "nginx", origin, pids: [s.proc.pid!, ...childrenOf(s.proc.pid!)], stop: async () => void s.proc.kill("SIGTERM") };
}

async function startHaproxy(ports: number[]): Promise<Proxy> {
  const d = join(dir, "haproxy");
  mkdirSync(d, { recursive: true });
  const port = await freePort();
  writeFileSync(join(d, "haproxy.cfg"), `
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option forwardfor
  http-reuse always
frontend fe
  bind 127.0.0.1:${port}
  default_backend targets
backend targets
  balance roundrobin
  option httpchk GET /health
${ports.map((p, i) => `  server t${i + 1} 127.0.0.1:${p} check inter ${INTERVAL_S}s fall ${UNHEALTHY_THRESHOLD} rise 2`).join("\n")}
`);
  const s = spawnQuiet("haproxy", ["-db", "-f", join(d, "haproxy.cfg")]);
  const origin = `http://127.0.0.1:${port}`;
  await waitUp(`${origin}/`, s.proc, "haproxy");
  return { name: "HAProxy", origin, pids: [s.proc.pid!, ...childrenOf(s.proc.pid!)], stop: async () => void s.proc.kill("SIGTERM") };
}

/** The reference: a bare Node http proxy (bench/bare-node-proxy.ts) in its own process. */
async function startBareNode(ports: number[]): Promise<Proxy> {
  const port = await freePort();
  const s = spawnQuiet(process.execPath, [new URL("./bare-node-proxy.js", import.meta.url).pathname, String(port), ...ports.map(String)]);
  const origin = `http://127.0.0.1:${port}`;
  await waitUp(`${origin}/`, s.proc, "bare Node proxy");
  return { name: "bare Node http proxy (reference)", origin, pids: [s.proc.pid!], stop: async () => void s.proc.kill("SIGTERM") };
}

const elbClient = (berth: BerthProcess) =>
  new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });

async function startAlb(ports: number[]): Promise<{ proxy: Proxy; berth: BerthProcess; targetGroupArn: string }> {
  // No --load-balancer-health-check-speedup: real intervals, as on AWS.
  const berth = await BerthProcess.start({ args: values["berth-args"]!.split(" ").filter(Boolean) });
  const elb = elbClient(berth);
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: "bench", Type: "application", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!;
  const address = lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
  const tg = (await elb.send(new CreateTargetGroupCommand({
    Name: "bench", Protocol: "HTTP", Port: 80, TargetType: "ip", VpcId: "vpc-1", HealthCheckPath: "/health",
    HealthCheckIntervalSeconds: INTERVAL_S, HealthyThresholdCount: 2, UnhealthyThresholdCount: UNHEALTHY_THRESHOLD,
  }))).TargetGroups![0]!;
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: tg.TargetGroupArn }] }));
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: ports.map((p) => ({ Id: "127.0.0.1", Port: p })) }));
  await waitUntilTargetInService({ client: elb, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TargetGroupArn: tg.TargetGroupArn });
  elb.destroy();
  const pid = berth.proc.pid!;
  // Whatever Berth itself started (nothing today) counts, and is pinned, with it.
  const pids = [pid, ...childrenOf(pid)];
  const workers = readdirSync(`/proc/${pid}/task`).filter((tid) => readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim() === "WorkerThread");
  if (workers.length !== 1) throw new Error(`expected one WorkerThread in Berth (pid ${pid}), found ${workers.length}`);
  // Its nice value (loadBalancerThreadNice), field 19 of its stat: printed with the results.
  const stat = readFileSync(`/proc/${pid}/task/${workers[0]}/stat`, "utf8");
  console.log(`Berth's data plane thread runs at nice ${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]}${values["berth-args"] ? ` (berth up ${values["berth-args"]})` : ""}`);
  return {
    berth, targetGroupArn: tg.TargetGroupArn!,
    proxy: { name: "Berth ALB", origin: `http://${address}:80`, pids, workerThread: `/proc/${pid}/task/${workers[0]}/stat`, stop: () => berth.stop() },
  };
}

// ---- measurements ----

interface Saturation {
  result: LoadResult; proxyTicks: number; workerTicks: number; backendTicks: number; wrkTicks: number; machineTicks: number; selfTicks: number;
  /** The system-time part of proxyTicks and workerTicks. */
  proxyKernelTicks: number; workerKernelTicks: number;
}

async function saturate(p: Proxy, backends: Spawned[]): Promise<Saturation> {
  const read = () => ({
    proxy: p.pids.reduce((n, pid) => n + ticks(`/proc/${pid}/stat`), 0),
    worker: p.workerThread ? ticks(p.workerThread) : 0,
    proxyKernel: p.pids.reduce((n, pid) => n + ticks(`/proc/${pid}/stat`, true), 0),
    workerKernel: p.workerThread ? ticks(p.workerThread, true) : 0,
    backends: backends.reduce((n, b) => n + ticks(`/proc/${b.proc.pid}/stat`), 0),
    wrk: reapedChildTicks(),
    machine: machineBusyTicks(),
    self: ticks("/proc/self/stat"),
  });
  const before = read();
  const result = await wrkLoad(p.origin, { method: "GET", path: "/", headers: {}, connections: CONNECTIONS, seconds: SECONDS });
  const after = read();
  return {
    result, proxyTicks: after.proxy - before.proxy, workerTicks: after.worker - before.worker, backendTicks: after.backends - before.backends,
    wrkTicks: after.wrk - before.wrk, machineTicks: after.machine - before.machine, selfTicks: after.self - before.self,
    proxyKernelTicks: after.proxyKernel - before.proxyKernel, workerKernelTicks: after.workerKernel - before.workerKernel,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * Fails target `name` (SIGKILL of its backend) while a probe sends one request through the ALB
 * every 5 ms; returns the time from the kill to the last request sent that still went to it (the
 * ALB answers those 502), and to DescribeTargetHealth's "unhealthy".
 */
async function failover(berth: BerthProcess, albOrigin: string, tgArn: string, backend: Spawned, port: number): Promise<{ removedMs: number; unhealthyMs: number; failedAfterUnhealthy: number; failed: number }> {
  const elb = elbClient(berth);
  const pool = new Pool(albOrigin, { connections: 1 });
  const probes: Array<{ sentMs: number; failed: boolean }> = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const sentMs = performance.now();
      const res = await pool.request({ method: "GET", path: "/" });
      const body = await res.body.text();
      // A 502 from the ALB, or (before the connection noticed) an answer from the dying target.
      probes.push({ sentMs, failed: res.statusCode !== 200 || body.trim() === `t3` });
      await sleep(5);
    }
  })();
  const state = async () => (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions!
    .find((d) => d.Target!.Port === port)!.TargetHealth!.State;
  try {
    await sleep(1000);
    const killedMs = performance.now();
    backend.proc.kill("SIGKILL");
    let unhealthyMs = NaN;
    const deadline = killedMs + 30_000;
    while (performance.now() < deadline) {
      if ((await state()) === "unhealthy") {
        unhealthyMs = performance.now() - killedMs;
        break;
      }
      await sleep(100);
    }
    await sleep(2000); // after the API says unhealthy, the probe must see no more failures
    probing = false;
    await probe;
    const failedProbes = probes.filter((p) => p.failed && p.sentMs >= killedMs);
    const lastFailed = failedProbes.at(-1);
    return {
      removedMs: lastFailed ? lastFailed.sentMs - killedMs : 0,
      unhealthyMs,
      failed: failedProbes.length,
      failedAfterUnhealthy: failedProbes.filter((p) => p.sentMs > killedMs + unhealthyMs).length,
    };
  } finally {
    probing = false;
    await probe.catch(() => undefined);
    await pool.close();
    elb.destroy();
  }
}

async function main() {
  const started = Date.now();
  const processesAtStart = allProcesses();
  const machineAtStart = machineBusyTicks();
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const backends: Spawned[] = [];
  const proxies: Proxy[] = [];
  let berth: BerthProcess | undefined;
  try {
    for (const [i, port] of ports.entries()) backends.push(await startBackend(`t${i + 1}`, port));
    const alb = await startAlb(ports);
    berth = alb.berth;
    proxies.push(alb.proxy, await startNginx(ports));
    if (PROXIES.has("haproxy")) proxies.push(await startHaproxy(ports));
    if (PROXIES.has("bare")) proxies.push(await startBareNode(ports));
    const ours = new Set([process.pid, ...backends.map((b) => b.proc.pid!), ...proxies.flatMap((p) => p.pids)]);

    // 1. Saturation, interleaved rounds (the order rotates each round; with --pin each proxy runs
    //    in both placements, their order alternating).
    const key = (placement: Placement, name: string) => `${placement}|${name}`;
    const placementsOf = (round: number) => (round % 2 === 0 ? PLACEMENTS : [...PLACEMENTS].reverse());
    const sat = new Map<string, Saturation[]>();
    for (let round = 0; round < ROUNDS; round++) {
      const order = proxies.map((_, i) => proxies[(i + round) % proxies.length]!);
      for (const p of order) {
        for (const placement of placementsOf(round)) {
          place(placement, proxies, backends);
          const k = key(placement, p.name);
          sat.set(k, [...(sat.get(k) ?? []), await saturate(p, backends)]);
        }
      }
    }
    const perSecond = (placement: Placement, name: string) => { const s = sat.get(key(placement, name))!; return sum(s.map((x) => x.result.requests)) / sum(s.map((x) => x.result.seconds)); };
    const cpuPer100k = (placement: Placement, name: string, pick: (s: Saturation) => number) => { const s = sat.get(key(placement, name))!; return (sum(s.map(pick)) / 100) / sum(s.map((x) => x.result.requests)) * 100_000; };

    // 2. Latency at half of nginx's rate (in the same placement): the number of paced connections
    //    is calibrated on the direct path.
    const pace = `function delay() return ${PACE_MS} end`;
    const direct = { name: "direct to one target", origin: `http://127.0.0.1:${ports[0]}` };
    const paced = new Map<Placement, { half: number; connections: number; berthHalf: number; berthConnections: number }>();
    for (const placement of PLACEMENTS) {
      place(placement, proxies, backends);
      const probe = await wrkLoad(direct.origin, { method: "GET", path: "/", headers: {}, connections: 8, seconds: 2, lua: pace });
      const half = perSecond(placement, "nginx") / 2;
      const berthHalf = perSecond(placement, alb.proxy.name) / 2;
      paced.set(placement, {
        half, connections: Math.max(1, Math.round(half / (probe.perSecond / 8))),
        berthHalf, berthConnections: Math.max(1, Math.round(berthHalf / (probe.perSecond / 8))),
      });
    }
    const paths = [direct, ...proxies];
    const lat = new Map<string, LoadResult[]>();
    for (let round = 0; round < ROUNDS; round++) {
      const order = paths.map((_, i) => paths[(i + round) % paths.length]!);
      for (const p of order) {
        for (const placement of placementsOf(round)) {
          place(placement, proxies, backends);
          const k = key(placement, p.name);
          lat.set(k, [...(lat.get(k) ?? []), await wrkLoad(p.origin, { method: "GET", path: "/", headers: {}, connections: paced.get(placement)!.connections, seconds: SECONDS, lua: pace })]);
        }
      }
    }

    // 2b. The same at half of Berth's own saturated rate, direct and through the ALB only.
    const latOwn = new Map<string, LoadResult[]>();
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [direct, alb.proxy] : [alb.proxy, direct];
      for (const p of order) {
        for (const placement of placementsOf(round)) {
          place(placement, proxies, backends);
          const k = key(placement, p.name);
          latOwn.set(k, [...(latOwn.get(k) ?? []), await wrkLoad(p.origin, { method: "GET", path: "/", headers: {}, connections: paced.get(placement)!.berthConnections, seconds: SECONDS, lua: pace })]);
        }
      }
    }
    place("unpinned", proxies, backends);

    // 3. Failover of target t3.
    const trials = [];
    for (let t = 0; t < TRIALS; t++) {
      trials.push(await failover(alb.berth, alb.proxy.origin, alb.targetGroupArn, backends[2]!, ports[2]!));
      backends[2] = await startBackend("t3", ports[2]!);
      const elb = elbClient(alb.berth);
      for (;;) {
        const states = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: alb.targetGroupArn }))).TargetHealthDescriptions!.map((d) => d.TargetHealth!.State);
        if (states.every((s) => s === "healthy")) break;
        await sleep(250);
      }
      elb.destroy();
    }

    // ---- report ----
    const wallS = (Date.now() - started) / 1000;
    console.log(`\n${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${CORES} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; `
      + `${ROUNDS} interleaved rounds of ${SECONDS} s, wrk 1 thread x ${CONNECTIONS} connections; whole run ${wallS.toFixed(0)} s`
      + `${values.pin ? "; every run made both unpinned and pinned (--pin), interleaved" : ""}`);
    for (const placement of PLACEMENTS) {
      if (values.pin) console.log(`\n#### ${placementLabel[placement]}`);
      console.log("");
      const nginxCpu = cpuPer100k(placement, "nginx", (s) => s.proxyTicks);
      console.log("| proxy (one worker each) | req/s at saturation | proxy CPU s per 100,000 req | of it in the kernel | efficiency vs nginx (nginx CPU / this CPU) | CPU used by others during its runs |");
      console.log("|---|---:|---:|---:|---:|---:|");
      const others = (name: string) => {
        const s = sat.get(key(placement, name))!;
        const ticksOther = sum(s.map((x) => x.machineTicks - x.proxyTicks - x.backendTicks - x.wrkTicks - x.selfTicks));
        return `${(ticksOther / 100 / sum(s.map((x) => x.result.seconds))).toFixed(2)} cores`;
      };
      for (const p of proxies) {
        const cpu = cpuPer100k(placement, p.name, (s) => s.proxyTicks);
        const label = p.workerThread ? "Berth ALB (whole Berth process)" : p.name;
        const kernel = cpuPer100k(placement, p.name, (s) => s.proxyKernelTicks);
        console.log(`| ${label} | ${fmt(perSecond(placement, p.name))} | ${cpu.toFixed(2)} | ${kernel.toFixed(2)} | ${(nginxCpu / cpu).toFixed(2)}x | ${others(p.name)} |`);
        if (p.workerThread) {
          const w = cpuPer100k(placement, p.name, (s) => s.workerTicks);
          const wk = cpuPer100k(placement, p.name, (s) => s.workerKernelTicks);
          console.log(`| Berth ALB (data plane thread "WorkerThread" only) | (same runs) | ${w.toFixed(2)} | ${wk.toFixed(2)} | ${(nginxCpu / w).toFixed(2)}x | |`);
        }
      }
      const backendCpu = (name: string) => cpuPer100k(placement, name, (s) => s.backendTicks);
      const wrkCpu = (name: string) => cpuPer100k(placement, name, (s) => s.wrkTicks);
      console.log(`\nPer 100,000 requests, the three backends used ${proxies.map((p) => `${backendCpu(p.name).toFixed(2)} s (${p.name})`).join(", ")}; wrk used ${proxies.map((p) => `${wrkCpu(p.name).toFixed(2)} s (${p.name})`).join(", ")}.`);

      const { half, connections, berthHalf, berthConnections } = paced.get(placement)!;
      console.log(`\nLatency at half of nginx's rate (target ${fmt(half)} req/s): wrk, ${connections} connections each waiting ${PACE_MS} ms after every answer; medians over the rounds of wrk's percentiles.\n`);
      const latencyTable = (results: Map<string, LoadResult[]>, order: Array<{ name: string }>) => {
        const d50 = median(results.get(key(placement, direct.name))!.map((r) => r.p50Ms));
        const d99 = median(results.get(key(placement, direct.name))!.map((r) => r.p99Ms));
        console.log("| path | req/s achieved | p50 | p99 | added p50 | added p99 |");
        console.log("|---|---:|---:|---:|---:|---:|");
        for (const p of order) {
          const rs = results.get(key(placement, p.name))!;
          const rate = sum(rs.map((r) => r.requests)) / sum(rs.map((r) => r.seconds));
          const p50 = median(rs.map((r) => r.p50Ms));
          const p99 = median(rs.map((r) => r.p99Ms));
          const added = p === direct ? "| - | - |" : `| ${(p50 - d50).toFixed(3)} ms | ${(p99 - d99).toFixed(3)} ms |`;
          console.log(`| ${p.name} | ${fmt(rate)} | ${p50.toFixed(3)} ms | ${p99.toFixed(3)} ms ${added}`);
        }
      };
      latencyTable(lat, paths);
      console.log(`\nThe same at half of the ALB's own saturated rate (target ${fmt(berthHalf)} req/s, ${berthConnections} paced connections):\n`);
      latencyTable(latOwn, [direct, alb.proxy]);
    }

    const budgetMs = (INTERVAL_S * UNHEALTHY_THRESHOLD + 1) * 1000;
    if (TRIALS > 0) console.log(`\nFailover (interval ${INTERVAL_S} s, unhealthy threshold ${UNHEALTHY_THRESHOLD}, no speedup; budget ${budgetMs / 1000} s), target t3's backend SIGKILLed, probe every 5 ms:\n`);
    if (TRIALS > 0) console.log("| trial | kill -> last request sent to it | kill -> DescribeTargetHealth unhealthy | failed probes | failed after unhealthy | within budget |\n|---:|---:|---:|---:|---:|---|");
    trials.forEach((t, i) => console.log(`| ${i + 1} | ${(t.removedMs / 1000).toFixed(2)} s | ${(t.unhealthyMs / 1000).toFixed(2)} s | ${t.failed} | ${t.failedAfterUnhealthy} | ${t.removedMs <= budgetMs ? "yes" : "no"} |`));

    // What else used the machine during the run (processes that lived through it, by CPU).
    const processesAtEnd = allProcesses();
    const machineS = (machineBusyTicks() - machineAtStart) / 100;
    const alongside = [...processesAtEnd].filter(([pid]) => !ours.has(pid) && processesAtStart.has(pid))
      .map(([pid, p]) => ({ pid, cmd: p.cmd.slice(0, 100), s: (p.ticks - processesAtStart.get(pid)!.ticks) / 100 }))
      .filter((p) => p.s >= 1).sort((a, b) => b.s - a.s).slice(0, 8);
    console.log(`\nMachine: ${machineS.toFixed(0)} CPU s busy in ${wallS.toFixed(0)} s (${(machineS / wallS).toFixed(2)} cores on average); load average at the end ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}.`);
    console.log("Other processes alive through the run, by CPU seconds (short-lived ones, e.g. test servers, are in the machine total only):");
    for (const p of alongside) console.log(`  ${p.s.toFixed(1)} s  ${p.cmd}`);
  } finally {
    for (const p of proxies) await p.stop().catch(() => undefined);
    if (berth && !proxies.some((p) => p.workerThread)) await berth.stop().catch(() => undefined);
    for (const b of backends) b.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
