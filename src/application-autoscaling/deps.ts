import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { ManagedAlarms } from "../cloudwatch/alarms/managed-alarms.js";
import type { ScalableServices } from "../ecs/services/scalable-services.js";

/** What Application Auto Scaling is built from; wired once in server.ts. */
export interface AasDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  /** ECS services' desired counts, changed through UpdateService. */
  services: ScalableServices;
  /** CloudWatch, for the alarms target tracking policies own; without it none are made. */
  alarms?: ManagedAlarms;
}
