import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { Db } from "../../store/database.js";
import type { DataPlane } from "../../dataplane/data-plane.js";
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
}

/**
 * Feeds the data plane snapshots of the store. A failed apply (a listener address:port another
 * process holds) is logged; the rest of the snapshot is served all the same (engine.ts), and the
 * next change tries the failed listener again.
 */
export function createDataPlaneFeed({ db, clock, dataPlane, log, options = {}, afterApply = () => {} }: {
  db: Db; clock: Clock; dataPlane: DataPlane; log: Logger; options?: SnapshotOptions;
  /** Called after every apply (the health cache refreshes then). */
  afterApply?: () => void;
}): DataPlaneFeed {
  let inFlight: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let closed = false;
  let lastSkipped = "";

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
    } catch (err) {
      log.warn({ err }, "the load balancer data plane could not serve part of its configuration");
    }
    afterApply();
  }

  function start(): Promise<void> {
    const p: Promise<void> = applyLatest().finally(() => {
      if (inFlight === p) inFlight = undefined;
    });
    inFlight = p;
    return p;
  }

  return {
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
      await queued;
      await inFlight;
    },
  };
}
