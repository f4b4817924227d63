/**
 * The web console's first page load: a cluster page (every service described, every task
 * described, container instances) in headless Debian chromium, against a live Berth on loopback.
 *   npm run build && node dist/bench/console-load.js [--services 100] [--tasks-per-service 1] [--stopped-tasks 0] [--loads 5] [--static-reference]
 * Time is from navigation to the page showing every service and every task; the first load has a
 * cold cache (the bundle is fetched), the others a warm one. Prints the bundle's gzipped size too,
 * the machine's load average before and after, and the AWS calls each load made: how many of each
 * operation, their time (request sent to response headers, as chromium's timing records it) and
 * the bytes they returned. Needs real containers: every running task is one (tasks-per-service x
 * services). --stopped-tasks adds that many STOPPED tasks without a container: RunTask of an image
 * that is not in Berth's registry (the pull, on loopback, fails; the task stops with
 * CannotPullContainerError), so the page lists and describes 1,000 tasks without 1,000 containers
 * at once (which drove a shared 2-core machine to a load average of 100).
 * --baseline DIR compares with another build of the console (a copy of an earlier dist/console):
 * its files are served beside this build's by the same server (their names are content hashes;
 * its index.html as /console/index-baseline.html), and the loads alternate between the two, each
 * build in a browser context of its own (its own cache), so both meet the same data and the same
 * moment of a shared machine. This build's index.html is then served the same way, as
 * /console/index-this.html (a page under /console/ is cached like a bundle file; the same for
 * both), and which build loads first alternates from one round to the next.
 * Each load's phases come from the page's own clock (DOMContentLoaded, the first AWS call sent, the
 * last call answered before the page showed everything, everything shown); the warm medians are
 * printed by build. A load not shown after 5 s prints what the page shows, the requests it waits
 * for and the TCP connections to Berth at that moment (ss), and then when each was answered.
 * --net-log FILE writes chromium's net log (which socket a request waited for, and why);
 * --trace FILE a chromium trace (timeline and CPU samples) of this build's last load, which the
 * tracing slows: leave it out of runs whose times count. --trace-categories a,b,c traces those
 * instead (e.g. disabled-by-default-v8.cpu_profiler,toplevel: CPU samples without the timeline's
 * per-function events, which slow the page's JavaScript about threefold).
 * Each load also prints the page's main-thread time (CDP Performance metrics: busy, on a CPU,
 * script, layout, style) and the CPU time chromium's processes and Berth's main thread used during
 * it: on a shared machine these move less than wall time does.
 * --restart stops Berth once the data is in and starts it again on the same data directory before
 * the first load, which then is the first load after a fresh `berth up` with that data (as a user
 * who opens the console right after starting Berth gets it): no API call reaches the new process
 * before it (the task count the page must show is the one read before the restart).
 * --berth-bin FILE runs another build of Berth (its dist/src/cli/main.js; its own dist/console is
 * served): to compare a server change before and after on the same machine at the same time.
 * --static-reference adds a third page to the loads: the cluster page's final DOM as static HTML
 * (CSS inlined, every script removed, served by the bench), the floor of what chromium on this
 * machine needs to show the same page with no JavaScript and no AWS call at all.
 * Not a test: nothing here asserts a time.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { parseArgs } from "node:util";
import { loadavg } from "node:os";
import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import puppeteer from "puppeteer-core";
import { CreateServiceCommand, DescribeClustersCommand, DescribeServicesCommand, DescribeTasksCommand, ListServicesCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type DesiredStatus } from "@aws-sdk/client-ecs";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { BerthProcess } from "../test/harness.js";
import { ensureTestImage, TEST_IMAGE } from "../test/images.js";
import { waitFor } from "../test/wait.js";
import { ecr } from "../test/registry-kit.js";
import { CONSOLE_DIR as OWN_CONSOLE_DIR } from "../src/console/console-assets.js";

const { values } = parseArgs({ options: { services: { type: "string", default: "100" }, "tasks-per-service": { type: "string", default: "1" }, "stopped-tasks": { type: "string", default: "0" }, loads: { type: "string", default: "5" }, baseline: { type: "string" }, restart: { type: "boolean", default: false }, "berth-bin": { type: "string" }, "net-log": { type: "string" }, trace: { type: "string" }, "trace-categories": { type: "string" }, "static-reference": { type: "boolean", default: false } } });
const STOPPED = Number(values["stopped-tasks"]);
const SERVICES = Number(values.services);
const PER = Number(values["tasks-per-service"]);
const LOADS = Number(values.loads);
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
const BIN = values["berth-bin"];
// The console that Berth build serves: dist/console beside its dist/src/cli/main.js.
const CONSOLE_DIR = BIN ? join(dirname(BIN), "..", "..", "console") : OWN_CONSOLE_DIR;

let bundle = 0;
let zipped = 0;
const built = readdirSync(CONSOLE_DIR).filter((f) => !f.endsWith(".br") && !f.endsWith(".gz"));
for (const f of built) {
  const bytes = readFileSync(join(CONSOLE_DIR, f));
  bundle += bytes.length;
  zipped += gzipSync(bytes, { level: 9 }).length;
}
console.log(`bundle: ${built.length} files, ${(bundle / 1024).toFixed(1)} KB, ${(zipped / 1024).toFixed(1)} KB gzipped`);

/**
 * Loaded: both titles shown and both tables' rows rendered (the first 100 of each; the rest wait
 * for "Show all"), for `s` services and `t` tasks. Returns the page's own clock then (ms after
 * navigation start), else false. Run in the page (puppeteer sends its source): self-contained.
 */
const everythingShown = (s: number, t: number) => {
  const doc = (globalThis as unknown as { document: { querySelector(q: string): { textContent: string } | null; querySelectorAll(q: string): { length: number } } }).document;
  // Checked every frame, so cheaply: rows counted and the sections' titles read as text
  // (textContent; the page's innerText would lay out 200 rows each frame, ~15 ms of the
  // page's main thread at a load average of 10, in the middle of the load it measures).
  const title = (id: string) => doc.querySelector(`#${id} h2`)?.textContent ?? "";
  // The tasks' title: their count when one ListTasks page of each kind held them all,
  // else the cluster's running and pending counts (DescribeClusters': tasks that are
  // desired RUNNING may still be PENDING) and "first 100 shown".
  const loaded = doc.querySelectorAll("#services tbody tr").length >= Math.min(s, 100) && doc.querySelectorAll("#tasks tbody tr").length >= Math.min(t, 100)
    && title("services") === `Services (${s})` && (title("tasks") === `Tasks (${t})` || (t > 100 && /^Tasks \(\d+ running, \d+ pending; first 100 shown\)$/.test(title("tasks"))));
  // When, on the page's own clock (ms after navigation start): for its phases.
  return loaded && (globalThis as unknown as { performance: { now(): number } }).performance.now();
};

/** The static reference page (--static-reference, below): captured from a load of this build, then served by the bench. */
async function staticReference(total: number): Promise<{ url: string; server: Server }> {
  const page = await (await browser.createBrowserContext()).newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(`${berth.endpoint}/#/clusters/default`);
  await page.waitForFunction(everythingShown, { timeout: 120_000, polling: "raf" }, SERVICES, total);
  // A string: the bench is compiled without the DOM's types.
  const html = (await page.evaluate(`(() => {
    const root = document.documentElement.cloneNode(true);
    for (const e of root.querySelectorAll("script, link[rel=modulepreload], link[rel=stylesheet]")) e.remove();
    return "<!doctype html>\\n" + root.outerHTML;
  })()`)) as string;
  await page.browserContext().close();
  const css = readFileSync(join(CONSOLE_DIR, readdirSync(CONSOLE_DIR).find((f) => /^app-.*\.css$/.test(f))!), "utf8");
  const body = html.replace("</head>", `<style>${css}</style></head>`);
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(body));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  console.log(`static reference: ${(body.length / 1024).toFixed(0)} KB of HTML and CSS, no script`);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/#/clusters/default`, server };
}

// The baseline's files, copied in before the server reads the directory and removed at the end.
const added: string[] = [];
if (values.baseline) {
  for (const f of readdirSync(values.baseline)) {
    const to = f === "index.html" ? "index-baseline.html" : f;
    if (existsSync(join(CONSOLE_DIR, to))) continue;
    copyFileSync(join(values.baseline, f), join(CONSOLE_DIR, to));
    added.push(to);
  }
  copyFileSync(join(CONSOLE_DIR, "index.html"), join(CONSOLE_DIR, "index-this.html"));
  added.push("index-this.html");
}

console.log(`load average at start: ${load()}`);
await ensureTestImage();
const instances = Math.max(1, Math.ceil((SERVICES * PER) / 100));
const berthArgs = ["--instances", String(instances), "--instance-cpu", "102400", "--instance-memory", "102400"];
// A data directory of the bench's own, which a restart (--restart) keeps.
const dataDir = mkdtempSync(join(tmpdir(), "berth-bench-"));
let berth = await BerthProcess.start({ args: berthArgs, dataDir, ...(BIN ? { bin: BIN } : {}) });
/** --static-reference's page (below), once captured. */
let reference: { url: string; server: Server } | undefined;
const browser = await puppeteer.launch({ executablePath: process.env.BERTH_CHROMIUM ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu", ...(values["net-log"] ? [`--log-net-log=${values["net-log"]}`, "--net-log-capture-mode=Everything"] : [])] });
try {
  let ecs = berth.ecs();
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "default", networkMode: "bridge", containerDefinitions: [{ name: "app", image: TEST_IMAGE, memory: 8, command: ["sleep", "3600"], stopTimeout: 1 }] }));
  for (let i = 0; i < SERVICES; i++) {
    await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: `svc-${String(i).padStart(3, "0")}`, taskDefinition: "default", desiredCount: PER }));
  }
  const count = async (desiredStatus: DesiredStatus) => {
    let n = 0;
    let nextToken: string | undefined;
    do {
      const r = await ecs.send(new ListTasksCommand({ cluster: "default", desiredStatus, nextToken }));
      n += r.taskArns?.length ?? 0;
      nextToken = r.nextToken;
    } while (nextToken);
    return n;
  };
  const running = SERVICES * PER;
  await waitFor(`${running} running tasks`, async () => (await count("RUNNING")) >= running || undefined, 600_000);
  if (STOPPED > 0) {
    const repo = (await ecr(berth).send(new CreateRepositoryCommand({ repositoryName: "bench/absent" }))).repository!;
    await ecs.send(new RegisterTaskDefinitionCommand({ family: "absent", networkMode: "bridge", containerDefinitions: [{ name: "app", image: `${repo.repositoryUri}:nothing`, memory: 8 }] }));
    for (let left = STOPPED; left > 0; left -= 10) await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "absent", count: Math.min(10, left) }));
    await waitFor(`${STOPPED} stopped tasks`, async () => (await count("STOPPED")) >= STOPPED && (await count("RUNNING")) === running || undefined, 600_000);
  }
  // Tasks still settle for a while (a failed pull's task leaves PENDING, a service replaces one):
  // the loads start once ListTasks gives the same total three times in a row, 2 s apart.
  let total = -1;
  let same = 0;
  await waitFor("a steady task count", async () => {
    const now = (await count("RUNNING")) + (await count("STOPPED"));
    same = now === total ? same + 1 : 0;
    total = now;
    await new Promise((r) => setTimeout(r, 2_000));
    return same >= 2 || undefined;
  }, 300_000);
  console.log(`${running} tasks running, ${STOPPED} stopped; load average now: ${load()}`);
  // What Berth's main thread does with no client at all (the services' scheduling passes, task
  // reports, metrics): the work every API answer, the console's included, may wait behind.
  const serverCpuMs = () => Number(readFileSync(`/proc/${berth.proc.pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
  const idleFrom = serverCpuMs();
  await new Promise((r) => setTimeout(r, 10_000));
  console.log(`Berth's main thread with no client: ${((serverCpuMs() - idleFrom) / 10).toFixed(1)} ms of CPU a second (10 s)`);
  // --static-reference: the floor under any version of this page on this machine. The cluster
  // page's final DOM, as this build rendered it, saved as one static HTML file with the console's
  // CSS inlined and every script removed: no JavaScript, no AWS call, just chromium parsing,
  // styling, laying out and painting the same 200 rows. Captured before a --restart (no call may
  // reach the new process before the first load) and served by a tiny server of the bench's own on
  // loopback (Berth reads its console files once, at start); loaded like the builds, in a context
  // of its own, alternating with them.
  if (values["static-reference"]) reference = await staticReference(total);
  if (values.restart) {
    // Stopped and started again on the same data: the running tasks' containers stay up and are
    // recovered, as after any restart. The new process gets no API call before the first load.
    await berth.stop();
    berth = await BerthProcess.start({ args: berthArgs, dataDir, ...(BIN ? { bin: BIN } : {}) });
    ecs = berth.ecs();
    // What a user gets who opens the console a few seconds after `berth up`: recovery and
    // whatever Berth does at start have had time to finish.
    // Berth's health endpoint (not an AWS call) is asked every 250 ms meanwhile: how long it takes
    // to answer shows whether the new process is still busy when the load starts.
    const answered: number[] = [];
    for (const until = performance.now() + 5_000; performance.now() < until;) {
      const t = performance.now();
      await fetch(`${berth.endpoint}/_berth/health`).then((r) => r.arrayBuffer());
      answered.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`restarted on the same data; /_berth/health answered in ${answered.map((ms) => ms.toFixed(0)).join(", ")} ms; load average now: ${load()}`);
  }
  // One page per build, each in a browser context of its own (its own cache: its first load is cold).
  const builds = [{ name: "this build", path: values.baseline ? "/console/index-this.html" : "/" }, ...(values.baseline ? [{ name: "baseline", path: "/console/index-baseline.html" }] : [])];
  const targets = [...builds.map((b) => ({ name: b.name, url: `${berth.endpoint}${b.path}#/clusters/default` })), ...(reference ? [{ name: "static reference", url: reference.url }] : [])];
  const variants = await Promise.all(targets.map(async (v) => {
    const page = await (await browser.createBrowserContext()).newPage();
    await page.setViewport({ width: 1280, height: 800 });
    const variant = { ...v, page, networkChanged: false, times: [] as number[], calls: [] as Array<{ op: string; ms: number; bytes: number; start: number; end: number }>, open: new Map<unknown, { what: string; at: number }>(), stalledAt: 0, loadedAt: 0, phases: [] as Array<Record<"dcl" | "firstCall" | "lastCall" | "loaded" | "task" | "script" | "layout" | "style" | "thread" | "chromium" | "server", number>>, cdp: await page.createCDPSession(), work: { task: 0, script: 0, layout: 0, style: 0, thread: 0, chromium: 0, server: 0 } };
    // Requests sent and not yet answered: what a load that hangs is waiting for.
    page.on("request", (req) => variant.open.set(req, { what: `${req.method()} ${req.headers()["x-amz-target"]?.split(".").pop() ?? new URL(req.url()).pathname}`, at: performance.now() }));
    for (const ended of ["requestfinished", "requestfailed"] as const) page.on(ended, (req) => {
      const o = variant.open.get(req);
      // In a load that stalled: when each request it waited for was answered at last.
      if (o && variant.stalledAt) console.log(`    ${ended}: ${o.what} (sent ${(o.at - variant.stalledAt).toFixed(0)} ms after navigation), ${(performance.now() - variant.stalledAt).toFixed(0)} ms after navigation`);
      variant.open.delete(req);
    });
    // A call that failed is reported at once (a failed read leaves the page waiting for its next one).
    page.on("requestfailed", (req) => {
      console.log(`  ${v.name} failed: ${req.method()} ${req.headers()["x-amz-target"] ?? req.url()}: ${req.failure()?.errorText}`);
      if (req.failure()?.errorText === "net::ERR_NETWORK_CHANGED") variant.networkChanged = true;
    });
    // Every AWS call the page makes (a POST to Berth), by operation: count, ms, bytes.
    page.on("requestfinished", (req) => {
      const res = req.response();
      const timing = res?.timing();
      if (res && res.status() >= 400) console.log(`  ${v.name} answered ${res.status()}: ${req.headers()["x-amz-target"] ?? req.url()}`);
      if (req.method() !== "POST" || !res || !timing) return;
      const op = (req.headers()["x-amz-target"] ?? new URL(req.url()).pathname).split(".").pop()!;
      const start = timing.requestTime * 1000 + timing.sendStart;
      const end = timing.requestTime * 1000 + timing.receiveHeadersEnd;
      variant.calls.push({ op, ms: end - start, bytes: Number(res.headers()["content-length"] ?? 0), start, end });
    });
    page.on("pageerror", (err) => console.log(`  ${v.name} page error: ${(err as Error).message}`));
    return variant;
  }));
  type Variant = (typeof variants)[number];
  // CPU time (ms) used so far by chromium's processes (all of them: browser, renderers, network,
  // GPU; CDP's SystemInfo, of the processes alive at the time) and by Berth's main thread
  // (/proc schedstat): the load's CPU on both sides, which the machine's other work disturbs far
  // less than the wall time. (Chromium's includes the other build's idle tab and the bench's own
  // CDP traffic, the same for both builds.)
  const systemInfo = await browser.target().createCDPSession();
  const cpu = async () => {
    const { processInfo } = await systemInfo.send("SystemInfo.getProcessInfo");
    return { chromium: processInfo.reduce((n, p) => n + p.cpuTime, 0) * 1000, server: serverCpuMs() };
  };
  // Where a load's time goes, from the page's own Navigation and Resource Timing (ms after navigation start).
  const phases = (v: Variant) => v.page.evaluate((loadedAt: number) => {
    const perf = (globalThis as unknown as { performance: { getEntriesByType(t: string): Array<{ name: string; startTime: number; responseEnd: number; initiatorType?: string; domContentLoadedEventEnd?: number }> } }).performance;
    const nav = perf.getEntriesByType("navigation")[0]!;
    const res = perf.getEntriesByType("resource");
    // The last script to arrive: the page's own chunk (the bundle is split by page).
    const script = res.filter((r) => r.name.endsWith(".js")).sort((a, b) => b.responseEnd - a.responseEnd)[0];
    // The calls the load waited for: those answered before the page showed everything (not
    // what is read after, below the fold).
    const calls = res.filter((r) => r.initiatorType === "fetch" && !r.name.includes("/_berth/") && r.responseEnd <= loadedAt);
    const scripts = res.filter((r) => r.name.endsWith(".js")) as unknown as Array<{ encodedBodySize: number }>;
    return {
      scripts: scripts.length, scriptKB: scripts.reduce((n, r) => n + r.encodedBodySize, 0) / 1024,
      html: nav.responseEnd, script: script?.responseEnd ?? 0, dcl: nav.domContentLoadedEventEnd ?? 0,
      // The static reference makes no call: both at DOMContentLoaded.
      firstCall: calls.length ? Math.min(...calls.map((c) => c.startTime)) : nav.domContentLoadedEventEnd ?? 0,
      lastCall: calls.length ? Math.max(...calls.map((c) => c.responseEnd)) : nav.domContentLoadedEventEnd ?? 0,
    };
  }, v.loadedAt);
  const report = (v: Variant, label: string) => {
    const byOp = new Map<string, { n: number; ms: number; max: number; bytes: number }>();
    for (const c of v.calls) {
      const o = byOp.get(c.op) ?? { n: 0, ms: 0, max: 0, bytes: 0 };
      byOp.set(c.op, { n: o.n + 1, ms: o.ms + c.ms, max: Math.max(o.max, c.ms), bytes: o.bytes + c.bytes });
    }
    const span = v.calls.length ? Math.max(...v.calls.map((c) => c.end)) - Math.min(...v.calls.map((c) => c.start)) : 0;
    console.log(`${v.name}, ${label}: ${v.calls.length} AWS calls, ${span.toFixed(0)} ms from the first sent to the last answered`);
    for (const [op, o] of [...byOp].sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(`  ${op.padEnd(28)} ${String(o.n).padStart(4)} calls  ${o.ms.toFixed(0).padStart(6)} ms in all, ${(o.ms / o.n).toFixed(1)} ms each, slowest ${o.max.toFixed(0)} ms  ${(o.bytes / 1024).toFixed(0)} KB`);
    }
  };
  // The loads alternate between the builds: load 1 of each, then load 2 of each, ...
  for (let i = 0; i < LOADS; i++) {
    // Which build loads first alternates (ABBA...), so neither always follows the other. (A/A runs,
    // the same build in both places, still put "this build" 40-55 ms behind the baseline, with
    // this and without, for a reason not found: docs/benchmarks.md. Read A/B differences smaller
    // than that as none.)
    for (const v of i % 2 ? [...variants].reverse() : variants) {
      const { page } = v;
      // A load whose requests chromium aborted with ERR_NETWORK_CHANGED (other engineers' Docker
      // networks come and go on this machine) is made again, and said so: it measures nothing.
      for (let attempt = 1; ; attempt++) {
        // Every build's page leaves the console first, not only this one's: a console page left
        // open reads everything again ~0.4 s after its event stream opens (and every 30 s), and the
        // other build's page did so in the middle of this load, on the same two cores and the same
        // server: whichever build's loads were slower got hit more often and looked slower still.
        await Promise.all(variants.map((o) => o.page.goto("about:blank")));
        v.calls = [];
        v.open.clear();
        v.networkChanged = false;
        v.stalledAt = 0;
        v.loadedAt = 0;
        // What the page must show: the API's own count, read just before the load (after a
        // restart, the first load's is the one read before it: no call may warm the new process).
        if (!(values.restart && i === 0)) total = (await count("RUNNING")) + (await count("STOPPED"));
        // --trace FILE: a Chrome trace (timeline and CPU samples) of this build's last load.
        const tracing = values.trace && v === variants[0] && i === LOADS - 1;
        if (tracing) await page.tracing.start({ path: values.trace, categories: values["trace-categories"]?.split(",") ?? ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "disabled-by-default-v8.cpu_profiler", "blink.user_timing", "loading", "netlog", "toplevel"] });
        // The page's main-thread time during the load (CDP's Performance metrics, seconds since the
        // renderer started): less disturbed by the rest of the machine than wall time, which on 2
        // shared cores moves by more than a change to the page does. Read before and after; a load
        // that got a new renderer process counts from zero.
        const work = async () => {
          const m = new Map((await v.cdp.send("Performance.getMetrics")).metrics.map((x) => [x.name, x.value * 1000]));
          return { task: m.get("TaskDuration") ?? 0, script: m.get("ScriptDuration") ?? 0, layout: m.get("LayoutDuration") ?? 0, style: m.get("RecalcStyleDuration") ?? 0, thread: m.get("ThreadTime") ?? 0 };
        };
        await v.cdp.send("Performance.enable");
        const workBefore = await work();
        const cpuBefore = await cpu();
        const t0 = performance.now();
        await page.goto(v.url).catch((err: Error) => console.log(`  ${v.name}: navigation failed: ${err.message}`));
        // What the page shows after 5 s, when it is not there yet.
        const late = setTimeout(() => {
          void page.$eval("main", (el) => (el as unknown as { innerText: string }).innerText.slice(0, 600)).then((t) => console.log(`  after 5 s the page shows: ${t.replace(/\s+/g, " ")}\n  and waits for: ${[...v.open.values()].map((o) => `${o.what} (sent ${(o.at - t0).toFixed(0)} ms after navigation)`).join(", ") || "no request"}`), () => undefined);
          // The TCP connections to Berth at that moment, both ends (state, queues): whether the
          // requests reached a socket, and whether the server read them.
          const port = new URL(berth.endpoint).port;
          console.log(`  ${v.name}: load ${i + 1} stalled at ${new Date().toISOString()}; sockets on :${port}:`);
          try {
            console.log(execFileSync("ss", ["-tnpoi", "state", "all", `( sport = :${port} or dport = :${port} )`], { encoding: "utf8", maxBuffer: 64 << 20 }).replace(/^/gm, "    "));
          } catch (err) {
            console.log(`  ss failed: ${(err as Error).message}`);
          }
          v.stalledAt = t0;
        }, 5_000);
        // Loaded: both titles shown and both tables' rows rendered (the first 100 of each; the rest
        // wait for "Show all").
        const done = page.waitForFunction(
          everythingShown,
          { timeout: 120_000, polling: "raf" },
          SERVICES, total,
        ).then(async (shown) => {
          v.loadedAt = (await shown.jsonValue()) as number;
          return "loaded" as const;
        });
        let watch: ReturnType<typeof setInterval> | undefined;
        const changed = new Promise<"changed">((resolve) => (watch = setInterval(() => v.networkChanged && resolve("changed"), 100)));
        const outcome = await Promise.race([done, changed]);
        clearInterval(watch);
        clearTimeout(late);
        if (tracing) await page.tracing.stop();
        if (outcome === "loaded") {
          const after = await work();
          const fresh = after.task < workBefore.task;
          const cpuAfter = await cpu();
          v.work = { task: after.task - (fresh ? 0 : workBefore.task), script: after.script - (fresh ? 0 : workBefore.script), layout: after.layout - (fresh ? 0 : workBefore.layout), style: after.style - (fresh ? 0 : workBefore.style), thread: after.thread - (fresh ? 0 : workBefore.thread), chromium: cpuAfter.chromium - cpuBefore.chromium, server: cpuAfter.server - cpuBefore.server };
        }
        if (outcome === "loaded" && !v.networkChanged) {
          v.times.push(performance.now() - t0);
          console.log(`  ${v.name}: load ${i + 1} ${v.times.at(-1)!.toFixed(0)} ms, load average ${load()}`);
          break;
        }
        done.catch(() => undefined);
        // A burst that outlasts ten attempts costs this load, not the run: it is left out, and said so.
        if (attempt >= 10) {
          console.log(`  ${v.name}: load ${i + 1} left out: 10 attempts failed with ERR_NETWORK_CHANGED`);
          v.times.push(Number.NaN);
          break;
        }
        // The changes come in bursts: the next attempt waits for this one to pass.
        await new Promise((r) => setTimeout(r, 3_000));
        // A cold load made again starts from an empty cache again.
        if (i === 0) await (await page.createCDPSession()).send("Network.clearBrowserCache");
        console.log(`  ${v.name}: load ${i + 1} made again (a request failed with ERR_NETWORK_CHANGED)`);
      }
      if (v.times[i]! > 5_000) console.log(`  ${v.name}: load ${i + 1} took ${v.times[i]!.toFixed(0)} ms`);
      if (Number.isNaN(v.times[i]!)) continue;
      const p = await phases(v);
      v.phases.push({ dcl: p.dcl, firstCall: p.firstCall, lastCall: p.lastCall, loaded: v.loadedAt, ...v.work });
      if (i === 0 || i === LOADS - 1) {
        report(v, `load ${i + 1} (${i === 0 ? "cold" : "warm"}), ${v.times[i]!.toFixed(0)} ms, load average ${load()}`);
        console.log(`  phases (ms after navigation start): html ${p.html.toFixed(0)}, last of ${p.scripts} scripts (${p.scriptKB.toFixed(0)} KB transferred) ${p.script.toFixed(0)}, DOMContentLoaded ${p.dcl.toFixed(0)}, first AWS call sent ${p.firstCall.toFixed(0)}, last answered ${p.lastCall.toFixed(0)}, page showed everything ${v.loadedAt.toFixed(0)}; main thread busy ${v.work.task.toFixed(0)} ms, on a CPU ${v.work.thread.toFixed(0)} ms (script ${v.work.script.toFixed(0)}, layout ${v.work.layout.toFixed(0)}, style ${v.work.style.toFixed(0)}); CPU: chromium ${v.work.chromium.toFixed(0)} ms, Berth's main thread ${v.work.server.toFixed(0)} ms`);
      }
    }
  }
  for (const v of variants) {
    const sorted = v.times.slice(1).filter((t) => !Number.isNaN(t)).sort((a, b) => a - b);
    console.log(`${v.name}: cluster page, ${SERVICES} services, ${total} tasks (${running} running): first (cold) ${v.times[0]!.toFixed(0)} ms; warm median ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(0)} ms; ${v.times.filter((t) => t > 5_000).length} of ${v.times.length} loads over 5 s (${v.times.map((t) => t.toFixed(0)).join(", ")})`);
  }
  // Where the warm loads' time went, by phase (medians, ms): DOMContentLoaded, from it to the first
  // AWS call sent, from that to the last call the load waited for answered, from that to the page
  // showing everything (rendering), and navigation to loaded on the page's own clock.
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  for (const v of variants) {
    const warm = v.phases.slice(1);
    const m = (f: (p: (typeof warm)[number]) => number) => median(warm.map(f)).toFixed(0);
    console.log(`${v.name}: warm medians (ms): DOMContentLoaded ${m((p) => p.dcl)}; to the first call ${m((p) => p.firstCall - p.dcl)}; first sent to last answered ${m((p) => p.lastCall - p.firstCall)}; last answered to all shown ${m((p) => p.loaded - p.lastCall)}; navigation to all shown ${m((p) => p.loaded)}; the page's main thread busy ${m((p) => p.task)}, on a CPU ${m((p) => p.thread)} (script ${m((p) => p.script)}, layout ${m((p) => p.layout)}, style ${m((p) => p.style)}); CPU: chromium ${m((p) => p.chromium)}, Berth's main thread ${m((p) => p.server)}`);
  }
  // The server's side of the first load's calls, without the browser: each call made the same
  // way from Node, one at a time, 20 times; the median is what answering it costs (plus loopback
  // and the SDK's own work in Node).
  const listed = async (desiredStatus: DesiredStatus) => (await ecs.send(new ListTasksCommand({ cluster: "default", desiredStatus }))).taskArns ?? [];
  const someTasks = [...(await listed("RUNNING")), ...(await listed("STOPPED"))].slice(0, 100);
  const someServices = (await ecs.send(new ListServicesCommand({ cluster: "default", maxResults: 10 }))).serviceArns ?? [];
  const calls: Array<[string, () => Promise<unknown>]> = [
    ["DescribeClusters", () => ecs.send(new DescribeClustersCommand({ clusters: ["default"] }))],
    ["ListServices (100)", () => ecs.send(new ListServicesCommand({ cluster: "default", maxResults: 100 }))],
    ["DescribeServices (10)", () => ecs.send(new DescribeServicesCommand({ cluster: "default", services: someServices }))],
    ["ListTasks (a page of 100)", () => ecs.send(new ListTasksCommand({ cluster: "default", desiredStatus: "STOPPED" }))],
    ["DescribeTasks (100)", () => ecs.send(new DescribeTasksCommand({ cluster: "default", tasks: someTasks }))],
  ];
  for (const [name, call] of calls) {
    const ms: number[] = [];
    for (let n = 0; n < 20; n++) {
      const t = performance.now();
      await call();
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    console.log(`  from Node: ${name.padEnd(26)} median ${ms[10]!.toFixed(1)} ms, fastest ${ms[0]!.toFixed(1)} ms`);
  }
  console.log(`load average at the end: ${load()}`);
} catch (err) {
  console.error(`failed; the server (exit ${berth.proc.exitCode}, signal ${berth.proc.signalCode}) last wrote:\n${berth.output.slice(-15).join("\n")}`);
  throw err;
} finally {
  await browser.close();
  reference?.server.close();
  await berth.dispose();
  rmSync(dataDir, { recursive: true, force: true });
  for (const f of added) rmSync(join(CONSOLE_DIR, f));
}
