import type { DataPlaneSnapshot, TargetGroupConfig } from "./snapshot.js";
import { targetKey } from "./snapshot.js";
import type { FlowRegistry } from "./flow-registry.js";

/** The ALB side: HTTP requests in flight per target (http1/upstream-pool.ts). */
export interface HttpRequestsInFlight {
  cutRequestsTo(targetKey: string): void;
  busyTargets(): Set<string>;
}

/**
 * What happens when a deregistered target's drain ends. ALB: requests still in flight to it are
 * cut (the client gets 502, as ALB's "deregistration delay period elapsed for a request being
 * handled by a target that was deregistered"). NLB's deregistration_delay.connection_termination.enabled:
 * its open TCP connections are reset and its UDP flows closed, so a client's next datagram
 * starts a new flow to a registered target; with the attribute off, they live on until they close
 * (TCP) or go idle (UDP), as on NLB. Given every snapshot: a draining target's end is timed from
 * DeregisteredAt + the group's delay; a target gone from the snapshot has finished draining.
 */
export class DrainTermination {
  private timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly flows: FlowRegistry, private readonly http: HttpRequestsInFlight, private readonly now = Date.now) {}

  update(snapshot: DataPlaneSnapshot): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers = new Map();
    const groups = new Map(snapshot.targetGroups.map((g) => [g.TargetGroupArn, g]));
    const present = new Set<string>();
    for (const group of snapshot.targetGroups) {
      for (const target of group.Targets) {
        const key = targetKey(group.TargetGroupArn, target);
        present.add(key);
        if (target.State !== "draining") continue;
        const endsIn = (target.DeregisteredAt ?? 0) + group.Attributes["deregistration_delay.timeout_seconds"] * 1000 - this.now();
        if (endsIn <= 0) this.end(key, group);
        else this.timers.set(key, setTimeout(() => this.end(key, group), endsIn).unref());
      }
    }
    // Gone from the snapshot: deregistered with no delay left (or the group itself deleted).
    for (const key of this.http.busyTargets()) if (!present.has(key)) this.http.cutRequestsTo(key);
    for (const key of this.flows.targets()) {
      if (present.has(key)) continue;
      const group = groups.get(key.slice(0, key.indexOf("|")));
      if (!group || terminates(group)) this.flows.terminate(key);
    }
  }

  private end(key: string, group: TargetGroupConfig): void {
    this.http.cutRequestsTo(key);
    if (terminates(group)) this.flows.terminate(key);
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

const terminates = (group: TargetGroupConfig) => group.Attributes["deregistration_delay.connection_termination.enabled"];
