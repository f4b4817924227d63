import type { DataPlaneSnapshot, TargetGroupConfig } from "./snapshot.js";
import { targetKey } from "./snapshot.js";
import type { FlowRegistry } from "./flow-registry.js";

/**
 * NLB's deregistration_delay.connection_termination.enabled: when a deregistered target's drain
 * ends, its open TCP connections are reset and its UDP flows closed, so a client's next datagram
 * starts a new flow to a registered target. With the attribute off, they live on until they close
 * (TCP) or go idle (UDP), as on NLB. Given every snapshot: a draining target's end is timed from
 * DeregisteredAt + the group's delay; a target gone from the snapshot has finished draining.
 */
export class DrainTermination {
  private timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly flows: FlowRegistry, private readonly now = Date.now) {}

  update(snapshot: DataPlaneSnapshot): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers = new Map();
    const groups = new Map(snapshot.targetGroups.map((g) => [g.TargetGroupArn, g]));
    const present = new Set<string>();
    for (const group of snapshot.targetGroups) {
      for (const target of group.Targets) {
        const key = targetKey(group.TargetGroupArn, target);
        present.add(key);
        if (target.State !== "draining" || !terminates(group)) continue;
        const endsIn = (target.DeregisteredAt ?? 0) + group.Attributes["deregistration_delay.timeout_seconds"] * 1000 - this.now();
        if (endsIn <= 0) this.flows.terminate(key);
        else this.timers.set(key, setTimeout(() => this.flows.terminate(key), endsIn).unref());
      }
    }
    // Gone from the snapshot: deregistered with no delay left (or the group itself deleted).
    for (const key of this.flows.targets()) {
      if (present.has(key)) continue;
      const group = groups.get(key.slice(0, key.indexOf("|")));
      if (!group || terminates(group)) this.flows.terminate(key);
    }
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

const terminates = (group: TargetGroupConfig) => group.Attributes["deregistration_delay.connection_termination.enabled"];
