import type Docker from "dockerode";
import type { Config } from "../core/config.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { TaskReport } from "../ecs/task-runner.js";
import type { IpAllocator } from "./ip-allocator.js";
import type { TaskCgroups } from "./cgroups.js";

/** What every task manager of one runner shares. */
export interface AgentContext {
  docker: Docker;
  config: Config;
  log: Logger;
  clock: Clock;
  berthId: string;
  ips: IpAllocator;
  cgroups: TaskCgroups;
  /** The pause image reference, built on first need (or at start-up) and then remembered. */
  pauseImage(): Promise<string>;
  /** Resolves once the events subscription is live, so that no die is missed after it. */
  eventsReady(): Promise<void>;
  emit(report: TaskReport): void;
}
