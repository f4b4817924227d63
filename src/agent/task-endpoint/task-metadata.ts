import type Docker from "dockerode";
import type { TaskManager } from "../task-manager.js";
import type { ContainerState } from "../container-state.js";

/**
 * The task metadata endpoint's documents (v4, and v3 which lacks v4's later fields), in ECS's
 * shapes: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-response.html.
 * Built from the task's manager (statuses, pull times, the plan) and what the engine says of each
 * container (ids, image id, labels, times, addresses). Nothing secret is in them: no environment.
 */
export type MetadataVersion = 3 | 4;

const NEVER = "0001-01-01T00:00:00Z";
const time = (t: string | undefined) => (t && t !== NEVER ? t : undefined);

export interface MetadataContext {
  m: TaskManager;
  /** The engine's view of each container that exists, by container name. */
  inspected: Map<string, Docker.ContainerInspectInfo>;
  /** awsvpc: the task's address (its "ENI"). */
  taskIp?: string;
}

function desired(m: TaskManager): string {
  return m.interrupt || m.status === "STOPPED" ? "STOPPED" : "RUNNING";
}

function networks(ctx: MetadataContext, info: Docker.ContainerInspectInfo | undefined) {
  const mode = ctx.m.plan.networkMode;
  if (mode === "awsvpc") return [{ NetworkMode: "awsvpc", IPv4Addresses: ctx.taskIp ? [ctx.taskIp] : [], AttachmentIndex: 0 }];
  if (mode === "host") return [{ NetworkMode: "host" }];
  if (mode === "none") return [{ NetworkMode: "none" }];
  const ip = info?.NetworkSettings?.Networks?.bridge?.IPAddress;
  return [{ NetworkMode: "bridge", IPv4Addresses: ip ? [ip] : [] }];
}

export function containerMetadata(ctx: MetadataContext, s: ContainerState, version: MetadataVersion): Record<string, unknown> {
  const { m } = ctx;
  const info = ctx.inspected.get(s.plan.name);
  const d = s.plan.def;
  const doc: Record<string, unknown> = {
    DockerId: s.id ?? "",
    Name: s.plan.name,
    DockerName: s.plan.dockerName,
    Image: d.image ?? "",
    ImageID: info?.Image ?? "",
    Labels: info?.Config.Labels ?? {},
    DesiredStatus: desired(m),
    KnownStatus: s.status === "PENDING" ? (s.id ? "CREATED" : "PENDING") : s.status,
    Limits: { CPU: d.cpu ?? 0, ...(d.memory !== undefined ? { Memory: d.memory } : {}) },
    CreatedAt: time(info?.Created),
    StartedAt: time(info?.State.StartedAt),
    FinishedAt: s.status === "STOPPED" ? time(info?.State.FinishedAt) : undefined,
    ExitCode: s.status === "STOPPED" ? s.exitCode : undefined,
    Type: "NORMAL",
    Networks: networks(ctx, info),
    Ports: s.bindings.length ? s.bindings.map((b) => ({ ContainerPort: b.containerPort, Protocol: b.protocol, HostPort: b.hostPort, HostIp: b.bindIP })) : undefined,
    Health: s.plan.hasHealthCheck ? { status: s.health } : undefined,
  };
  if (version === 4) {
    doc.ContainerARN = m.plan.containerArns[s.plan.name];
    if (d.logConfiguration) {
      doc.LogDriver = d.logConfiguration.logDriver;
      doc.LogOptions = d.logConfiguration.options;
    }
  }
  return JSON.parse(JSON.stringify(doc)); // drops the undefined fields, as ECS omits them
}

export function taskMetadata(ctx: MetadataContext, version: MetadataVersion): Record<string, unknown> {
  const { m } = ctx;
  const p = m.plan;
  const limits = p.cpuUnits !== undefined || p.memoryMiB !== undefined ? { ...(p.cpuUnits !== undefined ? { CPU: p.cpuUnits / 1024 } : {}), ...(p.memoryMiB !== undefined ? { Memory: p.memoryMiB } : {}) } : undefined;
  const doc: Record<string, unknown> = {
    Cluster: p.clusterArn,
    TaskARN: p.taskArn,
    Family: p.family,
    Revision: String(p.revision),
    DesiredStatus: desired(m),
    KnownStatus: m.status,
    Limits: limits,
    PullStartedAt: m.pullStartedAt?.toISOString(),
    PullStoppedAt: m.pullStoppedAt?.toISOString(),
    Containers: [...m.containers.values()].map((s) => containerMetadata(ctx, s, version)),
  };
  if (version === 4) {
    doc.ServiceName = p.serviceName;
    doc.AvailabilityZone = p.availabilityZone;
    doc.LaunchType = p.launchType;
  }
  return JSON.parse(JSON.stringify(doc));
}
