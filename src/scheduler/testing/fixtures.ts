import type { ClusterSnapshot, InstanceSnapshot, PlacementRequest, RunningTaskSnapshot } from "../types.js";

/** Test builders: a plain ACTIVE, connected EC2 instance with the given overrides. */
export interface InstanceOptions {
  cpu?: number;
  memory?: number;
  az?: string;
  type?: string;
  attributes?: Record<string, string | undefined>;
  tasks?: RunningTaskSnapshot[];
  ports?: number[];
  portsUdp?: number[];
  dynamicPortRange?: { from: number; to: number };
  status?: InstanceSnapshot["status"];
  agentConnected?: boolean;
  launchType?: InstanceSnapshot["launchType"];
  registeredAt?: number;
}

export function instance(id: string, o: InstanceOptions = {}): InstanceSnapshot {
  const attributes = [
    { name: "ecs.availability-zone", value: o.az ?? "us-east-1a" },
    { name: "ecs.instance-type", value: o.type ?? "t3.large" },
    ...Object.entries(o.attributes ?? {}).map(([name, value]) => (value === undefined ? { name } : { name, value })),
  ];
  return {
    id,
    arn: `arn:aws:ecs:us-east-1:000000000000:container-instance/test/${id}`,
    ec2InstanceId: `i-${id}`,
    status: o.status ?? "ACTIVE",
    agentConnected: o.agentConnected ?? true,
    launchType: o.launchType ?? "EC2",
    registeredAt: o.registeredAt ?? Date.UTC(2024, 0, 1),
    registered: { cpu: o.cpu ?? 2048, memory: o.memory ?? 4096 },
    remaining: { cpu: o.cpu ?? 2048, memory: o.memory ?? 4096, ports: o.ports ?? [22, 2375, 2376, 51678, 51679], portsUdp: o.portsUdp ?? [] },
    ...(o.dynamicPortRange ? { dynamicPortRange: o.dynamicPortRange } : {}),
    attributes,
    tasks: o.tasks ?? [],
  };
}

export function cluster(...instances: InstanceSnapshot[]): ClusterSnapshot {
  return { clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/test", instances };
}

export function request(o: Partial<PlacementRequest> = {}): PlacementRequest {
  return { cpu: 256, memory: 512, group: "service:web", count: 1, seed: 1, ...o };
}

export function task(arn: string, group = "service:web", o: Partial<RunningTaskSnapshot> = {}): RunningTaskSnapshot {
  return { arn, group, cpu: 256, memory: 512, ...o };
}
