import type { Scope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { Db } from "../../store/database.js";
import type { AlarmActionTarget, AlarmStateChange } from "./alarm-actions.js";
import type { AlarmHistory } from "./alarm-history.js";
import { parseAlarmRule, evaluateRule } from "./alarm-rule.js";
import { alarmArn, type AlarmStore, type StoredAlarm } from "./alarm-store.js";
import type { AlarmState } from "./evaluate-datapoints.js";
import { reasonDataTime } from "./state-reason.js";
import { emitAlarmStateChange } from "./alarm-events.js";

/** Application Auto Scaling and EC2 Auto Scaling policies: invoked again every evaluation while the state lasts. */
const isAutoScaling = (arn: string) => /^arn:aws[a-z-]*:autoscaling:/.test(arn);

const actionsFor = (a: StoredAlarm["alarm"], state: AlarmState) =>
  (state === "ALARM" ? a.AlarmActions : state === "OK" ? a.OKActions : a.InsufficientDataActions) ?? [];

/**
 * Every change of an alarm's state goes through here, whoever decides it (the evaluator,
 * SetAlarmState, a composite alarm's rule): the state and its history entry in one transaction,
 * then the new state's actions, then the composite alarms whose rule names the alarm.
 */
export class AlarmTransitions {
  private readonly targets: AlarmActionTarget[] = [];

  constructor(
    private readonly deps: { db: Db; clock: Clock; log: Logger; store: AlarmStore; history: AlarmHistory },
  ) {}

  addTarget(target: AlarmActionTarget): void {
    this.targets.push(target);
  }

  /** Sets the state (recording it even when unchanged, as SetAlarmState does); false when the alarm is gone. */
  async change(scope: Scope, name: string, state: AlarmState, reason: string, reasonData?: string, visited = new Set<string>()): Promise<boolean> {
    const { db, clock, store, history } = this.deps;
    const now = clock.now();
    const before = db.transaction(() => {
      const stored = store.get(scope, name);
      if (!stored) return undefined;
      const old = stored.alarm.StateValue as AlarmState;
      const fields: Record<string, unknown> = { StateReason: reason, StateReasonData: reasonData, StateUpdatedTimestamp: now.toISOString() };
      if (old !== state) fields.StateTransitionedTimestamp = now.toISOString();
      // EventBridge hears of transitions only, as AWS sends them.
      if (old !== state) emitAlarmStateChange(db, scope, stored.alarm, { value: state, reason, reasonData, at: now });
      store.saveState(scope, name, state, fields);
      history.record(scope, {
        alarmName: name,
        alarmType: stored.type,
        type: "StateUpdate",
        summary: `Alarm updated from ${old} to ${state}`,
        timestamp: now,
        data: {
          version: "1.0",
          oldState: { stateValue: old, stateReason: stored.alarm.StateReason, ...(stored.alarm.StateReasonData ? { stateReasonData: safeJson(stored.alarm.StateReasonData) } : {}) },
          newState: { stateValue: state, stateReason: reason, ...(reasonData ? { stateReasonData: safeJson(reasonData) } : {}) },
        },
      });
      return stored;
    })();
    if (!before) return false;
    const change: AlarmStateChange = {
      scope, alarmName: name, alarmArn: before.alarm.AlarmArn!, oldState: before.alarm.StateValue as AlarmState, newState: state, reason, reasonData, timestamp: now,
    };
    if (before.alarm.ActionsEnabled !== false) await this.invoke(before, change, actionsFor(before.alarm, state), true);
    await this.evaluateParents(scope, name, visited);
    return true;
  }

  /**
   * AWS invokes Auto Scaling actions for every period the alarm stays in the state that has them,
   * each time with that evaluation's datapoints (`reasonData`), so a policy scales by what the
   * metric is now rather than by what it was when the state changed. The alarm's own
   * StateReasonData is left as it was, as AWS changes it only with the state.
   */
  async repeatAutoScaling(scope: Scope, stored: StoredAlarm, reasonData = stored.alarm.StateReasonData): Promise<void> {
    const a = stored.alarm;
    if (a.ActionsEnabled === false) return;
    const arns = actionsFor(a, a.StateValue as AlarmState).filter(isAutoScaling);
    if (arns.length === 0) return;
    const state = a.StateValue as AlarmState;
    const change: AlarmStateChange = {
      scope, alarmName: a.AlarmName!, alarmArn: a.AlarmArn!, oldState: state, newState: state, reason: a.StateReason ?? "", reasonData, timestamp: this.deps.clock.now(),
    };
    await this.invoke(stored, change, arns, false);
  }

  private async invoke(stored: StoredAlarm, change: AlarmStateChange, arns: string[], record: boolean): Promise<void> {
    for (const arn of arns) {
      const target = this.targets.find((t) => t.handles(arn));
      let error: string | undefined = target ? undefined : "no such action target";
      if (target) {
        try {
          await target.invoke(arn, change);
        } catch (err) {
          error = (err as Error).message;
          this.deps.log.warn({ err, alarm: change.alarmArn, action: arn }, "an alarm action failed");
        }
      }
      if (!record) continue;
      this.deps.history.record(change.scope, {
        alarmName: change.alarmName,
        alarmType: stored.type,
        type: "Action",
        summary: error === undefined ? `Successfully executed action ${arn}` : `Failed to execute action ${arn}. Received error: "${error}"`,
        data: { actionState: error === undefined ? "Succeeded" : "Failed", stateUpdateTimestamp: change.timestamp.getTime(), notificationResource: arn, ...(error ? { error } : {}) },
      });
    }
  }

  private async evaluateParents(scope: Scope, name: string, visited: Set<string>): Promise<void> {
    const { store } = this.deps;
    const child = store.get(scope, name);
    for (const parent of new Set([...store.parents(scope, name), ...store.parents(scope, alarmArn(scope, name))])) {
      await this.evaluateComposite(scope, parent, visited, child);
    }
  }

  /**
   * A composite alarm's state is its rule: true is ALARM, false OK. Evaluation stops at a cycle
   * (CloudWatch: "the evaluation of composite alarms stops if CloudWatch detects a cycle").
   */
  async evaluateComposite(scope: Scope, name: string, visited = new Set<string>(), trigger?: StoredAlarm): Promise<void> {
    if (visited.has(name)) return;
    visited.add(name);
    const { store } = this.deps;
    const stored = store.get(scope, name);
    if (stored?.type !== "CompositeAlarm") return;
    const prefix = alarmArn(scope, "");
    const stateOf = (ref: string) => store.get(scope, ref.startsWith(prefix) ? ref.slice(prefix.length) : ref)?.alarm.StateValue as AlarmState | undefined;
    const state: AlarmState = evaluateRule(parseAlarmRule(stored.alarm.AlarmRule!), stateOf) ? "ALARM" : "OK";
    if (state === stored.alarm.StateValue) return;
    const at = trigger?.alarm.StateTransitionedTimestamp ?? this.deps.clock.now();
    const reason = trigger
      ? `${trigger.alarm.AlarmArn} transitioned to ${trigger.alarm.StateValue} at ${new Date(at).toUTCString()}`
      : `The alarm rule evaluated to ${state === "ALARM" ? "TRUE" : "FALSE"}`;
    const data = trigger
      ? JSON.stringify({ triggeringAlarms: [{ arn: trigger.alarm.AlarmArn, state: { value: trigger.alarm.StateValue, timestamp: reasonDataTime(new Date(at)) } }] })
      : undefined;
    await this.change(scope, name, state, reason, data, visited);
  }
}

const safeJson = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
};
