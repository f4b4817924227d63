import type { Resource, Task, TaskDefinition } from "@aws-sdk/client-ecs";
import { parseCpuUnits, parseMemoryMiB } from "../task-definitions/fargate-sizes.js";

/**
 * A container instance's resources as numbers, the way placement reads them. `ports` and
 * `portsUdp` are the host ports that are taken, not the free ones: that is how ECS reports
 * PORTS, both registered (the agent's reserved ports) and remaining (those plus every static
 * host port a task on the instance holds).
 */
export interface Capacity {
  cpu: number;
  memory: number;
  ports: number[];
  portsUdp: number[];
}

/** What one task holds on its instance while it is not STOPPED. */
export type Reservation = Capacity;

/** The ports the ECS agent reserves by default: SSH, the Docker API and its own introspection ports. */
export const AGENT_RESERVED_PORTS = [22, 2375, 2376, 51678, 51679];

/** The wire form ECS uses: every member present, zeros where a member does not apply. */
const integer = (name: string, value: number): Resource => ({ name, type: "INTEGER", doubleValue: 0, longValue: 0, integerValue: value });
const stringSet = (name: string, ports: number[]): Resource => ({
  name, type: "STRINGSET", doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: ports.map(String),
});

export function resourcesOf(c: Capacity): Resource[] {
  return [integer("CPU", c.cpu), integer("MEMORY", c.memory), stringSet("PORTS", c.ports), stringSet("PORTS_UDP", c.portsUdp)];
}

/** Reads registered resources back; a missing CPU or MEMORY counts as none. */
export function capacityOf(resources: Resource[] = []): Capacity {
  const find = (name: string) => resources.find((r) => r.name === name);
  const ports = (name: string) => (find(name)?.stringSetValue ?? []).map(Number).filter((p) => Number.isInteger(p));
  return { cpu: find("CPU")?.integerValue ?? 0, memory: find("MEMORY")?.integerValue ?? 0, ports: ports("PORTS"), portsUdp: ports("PORTS_UDP") };
}

/** Registered minus what every reservation holds; ports taken by tasks follow the registered ones. */
export function remainingOf(registered: Capacity, reservations: Reservation[]): Capacity {
  const taken = (base: number[], extra: number[]) => [...base, ...[...new Set(extra)].filter((p) => !base.includes(p)).sort((a, b) => a - b)];
  return {
    cpu: registered.cpu - reservations.reduce((n, r) => n + r.cpu, 0),
    memory: registered.memory - reservations.reduce((n, r) => n + r.memory, 0),
    ports: taken(registered.ports, reservations.flatMap((r) => r.ports)),
    portsUdp: taken(registered.portsUdp, reservations.flatMap((r) => r.portsUdp)),
  };
}

/**
 * What a task reserves on an EC2 instance, as the ECS scheduler counts it: the task-level cpu and
 * memory when the task has them, otherwise the sum over its containers (memoryReservation, else
 * memory); and its static host ports (bridge: hostPort when not 0; host: the container's port).
 * awsvpc tasks have their own address, so they hold no host port.
 */
export function reservationOf(task: Task, def: TaskDefinition, networkMode: string): Reservation {
  const containers = task.containers?.length ? task.containers : (def.containerDefinitions ?? []).map((c) => ({
    cpu: String(c.cpu ?? 0), memory: c.memory === undefined ? undefined : String(c.memory), memoryReservation: c.memoryReservation === undefined ? undefined : String(c.memoryReservation),
  }));
  const sum = (pick: (c: (typeof containers)[number]) => string | undefined) => containers.reduce((n, c) => n + (Number(pick(c) ?? 0) || 0), 0);
  const cpu = parseCpuUnits(task.cpu) ?? sum((c) => c.cpu);
  const memory = parseMemoryMiB(task.memory) ?? sum((c) => c.memoryReservation ?? c.memory);

  const ports: number[] = [];
  const portsUdp: number[] = [];
  if (networkMode === "bridge" || networkMode === "host") {
    for (const c of def.containerDefinitions ?? []) {
      for (const m of c.portMappings ?? []) {
        const port = networkMode === "host" ? m.hostPort || m.containerPort : m.hostPort;
        if (!port) continue;
        const list = m.protocol === "udp" ? portsUdp : ports;
        if (!list.includes(port)) list.push(port);
      }
    }
  }
  return { cpu, memory, ports, portsUdp };
}

export type Shortfall = "RESOURCE:CPU" | "RESOURCE:MEMORY" | "RESOURCE:PORTS" | "RESOURCE:PORTS_UDP";

/** Why `demand` does not fit in `remaining` (RESOURCE:<the resource's name>), checked in ECS's order; undefined when it fits. */
export function shortfall(remaining: Capacity, demand: Reservation): Shortfall | undefined {
  if (demand.cpu > remaining.cpu) return "RESOURCE:CPU";
  if (demand.memory > remaining.memory) return "RESOURCE:MEMORY";
  if (demand.ports.some((p) => remaining.ports.includes(p))) return "RESOURCE:PORTS";
  if (demand.portsUdp.some((p) => remaining.portsUdp.includes(p))) return "RESOURCE:PORTS_UDP";
  return undefined;
}
