import type { TargetHealth } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Logger } from "../../core/logger.js";
import type { DataPlane } from "../../dataplane/data-plane.js";
import { targetKey } from "../../dataplane/snapshot.js";
import { registrationHealth, type TargetHealthSource } from "../targets/target-health.js";
import type { Db } from "../../store/database.js";
import { keptHealth, rememberHealth } from "../targets/target-store.js";

export interface DataPlaneHealth extends TargetHealthSource {
  /** Asks the data plane again now (after an apply). */
  refresh(): void;
  stop(): void;
}

/**
 * DescribeTargetHealth's answers from the data plane's health checks. The data plane lives in
 * another thread, so asking it is asynchronous; DescribeTargetHealth stays synchronous by reading
 * the latest answer, refreshed every `intervalMs` and after every apply. A target the data plane
 * has not reported yet is in registration, as on ELB.
 *
 * With `db`, what the data plane reports for keeping (healthy or unhealthy, and when a slow start
 * began) is written to the targets' rows when it changes, so a restarted data plane resumes from
 * it (snapshot-builder.ts hands it back).
 */
export function createDataPlaneHealth({ dataPlane, log, db, intervalMs = 1000 }: { dataPlane: DataPlane; log: Logger; db?: Db; intervalMs?: number }): DataPlaneHealth {
  let latest = new Map<string, TargetHealth>();
  /** The memory last written per target (JSON, "" for none), so only changes are written. */
  let kept = new Map<string, string>();
  let asking = false;
  let stopped = false;

  function refresh(): void {
    if (asking || stopped) return;
    asking = true;
    dataPlane.targetHealth().then(
      (groups) => {
        const next = new Map<string, TargetHealth>();
        for (const g of groups) {
          for (const d of g.TargetHealthDescriptions) next.set(targetKey(g.TargetGroupArn, { Id: d.Target!.Id!, Port: d.Target!.Port! }), d.TargetHealth!);
        }
        latest = next;
        if (db) keep(db, groups);
      },
      (err: unknown) => {
        if (!stopped) log.warn({ err }, "could not read target health from the load balancer data plane");
      },
    ).finally(() => (asking = false));
  }
  function keep(db: Db, groups: Awaited<ReturnType<DataPlane["targetHealth"]>>): void {
    const now = new Map<string, string>();
    const changes: Array<() => void> = [];
    for (const g of groups) {
      for (const d of g.TargetHealthDescriptions) {
        const target = { id: d.Target!.Id!, port: d.Target!.Port! };
        const memory = g.Memory?.[`${target.id}|${target.port}`];
        const key = targetKey(g.TargetGroupArn, { Id: target.id, Port: target.port });
        const json = memory ? JSON.stringify(memory) : "";
        now.set(key, json);
        if (kept.get(key) !== json) changes.push(() => rememberHealth(db, g.TargetGroupArn, target, memory));
      }
    }
    if (changes.length) {
      try {
        db.transaction(() => changes.forEach((write) => write()))();
      } catch (err) {
        // A busy or closing store: kept unchanged, so the next refresh writes it again.
        log.warn({ err }, "could not keep the load balancer targets' health");
        return;
      }
    }
    kept = now;
  }
  const timer = setInterval(refresh, intervalMs);
  timer.unref();

  return {
    healthOf(target) {
      const h = latest.get(targetKey(target.targetGroupArn, { Id: target.id, Port: target.port }));
      // "initial" without a reason: the data plane has the target but has not checked it yet.
      if (h === undefined && db) {
        // Not reported yet (a restarted data plane's first report is under way): what it reported before.
        const kept = keptHealth(db, target.targetGroupArn, target);
        if (kept) return { State: kept.State, ...(kept.Reason && { Reason: kept.Reason as TargetHealth["Reason"] }), ...(kept.Description && { Description: kept.Description }) };
      }
      if (h === undefined || (h.State === "initial" && h.Reason === undefined)) return registrationHealth.healthOf(target);
      return h;
    },
    refresh,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
