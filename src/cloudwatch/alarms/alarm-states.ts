import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import { AlarmStore } from "./alarm-store.js";

/**
 * The named alarms (metric or composite) of a scope that are in ALARM now, in the order named;
 * a name no alarm has is simply not in ALARM, as ECS treats a deployment alarm that does not exist.
 * ECS's deployment alarms read this (src/ecs/services/deployment-alarms.ts).
 */
export function alarmStates(db: Db) {
  const store = new AlarmStore(db);
  return {
    inAlarm: (scope: Scope, alarmNames: readonly string[]): string[] => alarmNames.filter((n) => store.get(scope, n)?.alarm.StateValue === "ALARM"),
  };
}
