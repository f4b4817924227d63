import type Docker from "dockerode";
import type { Config } from "../core/config.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { TaskReport } from "./protocol/task-runner.js";
import type { IpAllocator } from "./ip-allocator.js";
import type { TaskCgroups } from "./cgroups.js";
import type { Scope } from "../core/arn.js";
import type { LogShipper } from "./protocol/log-shipper.js";
import type { AgentEndpoints } from "./task-endpoint/agent-endpoints.js";

/**
 * Berth's registry as the agent sees it: the host its repository URIs name, and passwords for
 * the engine to pull with (GetAuthorizationToken's, for one account and region). The agent gets
 * credentials from the control plane rather than holding the signing secret itself.
 */
export interface RegistryAccess {
  /** host:port, as repositoryUri names it. */
  host(): string;
  /** A password valid for `scope`'s repositories (the part after `AWS:`). */
  password(scope: Scope): string;
}

/** What every task manager of one runner shares. */
export interface AgentContext {
  docker: Docker;
  config: Config;
  log: Logger;
  clock: Clock;
  berthId: string;
  ips: IpAllocator;
  cgroups: TaskCgroups;
  /** Berth's registry, when this runner's server has one: images there are pulled with its credentials. */
  registry?: RegistryAccess;
  /** The pause image reference, built on first need (or at start-up) and then remembered. */
  pauseImage(): Promise<string>;
  /** Resolves once the events subscription is live, so that no die is missed after it. */
  eventsReady(): Promise<void>;
  emit(report: TaskReport): void;
  /** Where awslogs containers' output goes (the control plane, over the agent protocol). */
  logs?: LogShipper;
  /** The credentials and metadata endpoints and the API relay; undefined where they could not start. */
  endpoints(): Promise<AgentEndpoints | undefined>;
}
