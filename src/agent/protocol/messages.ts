import type { LaunchSpec, StopRequest, TaskReport, ContainerLog, TaskRoleCredentials } from "./task-runner.js";
import type { LaunchRegistry } from "../launch-registry.js";
import type { LogDestination } from "./log-shipper.js";
import type { ShippedEvent } from "../awslogs/log-event-builder.js";
import type { ShellTarget } from "../container-shell.js";

/**
 * The agent protocol's messages (docs/agent-protocol.md). JSON over HTTP: the agent calls the
 * server, never the other way round, so an agent behind NAT or a firewall can join. Both
 * directions are sequenced streams: commands (server -> agent) and reports (agent -> server)
 * carry a seq, the receiver applies seq = last + 1 only and acknowledges the last it applied,
 * and the sender resends everything unacknowledged after a reconnect. Nothing is lost or
 * applied twice.
 */
export const AGENT_PROTOCOL_VERSION = 1;
export const AGENT_PATH = "/_berth/agent";
/** The header carrying the shared agent token (config agentToken). */
export const AGENT_TOKEN_HEADER = "x-berth-agent-token";
/** Where an agent opens the WebSocket that carries one ExecuteCommand session's terminal: + relayId (exec-relay.ts). */
export const EXEC_RELAY_PATH = `${AGENT_PATH}/exec/`;

export interface Hello {
  protocol: number;
  cluster: string;
  /** The instance this agent registered as before (from its data dir); absent on first start. */
  containerInstanceArn?: string;
  /** Random per agent process: a new epoch means a new process whose managers know nothing yet. */
  epoch: string;
  hostIp: string;
  cpu: number;
  memory: number;
  availabilityZone?: string;
  instanceType?: string;
  attributes?: Array<{ name: string; value?: string }>;
  agentVersion: string;
  dockerVersion: string;
}

export interface HelloReply {
  containerInstanceArn: string;
  /** Names this server-side session; polls and pushes with another are refused (409) and the agent says hello again. */
  session: string;
  /** The last report seq the server applied from this epoch; undefined when it knows nothing of it. */
  reportSeq?: number;
  /** How long a poll is held open; the agent's polls are its heartbeats. */
  pollMs: number;
  /** How often the agent reports its tasks' resource use (usage); absent: never (a server that wants none). */
  usageMs?: number;
}

export type Command =
  /**
   * `registry`: the registry host and pull passwords for the task's images, so every agent maps
   * ECR URIs and pulls alike; added each time the launch is delivered; absent from a server
   * without a registry.
   */
  | { type: "launch"; spec: LaunchSpec; registry?: LaunchRegistry }
  | { type: "stop"; taskArn: string; why: StopRequest }
  | { type: "cleanup"; taskArn: string }
  | { type: "logs"; taskArn: string; requestId: string }
  | { type: "recover"; specs: LaunchSpec[]; retained: string[] }
  | { type: "reset" }
  /** Rotation: the task's role session was renewed. Sent bare and filled in at delivery, like launches. */
  | { type: "credentials"; taskArn: string; credentials?: TaskRoleCredentials }
  | ExecCommand;

/**
 * ExecuteCommand in one of the agent's containers: the agent opens a WebSocket to
 * EXEC_RELAY_PATH + relayId, starts `argv` in the container with a TTY and relays the terminal
 * over it (src/agent/exec-relay.ts). The server's data channel drives the other end.
 */
export interface ExecCommand {
  type: "exec";
  relayId: string;
  target: ShellTarget;
  argv: string[];
}

/**
 * The relay's control messages (WebSocket text; terminal bytes go as binary). Server to agent:
 * the terminal's size, and flow control. Agent to server: the command started, could not start,
 * or exited (with its exit code when the engine knows it).
 */
export type ExecControl =
  | { resize: [cols: number, rows: number] }
  | { pause: boolean }
  | { started: true }
  | { error: string }
  | { exit: number | null };

export interface Sequenced<T> {
  seq: number;
  body: T;
}

export interface PollRequest {
  containerInstanceArn: string;
  session: string;
  /** The last command seq the agent applied. */
  ack: number;
}
export interface PollReply {
  commands: Array<Sequenced<Command>>;
}

export interface PushRequest {
  containerInstanceArn: string;
  session: string;
  epoch: string;
  reports: Array<Sequenced<TaskReport>>;
}
export interface PushReply {
  /** The last report seq applied. */
  ack: number;
}

export interface LogsReply {
  containerInstanceArn: string;
  session: string;
  requestId: string;
  logs: ContainerLog[];
}

/** awslogs: make sure a container's group and stream exist; answers the position stored for it. */
export interface LogOpenRequest {
  containerInstanceArn: string;
  session: string;
  destination: LogDestination;
}
export interface LogOpenReply {
  /** The last position stored for the container; absent when none. */
  position?: string;
  /** CloudWatch Logs refused (e.g. ResourceNotFoundException: the group is missing and not to be created). */
  error?: { code: string; message: string };
}

/**
 * awslogs: one batch of a container's events, in order, each with its position (its container's
 * sequence). The server stores those past the position it has, with the new position, in one
 * transaction, and answers the position it has afterwards.
 */
export interface LogBatchRequest {
  containerInstanceArn: string;
  session: string;
  destination: LogDestination;
  events: ShippedEvent[];
  /** Lines mode non-blocking dropped since the previous batch. */
  dropped?: number;
}
export interface LogBatchReply {
  position?: string;
  error?: { code: string; message: string };
}

/**
 * The agent's measurement of its running tasks' resource use, sent every usageMs. Not sequenced:
 * a lost one is simply a gap in the metrics, and the next one is as good.
 */
export interface UsageReport {
  containerInstanceArn: string;
  session: string;
  usage: TaskUsage[];
}

/** One task's use over the period [from, to] (epoch ms on the agent's clock). */
export interface TaskUsage {
  taskArn: string;
  from: number;
  to: number;
  containers: ContainerUsage[];
}

export interface ContainerUsage {
  name: string;
  /** CPU time used over the period, as CPU units (1024 = one vCPU busy the whole period). */
  cpuUnits: number;
  /** Memory in use at the end of the period, page cache excluded (as `docker stats` shows it), in MiB. */
  memoryMiB: number;
}

/** Dates travel as ISO strings; a report's timestamps become Dates again on arrival. */
export function reviveReport(r: TaskReport): TaskReport {
  const date = (v: unknown) => (v === undefined ? undefined : new Date(v as string));
  return { ...r, at: date(r.at)!, pullStartedAt: date(r.pullStartedAt), pullStoppedAt: date(r.pullStoppedAt) };
}
