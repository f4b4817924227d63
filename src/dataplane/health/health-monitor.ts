import type { HealthCheckConfig, TargetConfig, TargetHealthMemory } from "../snapshot.js";
import { checkOnce } from "./health-check.js";
import { initialHealth, nextHealth, type TargetHealthState } from "./health-state.js";

/**
 * Runs the periodic health checks of every in-use, registered target and remembers each one's
 * state. `update` is called with every snapshot: checks for targets that are gone stop, new ones
 * start in `initial` (or where the data plane left them before a restart: TargetConfig.Health),
 * and a target whose health check settings changed keeps its state but restarts its timer with
 * the new interval.
 */
export class HealthMonitor {
  private readonly checks = new Map<string, { fingerprint: string; timer: NodeJS.Timeout; state: TargetHealthState }>();
  /** When each healthy target that may ramp (slow start) became healthy, epoch ms. */
  private readonly healthyAt = new Map<string, number>();
  /** Bumped whenever a target's state or the set of checked targets changes: the proxy caches its candidate targets by it. */
  version = 0;

  update(wanted: ReadonlyMap<string, { config: HealthCheckConfig; target: TargetConfig }>): void {
    this.version++;
    for (const [key, check] of this.checks) {
      if (!wanted.has(key)) {
        clearTimeout(check.timer);
        this.checks.delete(key);
        this.healthyAt.delete(key);
      }
    }
    for (const [key, { config, target }] of wanted) {
      const fingerprint = JSON.stringify([config, target.Address, target.Port]);
      const existing = this.checks.get(key);
      if (existing?.fingerprint === fingerprint) continue;
      if (existing) clearTimeout(existing.timer);
      const entry = { fingerprint, timer: undefined as unknown as NodeJS.Timeout, state: existing?.state ?? resumed(target.Health) };
      this.checks.set(key, entry);
      // A slow start under way before a restart goes on from where it began.
      if (!existing && target.Health?.State === "healthy" && target.Health.SlowStartFrom !== undefined) this.healthyAt.set(key, target.Health.SlowStartFrom);
      const tick = async () => {
        const result = await checkOnce(config, target);
        if (this.checks.get(key) !== entry) return; // replaced or removed while the check ran
        const next = nextHealth(entry.state, result, config);
        if (next.state !== entry.state.state) {
          this.version++;
          // Slow start ramps a target only if it turns healthy beside another healthy target of its
          // group (ALB: targets of a first registration into an empty group do not ramp).
          if (next.state === "healthy" && this.anotherHealthy(key)) this.healthyAt.set(key, Date.now());
          else this.healthyAt.delete(key);
        }
        entry.state = next;
        entry.timer = setTimeout(tick, config.HealthCheckIntervalSeconds * 1000);
      };
      // The first check goes out right away, as ALB starts checking on registration.
      entry.timer = setTimeout(tick, 0);
    }
  }

  state(key: string): TargetHealthState | undefined {
    return this.checks.get(key)?.state;
  }

  /** What to keep of the target's health across a restart; undefined while it is `initial` (a restart starts there anyway). */
  memory(key: string): TargetHealthMemory | undefined {
    const s = this.checks.get(key)?.state;
    if (!s || s.state === "initial") return undefined;
    const since = this.healthyAt.get(key);
    return { State: s.state, ...(s.reason && { Reason: s.reason }), ...(s.description && { Description: s.description }), ...(since !== undefined && { SlowStartFrom: since }) };
  }

  private anotherHealthy(key: string): boolean {
    const group = key.slice(0, key.indexOf("|") + 1);
    for (const [other, check] of this.checks) if (other !== key && other.startsWith(group) && check.state.state === "healthy") return true;
    return false;
  }

  /** When the target became healthy beside another healthy target of its group (the start of its slow start); undefined otherwise. */
  healthySince(key: string): number | undefined {
    return this.healthyAt.get(key);
  }

  close(): void {
    for (const check of this.checks.values()) clearTimeout(check.timer);
    this.checks.clear();
    this.healthyAt.clear();
  }
}

/** The state a target's checks start from: the one kept from before a restart, else initial. */
function resumed(memory: TargetHealthMemory | undefined): TargetHealthState {
  if (!memory) return initialHealth;
  return { state: memory.State, ...(memory.Reason && { reason: memory.Reason }), ...(memory.Description && { description: memory.Description }), successes: 0, failures: 0 };
}
