import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Config } from "../core/config.js";
import type { Logger } from "../core/logger.js";
import type { TaskRunner } from "../agent/protocol/task-runner.js";
import type { LoadBalancerTargets } from "./services/load-balancer-targets.js";

/** What ECS handlers are built from; wired once in server.ts. */
export interface EcsDeps {
  db: Db;
  clock: Clock;
  config: Config;
  log: Logger;
  runner: TaskRunner;
  /** ELBv2, as services register their tasks in target groups. */
  loadBalancers: LoadBalancerTargets;
}
