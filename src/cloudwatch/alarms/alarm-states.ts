import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import { AlarmStore } from "./alarm-store.js";

/**
 * Which of the named alarms (metric or composite) of a scope are in ALARM now or went into ALARM
 * at or after `since` (their history says so), in the order named. The second half matters to a
 * deployment: an alarm set to ALARM and evaluated back to OK between two of the scheduler's
 * decisions still fails it. A name no alarm has is never in ALARM. ECS's deployment alarms read
 * this (src/ecs/services/deployment-alarms.ts).
 */
export function alarmStates(db: Db) {
  const store = new AlarmStore(db);
  const wentIntoAlarm = db.prepare(
    `SELECT 1 FROM cw_alarm_history WHERE account = ? AND region = ? AND alarm_name = ? AND item_type = 'StateUpdate' AND timestamp >= ?
     AND json_extract(data, '$.newState.stateValue') = 'ALARM' LIMIT 1`,
  );
  return {
    inAlarm: (scope: Scope, alarmNames: readonly string[], since: Date): string[] =>
      alarmNames.filter((n) => store.get(scope, n)?.alarm.StateValue === "ALARM" || wentIntoAlarm.get(scope.account, scope.region, n, since.getTime()) !== undefined),
  };
}
