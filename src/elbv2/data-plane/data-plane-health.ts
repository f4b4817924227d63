import type { TargetHealth } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Logger } from "../../core/logger.js";
import type { DataPlane } from "../../dataplane/data-plane.js";
import { targetKey } from "../../dataplane/snapshot.js";
import { registrationHealth, type TargetHealthSource } from "../targets/target-health.js";

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
 */
export function createDataPlaneHealth({ dataPlane, log, intervalMs = 1000 }: { dataPlane: DataPlane; log: Logger; intervalMs?: number }): DataPlaneHealth {
  let latest = new Map<string, TargetHealth>();
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
      },
      (err: unknown) => {
        if (!stopped) log.warn({ err }, "could not read target health from the load balancer data plane");
      },
    ).finally(() => (asking = false));
  }
  const timer = setInterval(refresh, intervalMs);
  timer.unref();

  return {
    healthOf(target) {
      const h = latest.get(targetKey(target.targetGroupArn, { Id: target.id, Port: target.port }));
      // "initial" without a reason: the data plane has the target but has not checked it yet.
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
