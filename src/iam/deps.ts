import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";

export interface IamDeps {
  db: Db;
  clock: Clock;
}
