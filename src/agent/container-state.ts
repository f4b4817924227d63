import type Docker from "dockerode";
import type { ContainerReport } from "./protocol/task-runner.js";
import { containerHealth, type Health } from "./health.js";
import { bindingsFromInspect, hostModeBindings, type NetworkBinding } from "./port-bindings.js";
import type { NetworkMode, PlannedContainer } from "./task-plan.js";

/** What a task manager knows of one of its containers. */
export interface ContainerState {
  plan: PlannedContainer;
  id?: string;
  status: "PENDING" | "RUNNING" | "STOPPED";
  started: boolean;
  exitCode?: number;
  reason?: string;
  health: Health;
  bindings: NetworkBinding[];
  imageDigest?: string;
}

export function newContainerState(plan: PlannedContainer): ContainerState {
  return { plan, status: "PENDING", started: false, health: "UNKNOWN", bindings: [] };
}

const NEVER = "0001-01-01T00:00:00Z";

/** The engine started the container at some point (it may have exited since). */
export const hasStarted = (info: Docker.ContainerInspectInfo) => info.State.Running || (!!info.State.StartedAt && info.State.StartedAt !== NEVER);

/**
 * Folds what the engine says of a container into the state. Returns true when something a
 * report carries changed. An out-of-memory kill gets the ECS agent's OutOfMemoryError reason.
 */
export function observe(s: ContainerState, info: Docker.ContainerInspectInfo, mode: NetworkMode): boolean {
  const before = JSON.stringify(toReport(s));
  s.id = info.Id;
  const state = info.State;
  if (hasStarted(info)) s.started = true;
  if (state.Running) {
    s.status = "RUNNING";
    if (mode === "bridge") s.bindings = bindingsFromInspect(s.plan.def.portMappings, info.NetworkSettings?.Ports as never);
    if (mode === "host") s.bindings = hostModeBindings(s.plan.def.portMappings);
  } else if (s.started) {
    s.status = "STOPPED";
    s.exitCode = state.ExitCode;
    if (state.OOMKilled && !s.reason) s.reason = "OutOfMemoryError: Container killed due to memory usage";
  }
  if (s.plan.hasHealthCheck) s.health = containerHealth((state as { Health?: { Status?: string } }).Health?.Status);
  return JSON.stringify(toReport(s)) !== before;
}

export function toReport(s: ContainerState): ContainerReport {
  const r: ContainerReport = { name: s.plan.name, lastStatus: s.status, healthStatus: s.health, networkBindings: s.bindings };
  if (s.id) r.runtimeId = s.id;
  if (s.imageDigest) r.imageDigest = s.imageDigest;
  if (s.exitCode !== undefined) r.exitCode = s.exitCode;
  if (s.reason) r.reason = s.reason;
  return r;
}
