import type { PortMapping } from "@aws-sdk/client-ecs";
import type { ContainerReport } from "./protocol/task-runner.js";

export type NetworkBinding = NonNullable<ContainerReport["networkBindings"]>[number];

type Protocol = "tcp" | "udp";

interface PortSpec {
  ExposedPorts: Record<string, object>;
  PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
}

function protocolOf(m: PortMapping): Protocol {
  return m.protocol === "udp" ? "udp" : "tcp";
}

/** The mappings that name a container port (container port ranges are not supported yet). */
function usable(mappings: PortMapping[] | undefined): PortMapping[] {
  return (mappings ?? []).filter((m) => typeof m.containerPort === "number" && m.containerPort > 0);
}

/**
 * Bridge mode: publish each container port on the instance's host IP. A hostPort absent or 0
 * leaves the choice to the engine, which takes a free port from the ephemeral range.
 */
export function bridgePorts(mappings: PortMapping[] | undefined, hostIp: string): PortSpec {
  const spec: PortSpec = { ExposedPorts: {}, PortBindings: {} };
  for (const m of usable(mappings)) {
    const key = `${m.containerPort}/${protocolOf(m)}`;
    spec.ExposedPorts[key] = {};
    (spec.PortBindings[key] ??= []).push({ HostIp: hostIp, HostPort: m.hostPort ? String(m.hostPort) : "" });
  }
  return spec;
}

/**
 * awsvpc: the pause container owns the task's network namespace, so it publishes every task
 * container's ports, each on the task's own address with the same port number.
 */
export function awsvpcPorts(mappings: PortMapping[], taskIp: string): PortSpec {
  const spec: PortSpec = { ExposedPorts: {}, PortBindings: {} };
  for (const m of usable(mappings)) {
    const key = `${m.containerPort}/${protocolOf(m)}`;
    spec.ExposedPorts[key] = {};
    spec.PortBindings[key] = [{ HostIp: taskIp, HostPort: String(m.containerPort) }];
  }
  return spec;
}

/** What a started bridge container actually got, from `inspect().NetworkSettings.Ports`. */
export function bindingsFromInspect(
  mappings: PortMapping[] | undefined,
  ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | undefined,
): NetworkBinding[] {
  const out: NetworkBinding[] = [];
  for (const m of usable(mappings)) {
    const protocol = protocolOf(m);
    for (const b of ports?.[`${m.containerPort}/${protocol}`] ?? []) {
      const hostPort = Number(b.HostPort);
      if (!hostPort) continue;
      if (out.some((x) => x.bindIP === b.HostIp && x.hostPort === hostPort && x.protocol === protocol)) continue;
      out.push({ bindIP: b.HostIp || "0.0.0.0", containerPort: m.containerPort!, hostPort, protocol });
    }
  }
  return out;
}

/** Host mode: the container's ports are the host's. */
export function hostModeBindings(mappings: PortMapping[] | undefined): NetworkBinding[] {
  return usable(mappings).map((m) => ({ bindIP: "0.0.0.0", containerPort: m.containerPort!, hostPort: m.hostPort || m.containerPort!, protocol: protocolOf(m) }));
}
