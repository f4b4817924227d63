import type { ClusterIndex } from "./cluster-index.js";
import type { CqlTarget } from "./cql/target.js";
import { PlacedTarget } from "./instance-target.js";
import type { HostPort, Protocol } from "./types.js";

/**
 * What one plan changes as it places tasks: remaining cpu and memory, ports, and counts of the
 * request's group. The index stays untouched; arrays are copied when the plan starts (a few
 * microseconds for thousands of instances) and port sets only for instances that get a task.
 * Every placement changes only the instance it lands on — which is why a checker's verdict for
 * any other instance stays valid, and the plan re-checks just that one.
 */
export class PlacementState {
  readonly cpu: Float64Array;
  readonly memory: Float64Array;
  /** Tasks of the request's group on each instance, existing and placed by this plan. */
  readonly groupCount: Int32Array;
  /** Tasks this plan put on each instance. */
  readonly placed: Int32Array;
  /** Tasks this plan placed in all. */
  placements = 0;
  private freeDynamic: { tcp?: Int32Array; udp?: Int32Array } = {};
  private readonly addedPorts = { tcp: new Map<number, Set<number>>(), udp: new Map<number, Set<number>>() };

  constructor(
    readonly index: ClusterIndex,
    readonly group: string,
  ) {
    this.cpu = index.cpu.slice();
    this.memory = index.memory.slice();
    this.groupCount = index.groupCounts(group).slice();
    this.placed = new Int32Array(index.size);
  }

  isPortTaken(protocol: Protocol, i: number, port: number): boolean {
    return this.index.takenPorts(protocol, i).has(port) || this.addedPorts[protocol].get(i)?.has(port) === true;
  }

  freeDynamicPorts(protocol: Protocol, i: number): number {
    const free = (this.freeDynamic[protocol] ??= this.index.freeDynamicPorts(protocol).slice());
    return free[i]!;
  }

  /** The instance as the cluster query language sees it now, this plan's placements included. */
  target(i: number): CqlTarget {
    const base = this.index.targets[i]!;
    const added = this.placed[i]!;
    return added === 0 ? base : new PlacedTarget(base, added, this.group);
  }

  /**
   * Records a task on instance i and returns its host ports: the static ones as asked, each
   * dynamic one the lowest free port of the instance's range (deterministic, and never one this
   * plan already handed out).
   */
  place(i: number, cpu: number, memory: number, ports: readonly { protocol: Protocol; hostPort: number }[]): HostPort[] {
    this.cpu[i]! -= cpu;
    this.memory[i]! -= memory;
    this.groupCount[i]!++;
    this.placed[i]!++;
    this.placements++;
    const out: HostPort[] = [];
    for (const p of ports) if (p.hostPort) this.takePort(p.protocol, i, p.hostPort);
    for (const p of ports) {
      let hostPort = p.hostPort;
      if (!hostPort) {
        hostPort = this.lowestFree(p.protocol, i);
        this.takePort(p.protocol, i, hostPort);
      }
      out.push({ protocol: p.protocol, hostPort });
    }
    return out;
  }

  private takePort(protocol: Protocol, i: number, port: number) {
    const added = this.addedPorts[protocol];
    let set = added.get(i);
    if (!set) added.set(i, (set = new Set()));
    set.add(port);
    if (port >= this.index.dynFrom[i]! && port <= this.index.dynTo[i]!) {
      const free = (this.freeDynamic[protocol] ??= this.index.freeDynamicPorts(protocol).slice());
      free[i]!--;
    }
  }

  private lowestFree(protocol: Protocol, i: number): number {
    for (let p = this.index.dynFrom[i]!; p <= this.index.dynTo[i]!; p++) if (!this.isPortTaken(protocol, i, p)) return p;
    throw new Error(`no free dynamic ${protocol} port on instance ${i}: the ports check should have refused it`);
  }
}
