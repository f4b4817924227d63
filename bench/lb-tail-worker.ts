/**
 * The data plane's thread as Berth runs it (one DataPlaneEngine in a worker), with instruments
 * for bench/lb-tail.ts: event-loop delay, GC pauses by kind, bytes allocated and the thread's own
 * CPU time, each read over one measured window ("start" .. "stop" messages). `engine` in
 * workerData is the path of the engine module, so two builds can be compared in one run.
 */
import { parentPort, workerData } from "node:worker_threads";
import { monitorEventLoopDelay, PerformanceObserver, constants } from "node:perf_hooks";
import v8 from "node:v8";
import { Session } from "node:inspector/promises";
import diagnostics from "node:diagnostics_channel";
import type { DataPlaneSnapshot } from "../src/dataplane/snapshot.js";
import { setThreadNice } from "../src/dataplane/thread-priority.js";

const { engine: enginePath, snapshot, allocationSites, nice } = workerData as { engine: string; snapshot: DataPlaneSnapshot; allocationSites?: boolean; nice?: number };
// The thread's nice value, as Berth's data plane sets it (src/dataplane/worker.ts).
if (nice !== undefined) {
  const set = setThreadNice(nice);
  if (!set.applied) throw new Error(`nice ${nice} not applied: ${set.reason}`);
}
const { DataPlaneEngine } = (await import(enginePath)) as typeof import("../src/dataplane/engine.js");
const engine = new DataPlaneEngine();
await engine.apply(snapshot);

interface Window {
  delay: ReturnType<typeof monitorEventLoopDelay>;
  gc: PerformanceObserver;
  pauses: { minor: number[]; major: number[]; other: number[] };
  profiler: v8.GCProfiler;
  usedAtStart: number;
  cpuAtStart: NodeJS.CpuUsage;
  connectsAtStart: number;
}
let window: Window | undefined;
/**
 * Connections this thread opened to targets (net.connect publishes on 'net.client.socket'): with
 * keep-alive, a pool that has to open new ones under load pays a handshake in some requests' time.
 */
let upstreamConnects = 0;
diagnostics.subscribe("net.client.socket", () => upstreamConnects++);
const threadCpu = () => (process as unknown as { threadCpuUsage(): NodeJS.CpuUsage }).threadCpuUsage();

/**
 * With `allocationSites`, V8's sampling heap profiler runs over the window too, counting objects
 * the GC has already collected (what a request allocates and drops is the point): the top sites.
 */
const session = allocationSites ? new Session() : undefined;
session?.connect();

interface ProfileNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: ProfileNode[] }
function topSites(head: ProfileNode, n: number): Array<{ site: string; bytes: number }> {
  const bySite = new Map<string, number>();
  const walk = (node: ProfileNode, parent: string) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const here = `${functionName || "(anonymous)"} ${url.replace(/^.*\/(node_modules|dist|internal)\//, "$1/")}:${lineNumber + 1}`;
    // Node's own internals and natives are charged to their nearest caller, with its name kept.
    const site = url === "" || url.startsWith("node:") ? `${here} <- ${parent}` : here;
    if (node.selfSize > 0) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    for (const c of node.children) walk(c, url === "" || url.startsWith("node:") ? parent : here);
  };
  walk(head, "(root)");
  return [...bySite].map(([site, bytes]) => ({ site, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, n);
}

parentPort!.on("message", async (message: { op: "start" | "stop" | "close" }) => {
  if (message.op === "start") {
    await session?.post("HeapProfiler.startSampling", { samplingInterval: 256, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true } as never);
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const pauses = { minor: [] as number[], major: [] as number[], other: [] as number[] };
    const gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail: { kind: number } }).detail.kind;
        (kind === constants.NODE_PERFORMANCE_GC_MINOR ? pauses.minor : kind === constants.NODE_PERFORMANCE_GC_MAJOR ? pauses.major : pauses.other).push(e.duration);
      }
    });
    gc.observe({ entryTypes: ["gc"] });
    const profiler = new v8.GCProfiler();
    profiler.start();
    window = { delay, gc, pauses, profiler, usedAtStart: v8.getHeapStatistics().used_heap_size, cpuAtStart: threadCpu(), connectsAtStart: upstreamConnects };
    parentPort!.postMessage({ op: "started" });
    return;
  }
  if (message.op === "stop" && window) {
    const w = window;
    window = undefined;
    const cpu = threadCpu();
    const sampled = session && ((await session.post("HeapProfiler.stopSampling")) as unknown as { profile: { head: ProfileNode } }).profile;
    w.delay.disable();
    // Allocated = what each GC found in use, less what the previous one left, plus the growth since the last.
    const stats = w.profiler.stop()?.statistics ?? [];
    let allocated = 0;
    let before = w.usedAtStart;
    for (const s of stats) {
      allocated += s.beforeGC.heapStatistics.usedHeapSize - before;
      before = s.afterGC.heapStatistics.usedHeapSize;
    }
    allocated += v8.getHeapStatistics().used_heap_size - before;
    const oldSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "old_space")!.space_used_size;
    const oldBeforeFullGc = oldSpace();
    const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")!.space_size;
    // Run with --expose-gc: what is left after a full GC tells garbage promoted to the old space from a leak.
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const liveAfterFullGc = gc ? v8.getHeapStatistics().used_heap_size : undefined;
    // GC entries arrive asynchronously: give the observer a turn before reading them.
    setImmediate(() => {
      w.gc.disconnect();
      parentPort!.postMessage({
        op: "stopped",
        delayMs: { p50: w.delay.percentile(50) / 1e6, p99: w.delay.percentile(99) / 1e6, max: w.delay.max / 1e6 },
        pauses: w.pauses,
        allocatedBytes: allocated,
        cpuMs: (cpu.user - w.cpuAtStart.user + cpu.system - w.cpuAtStart.system) / 1000,
        systemCpuMs: (cpu.system - w.cpuAtStart.system) / 1000,
        oldBeforeFullGc,
        liveAfterFullGc,
        newSpace,
        upstreamConnects: upstreamConnects - w.connectsAtStart,
        ...(sampled && { sites: topSites(sampled.head, 25) }),
      });
    });
    return;
  }
  if (message.op === "close") void engine.close().then(() => parentPort!.close());
});
parentPort!.postMessage({ op: "ready" });
