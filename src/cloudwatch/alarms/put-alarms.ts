import type { CompositeAlarm, MetricAlarm, PutCompositeAlarmInput, PutMetricAlarmInput, Tag } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { Db } from "../../store/database.js";
import { invalidValue } from "./alarm-errors.js";
import type { AlarmHistory } from "./alarm-history.js";
import { AlarmRuleError, parseAlarmRule, ruleAlarms } from "./alarm-rule.js";
import { alarmArn, type AlarmStore, type StoredAlarm } from "./alarm-store.js";
import type { AlarmTags } from "./alarm-tags.js";
import { metricAlarmConfiguration } from "./metric-alarm-input.js";
import { ensureBandDetector } from "../anomaly/band-alarm-detector.js";

export interface PutDeps {
  db: Db;
  clock: Clock;
  store: AlarmStore;
  history: AlarmHistory;
  tags: AlarmTags;
}

/**
 * Creates or replaces an alarm. A new alarm starts in INSUFFICIENT_DATA ("Unchecked: Initial alarm
 * creation"); an update keeps the state and replaces the whole configuration. Tags apply only on
 * creation, as AWS ignores them on update.
 */
function put(deps: PutDeps, scope: Scope, configuration: MetricAlarm | CompositeAlarm, type: StoredAlarm["type"], tags: Tag[] | undefined, children: string[] = []): void {
  const { db, clock, store, history } = deps;
  const name = configuration.AlarmName!;
  const now = clock.now();
  db.transaction(() => {
    const existing = store.get(scope, name);
    if (existing && existing.type !== type) {
      throw invalidValue(`The alarm ${name} already exists as a ${existing.type === "MetricAlarm" ? "metric" : "composite"} alarm.`);
    }
    const state = existing
      ? {
          StateValue: existing.alarm.StateValue,
          StateReason: existing.alarm.StateReason,
          StateReasonData: existing.alarm.StateReasonData,
          StateUpdatedTimestamp: existing.alarm.StateUpdatedTimestamp,
          StateTransitionedTimestamp: existing.alarm.StateTransitionedTimestamp,
        }
      : { StateValue: "INSUFFICIENT_DATA", StateReason: "Unchecked: Initial alarm creation", StateUpdatedTimestamp: now, StateTransitionedTimestamp: now };
    const alarm = { ...configuration, AlarmArn: alarmArn(scope, name), AlarmConfigurationUpdatedTimestamp: now, ...state } as StoredAlarm["alarm"];
    store.save(scope, { type, alarm } as StoredAlarm, children);
    if (!existing && tags?.length) deps.tags.tag(alarm.AlarmArn!, tags);
    history.record(scope, {
      alarmName: name,
      alarmType: type,
      type: "ConfigurationUpdate",
      summary: existing ? `Alarm "${name}" updated` : `Alarm "${name}" created`,
      timestamp: now,
      data: existing ? { version: "1.0", type: "Update", updatedAlarm: alarm } : { version: "1.0", type: "Create", createdAlarm: alarm },
    });
  })();
}

export function putMetricAlarm(deps: PutDeps, scope: Scope, input: PutMetricAlarmInput): void {
  const configuration = metricAlarmConfiguration(input);
  put(deps, scope, configuration, "MetricAlarm", input.Tags);
  ensureBandDetector(deps.db, scope, configuration);
}

/** Composite alarms cannot run Auto Scaling or EC2 actions. */
const COMPOSITE_REFUSED = /^arn:aws[a-z-]*:(autoscaling|automate|swf):/;

/** Creates or replaces a composite alarm; every alarm its rule names must exist. Returns the alarm to evaluate. */
export function putCompositeAlarm(deps: PutDeps, scope: Scope, input: PutCompositeAlarmInput): string {
  let children: string[];
  try {
    children = ruleAlarms(parseAlarmRule(input.AlarmRule!));
  } catch (err) {
    if (err instanceof AlarmRuleError) throw invalidValue(`Invalid alarm rule: ${err.message}`);
    throw err;
  }
  const prefix = alarmArn(scope, "");
  const missing = children.filter((c) => !deps.store.get(scope, c.startsWith(prefix) ? c.slice(prefix.length) : c));
  if (missing.length) throw invalidValue(`Could not save the composite alarm as alarms [${missing.join(", ")}] in the alarm rule do not exist`);
  for (const key of ["OKActions", "AlarmActions", "InsufficientDataActions"] as const) {
    const bad = input[key]?.find((a) => COMPOSITE_REFUSED.test(a) || !a.startsWith("arn:"));
    if (bad !== undefined) throw invalidValue(`The action ${bad} in parameter ${key} is not supported for composite alarms.`);
  }
  const configuration: CompositeAlarm = {
    AlarmName: input.AlarmName,
    AlarmDescription: input.AlarmDescription,
    AlarmRule: input.AlarmRule,
    ActionsEnabled: input.ActionsEnabled ?? true,
    OKActions: input.OKActions ?? [],
    AlarmActions: input.AlarmActions ?? [],
    InsufficientDataActions: input.InsufficientDataActions ?? [],
    ActionsSuppressor: input.ActionsSuppressor,
    ActionsSuppressorWaitPeriod: input.ActionsSuppressorWaitPeriod,
    ActionsSuppressorExtensionPeriod: input.ActionsSuppressorExtensionPeriod,
  };
  // Children are stored by name when they are of this account and region, so renames of form do not matter.
  put(deps, scope, configuration, "CompositeAlarm", input.Tags, children.map((c) => (c.startsWith(prefix) ? c.slice(prefix.length) : c)));
  return input.AlarmName!;
}
