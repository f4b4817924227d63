import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { Db } from "../../store/database.js";
import type { DataPlane, UnboundListener } from "../../dataplane/data-plane.js";
import { buildSnapshot, type SnapshotOptions } from "./snapshot-builder.js";

export interface DataPlaneFeed {
  /**
   * The ELBv2 store changed (called after the transaction committed): resolves once a snapshot
   * read after this call is served. Coalesced: at most one apply in flight and one queued, so a
   * burst of changes costs two applies.
   */
  changed(): Promise<void>;
  /** Waits for the apply in flight, if any; later changes are ignored. */
  close(): Promise<void>;
  /**
   * Why some listener of this load balancer serves nothing (its address and port are held by
   * another program), as of the last apply; undefined when all of them are bound.
   */
  unboundListeners(loadBalancerArn: string): string | undefined;
}

/** How soon an apply runs again while some listener could not be bound, so it opens once the address is free. */
export const UNBOUND_RETRY_MS = 5_000;

/**
 * Feeds the data plane snapshots of the store. A listener whose address:port another program
 * holds cannot serve: that is logged as an error (once, when it starts and when it ends), its load
 * balancer reports it (unboundListeners: DescribeLoadBalancers' State), the rest of the snapshot is
 * served all the same (engine.ts), and the feed applies again every UNBOUND_RETRY_MS until every
 * listener is bound. A failed apply is logged.
 */
export function createDataPlaneFeed({ db, clock, dataPlane, log, options = {}, afterApply = () => {}, retryMs = UNBOUND_RETRY_MS }: {
  db: Db; clock: Clock; dataPlane: DataPlane; log: Logger; options?: SnapshotOptions;
  /** Called after every apply (the health cache refreshes then). */
  afterApply?: () => void;
  /** UNBOUND_RETRY_MS; shorter in tests. */
  retryMs?: number;
}): DataPlaneFeed {
  let inFlight: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let closed = false;
  let lastSkipped = "";
  let unbound = new Map<string, string[]>();
  let lastUnbound = "";
  let retry: ReturnType<typeof setTimeout> | undefined;

  async function applyLatest(): Promise<void> {
    if (closed) return;
    try {
      const report = await dataPlane.apply(buildSnapshot(db, clock.now().getTime(), options));
      // Logged when it changes, not on every apply: a held port is a steady state, not news.
      const skipped = report?.frontsSkipped ?? [];
      if (skipped.join("\n") !== lastSkipped) {
        lastSkipped = skipped.join("\n");
        if (skipped.length > 0) {
          log.info({ skipped }, "some localhost front ports are held by another program: DNSName URLs on those ports do not reach Berth (the load balancers' own addresses still do)");
        }
      }
      noteUnbound(report?.listenersUnbound ?? []);
    } catch (err) {
      log.error({ err }, "the load balancer data plane could not serve its configuration");
    }
    afterApply();
  }

  function noteUnbound(listeners: readonly UnboundListener[]): void {
    const now = new Map<string, string[]>();
    for (const l of listeners) now.set(l.LoadBalancerArn, [...(now.get(l.LoadBalancerArn) ?? []), l.reason]);
    unbound = now;
    const reasons = listeners.map((l) => l.reason);
    // Logged when it changes, not on every try: a held address is a steady state until it is freed.
    if (reasons.join("\n") !== lastUnbound) {
      lastUnbound = reasons.join("\n");
      if (reasons.length > 0) log.error({ listeners: listeners.map((l) => ({ listenerArn: l.ListenerArn, reason: l.reason })) }, `load balancer listeners serve nothing: another program holds their address and port (${reasons.join("; ")}); Berth tries again every ${retryMs / 1000} s`);
      else log.info("every load balancer listener is bound again");
    }
    if (reasons.length > 0 && !retry && !closed) {
      retry = setTimeout(() => {
        retry = undefined;
        void feed.changed();
      }, retryMs);
      retry.unref();
    }
  }

  function start(): Promise<void> {
    const p: Promise<void> = applyLatest().finally(() => {
      if (inFlight === p) inFlight = undefined;
    });
    inFlight = p;
    return p;
  }

  const feed: DataPlaneFeed = {
    changed() {
      if (queued) return queued;
      if (inFlight) {
        // The queued apply reads the store when it starts, so it includes every change made until then.
        queued = inFlight.then(() => {
          queued = undefined;
          return start();
        });
        return queued;
      }
      return start();
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      await queued;
      await inFlight;
    },
    unboundListeners(loadBalancerArn) {
      return unbound.get(loadBalancerArn)?.join("; ");
    },
  };
  return feed;
}
