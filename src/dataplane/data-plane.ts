import v8 from "node:v8";
import { Worker } from "node:worker_threads";
import type { DataPlaneSnapshot } from "./snapshot.js";
import type { ApplyReport, TargetGroupHealth } from "./engine.js";
import type { TrafficCounters } from "./traffic-counters.js";

export type { ApplyReport, TargetGroupHealth, UnboundListener } from "./engine.js";
export type { TrafficCounters } from "./traffic-counters.js";

/**
 * The load balancers' traffic path, as the API sees it. The API builds an immutable snapshot of
 * its configuration after each change and calls apply(); it reads DescribeTargetHealth's answer
 * from targetHealth(). Nothing else crosses the boundary.
 */
export interface DataPlane {
  /**
   * Serves `snapshot` from now on, atomically: in-flight requests keep the config they began with.
   * Rejects when a listener cannot bind (the rest is served); reports localhost front ports skipped.
   */
  apply(snapshot: DataPlaneSnapshot): Promise<ApplyReport>;
  /** Every target of every target group in the latest snapshot, with its health now. */
  targetHealth(): Promise<TargetGroupHealth[]>;
  /** What the traffic did since the data plane started, per load balancer and target group (for CloudWatch metrics). */
  trafficCounters(): Promise<TrafficCounters>;
  /** Closes every listener and connection and stops the health checks. */
  close(): Promise<void>;
}

export type DataPlaneRequest =
  | { id: number; op: "apply"; snapshot: DataPlaneSnapshot }
  | { id: number; op: "targetHealth" | "trafficCounters" | "close" };

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

export type DataPlaneReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** What the worker reports once, when it starts: whether its thread got the nice value asked for. */
export interface DataPlaneStarted { op: "started"; nice: number; applied: boolean; reason?: string }

export interface DataPlaneOptions {
  /**
   * The worker thread's nice value (config loadBalancerThreadNice; thread-priority.ts says why).
   * Undefined: the thread keeps the process's.
   */
  nice?: number;
  /** Told once the worker has started: whether the nice value was applied, and why not. */
  onStarted?: (started: DataPlaneStarted) => void;
}

/**
 * Young-generation collections on the collecting thread alone. V8's parallel scavenge hands parts
 * of each one to its helper threads and waits for all of them; when the cores are busy (a proxy
 * shares them with its clients and targets) a helper that is not running holds the pause open:
 * the data plane's scavenges took up to 4-7 ms with helpers and never over 1.5 ms without, with
 * less CPU per request (docs/benchmarks.md, load balancer, 2026-12-07 10:19). The flag is V8's,
 * for the whole process, so the API thread's scavenges go single-threaded too (they are small);
 * the concurrent marking of full collections is untouched. V8 reads it at every scavenge, so
 * setting it when the data plane starts is enough. bench/lb-tail.ts sets the same.
 */
export const DATA_PLANE_V8_FLAGS = "--no-parallel-scavenge";

/**
 * Starts the data plane in its own worker thread, so proxy load cannot stall the API's event
 * loop (and a stalled API cannot stall traffic).
 */
export function startDataPlane(options: DataPlaneOptions = {}): DataPlane {
  v8.setFlagsFromString(DATA_PLANE_V8_FLAGS);
  const worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: { nice: options.nice } });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited: Error | undefined;
  worker.on("message", (reply: DataPlaneReply | DataPlaneStarted) => {
    if ("op" in reply) return options.onStarted?.(reply);
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new Error(reply.error));
  });
  const fail = (err: Error) => {
    exited = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`data plane worker exited (code ${code})`)));

  const call = <T>(request: DistributiveOmit<DataPlaneRequest, "id">): Promise<T> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  };

  return {
    apply: (snapshot) => call({ op: "apply", snapshot }),
    targetHealth: () => call({ op: "targetHealth" }),
    trafficCounters: () => call({ op: "trafficCounters" }),
    close: async () => {
      if (exited) return;
      await call({ op: "close" });
      await worker.terminate();
    },
  };
}
