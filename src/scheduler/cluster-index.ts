import { InstanceTarget } from "./instance-target.js";
import type { ClusterSnapshot, InstanceSnapshot, Protocol } from "./types.js";

/** Linux's default ip_local_port_range, which Docker draws published ports from. */
export const DEFAULT_DYNAMIC_PORT_RANGE = { from: 32768, to: 60999 } as const;

const NO_PORTS: ReadonlySet<number> = new Set();
const MAX_MEMO = 1024;

/** Spread buckets for one attribute: bucket number per instance, and the value of each bucket. */
export interface Buckets {
  readonly of: Int32Array;
  /** undefined for the bucket of instances that lack the attribute. */
  readonly values: readonly (string | undefined)[];
}

/**
 * A snapshot compiled for placement: the numbers the hot loop reads live in typed arrays
 * (struct of arrays, indexed by the instance's position in the snapshot), and everything that
 * depends only on the snapshot — attribute buckets, per-group task counts, which instances pass
 * the checks placement never changes — is computed on first use and kept. The index is never
 * mutated after that, so one index serves any number of requests, and a caller that keeps it
 * while the cluster is unchanged pays for those only once. Plans copy what they change.
 */
export class ClusterIndex {
  readonly size: number;
  readonly instances: readonly InstanceSnapshot[];
  readonly clusterArn: string | undefined;
  readonly cpu: Float64Array;
  readonly memory: Float64Array;
  readonly targets: readonly InstanceTarget[];
  readonly dynFrom: Int32Array;
  readonly dynTo: Int32Array;
  private readonly memo = new Map<string, unknown>();
  private readonly portSets: { tcp: (ReadonlySet<number> | undefined)[]; udp: (ReadonlySet<number> | undefined)[] };

  constructor(snapshot: ClusterSnapshot) {
    const list = snapshot.instances;
    const n = list.length;
    this.size = n;
    this.instances = list;
    this.clusterArn = snapshot.clusterArn;
    this.cpu = new Float64Array(n);
    this.memory = new Float64Array(n);
    this.dynFrom = new Int32Array(n);
    this.dynTo = new Int32Array(n);
    const targets: InstanceTarget[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const inst = list[i]!;
      this.cpu[i] = inst.remaining.cpu;
      this.memory[i] = inst.remaining.memory;
      const range = inst.dynamicPortRange ?? DEFAULT_DYNAMIC_PORT_RANGE;
      this.dynFrom[i] = range.from;
      this.dynTo[i] = range.to;
      targets[i] = new InstanceTarget(inst);
    }
    this.targets = targets;
    this.portSets = { tcp: new Array(n), udp: new Array(n) };
  }

  /**
   * Computes `build()` once per index and key. Keys name what the value depends on. Past
   * MAX_MEMO entries values are computed and not kept, so a long-lived index serving endless
   * distinct requests stays bounded (each entry is at most one array over the instances).
   */
  memoize<T>(key: string, build: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = build();
    if (this.memo.size < MAX_MEMO) this.memo.set(key, value);
    return value;
  }

  /** Host ports taken on instance i (built on first use: most requests need no host ports). */
  takenPorts(protocol: Protocol, i: number): ReadonlySet<number> {
    const sets = this.portSets[protocol];
    let set = sets[i];
    if (!set) {
      const r = this.instances[i]!.remaining;
      const ports = protocol === "tcp" ? r.ports : r.portsUdp;
      set = ports && ports.length ? new Set(ports) : NO_PORTS;
      sets[i] = set;
    }
    return set;
  }

  /** How many ports of each instance's dynamic range are free. */
  freeDynamicPorts(protocol: Protocol): Int32Array {
    return this.memoize(`free:${protocol}`, () => {
      const free = new Int32Array(this.size);
      for (let i = 0; i < this.size; i++) {
        const r = this.instances[i]!.remaining;
        const ports = (protocol === "tcp" ? r.ports : r.portsUdp) ?? [];
        const from = this.dynFrom[i]!;
        const to = this.dynTo[i]!;
        // Count from the raw list (no Set per instance); a port listed twice is counted once.
        let taken = 0;
        for (let k = 0; k < ports.length; k++) {
          const p = ports[k]!;
          if (p >= from && p <= to && ports.indexOf(p) === k) taken++;
        }
        free[i] = Math.max(0, to - from + 1 - taken);
      }
      return free;
    });
  }

  /** Tasks of `group` on each instance. */
  groupCounts(group: string): Int32Array {
    return this.memoize(`group:${group}`, () => {
      const counts = new Int32Array(this.size);
      for (let i = 0; i < this.size; i++) {
        for (const t of this.instances[i]!.tasks ?? []) if (t.group === group) counts[i]!++;
      }
      return counts;
    });
  }

  /** Instances grouped by the value of one attribute; instances without it share one bucket. */
  buckets(attribute: string): Buckets {
    return this.memoize(`buckets:${attribute}`, () => {
      const of = new Int32Array(this.size);
      const numbers = new Map<string | undefined, number>();
      const values: (string | undefined)[] = [];
      for (let i = 0; i < this.size; i++) {
        const v = this.targets[i]!.attribute(attribute) ?? undefined;
        let b = numbers.get(v);
        if (b === undefined) {
          b = values.length;
          numbers.set(v, b);
          values.push(v);
        }
        of[i] = b;
      }
      return { of, values };
    });
  }
}

export function indexCluster(snapshot: ClusterSnapshot): ClusterIndex {
  return new ClusterIndex(snapshot);
}
