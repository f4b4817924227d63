import type {
  DeleteAlarmsInput, DescribeAlarmHistoryInput, DescribeAlarmsForMetricInput, DescribeAlarmsInput, DisableAlarmActionsInput, EnableAlarmActionsInput,
  ListTagsForResourceInput, PutCompositeAlarmInput, PutMetricAlarmInput, SetAlarmStateInput, TagResourceInput, UntagResourceInput,
} from "@aws-sdk/client-cloudwatch";
import type { Handler } from "../../aws/service.js";
import type { Scope } from "../../core/arn.js";
import { alarmNotFound, invalidCombination, invalidFormat, resourceNotFound } from "./alarm-errors.js";
import { alarmArn } from "./alarm-store.js";
import { describeAlarms, describeAlarmsForMetric } from "./describe-alarms.js";
import type { AlarmState } from "./evaluate-datapoints.js";
import { putCompositeAlarm, putMetricAlarm, type PutDeps } from "./put-alarms.js";
import type { AlarmTransitions } from "./alarm-transitions.js";

export interface AlarmHandlerDeps extends PutDeps {
  transitions: AlarmTransitions;
}

const scopeOf = (ctx: Scope): Scope => ({ account: ctx.account, region: ctx.region });

/** CloudWatch's alarm operations, for the CloudWatch service to spread into its handlers. */
export function alarmHandlers(deps: AlarmHandlerDeps): Record<string, Handler> {
  const { db, store, history, tags, transitions } = deps;

  /** The alarm an ARN names in the caller's account and region, or ResourceNotFoundException. */
  const alarmOfArn = (scope: Scope, arn: string) => {
    const prefix = alarmArn(scope, "");
    const stored = arn.startsWith(prefix) ? store.get(scope, arn.slice(prefix.length)) : undefined;
    if (!stored) throw resourceNotFound(arn);
    return stored;
  };

  const setActionsEnabled = (scope: Scope, names: string[], enabled: boolean) =>
    db.transaction(() => {
      // Names that are not alarms are ignored, as AWS ignores them.
      for (const name of names) if (store.get(scope, name)) store.saveState(scope, name, store.get(scope, name)!.alarm.StateValue as AlarmState, { ActionsEnabled: enabled });
    })();

  return {
    PutMetricAlarm: (input: PutMetricAlarmInput, ctx) => (putMetricAlarm(deps, scopeOf(ctx), input), {}),

    PutCompositeAlarm: async (input: PutCompositeAlarmInput, ctx) => {
      const scope = scopeOf(ctx);
      // Created in INSUFFICIENT_DATA, then evaluated at once, as AWS does.
      await transitions.evaluateComposite(scope, putCompositeAlarm(deps, scope, input));
      return {};
    },

    DescribeAlarms: (input: DescribeAlarmsInput, ctx) => describeAlarms(store, scopeOf(ctx), input),

    DescribeAlarmsForMetric: (input: DescribeAlarmsForMetricInput, ctx) => describeAlarmsForMetric(store, scopeOf(ctx), input),

    DescribeAlarmHistory: (input: DescribeAlarmHistoryInput, ctx) => history.describe(scopeOf(ctx), input),

    SetAlarmState: async (input: SetAlarmStateInput, ctx) => {
      const scope = scopeOf(ctx);
      if (input.StateReasonData !== undefined) {
        try {
          JSON.parse(input.StateReasonData);
        } catch {
          throw invalidFormat("The StateReasonData parameter must be valid JSON.");
        }
      }
      // Lasts until the next evaluation decides otherwise.
      const found = await transitions.change(scope, input.AlarmName!, input.StateValue as AlarmState, input.StateReason!, input.StateReasonData);
      if (!found) throw alarmNotFound(`Alarm ${input.AlarmName} not found`);
      return {};
    },

    EnableAlarmActions: (input: EnableAlarmActionsInput, ctx) => (setActionsEnabled(scopeOf(ctx), input.AlarmNames!, true), {}),
    DisableAlarmActions: (input: DisableAlarmActionsInput, ctx) => (setActionsEnabled(scopeOf(ctx), input.AlarmNames!, false), {}),

    DeleteAlarms: (input: DeleteAlarmsInput, ctx) => (deleteAlarms(deps, scopeOf(ctx), input.AlarmNames!), {}),

    TagResource: (input: TagResourceInput, ctx) => (tags.tag(alarmOfArn(scopeOf(ctx), input.ResourceARN!).alarm.AlarmArn!, input.Tags!), {}),
    UntagResource: (input: UntagResourceInput, ctx) => (tags.untag(alarmOfArn(scopeOf(ctx), input.ResourceARN!).alarm.AlarmArn!, input.TagKeys!), {}),
    ListTagsForResource: (input: ListTagsForResourceInput, ctx) => ({ Tags: tags.list(alarmOfArn(scopeOf(ctx), input.ResourceARN!).alarm.AlarmArn!) }),
  };
}

/**
 * DeleteAlarms: names that are not alarms are skipped; at most one composite alarm per call; an
 * alarm a composite alarm's rule still names (a composite not deleted in the same call) stays,
 * and then nothing is deleted.
 */
export function deleteAlarms({ db, store, history, tags }: PutDeps, scope: Scope, names: string[]): void {
  db.transaction(() => {
    const found = [...new Set(names)].flatMap((n) => store.get(scope, n) ?? []);
    if (found.filter((a) => a.type === "CompositeAlarm").length > 1) {
      throw invalidCombination("You can delete at most one composite alarm in one operation.");
    }
    const deleting = new Set(found.map((a) => a.alarm.AlarmName!));
    for (const a of found) {
      const name = a.alarm.AlarmName!;
      const parent = [...store.parents(scope, name), ...store.parents(scope, alarmArn(scope, name))].find((p) => !deleting.has(p));
      if (parent !== undefined) throw invalidCombination(`The alarm ${name} cannot be deleted because the composite alarm ${parent} depends on it.`);
    }
    for (const a of found) {
      store.delete(scope, a.alarm.AlarmName!);
      tags.deleteAll(a.alarm.AlarmArn!);
      history.record(scope, {
        alarmName: a.alarm.AlarmName!, alarmType: a.type, type: "ConfigurationUpdate", summary: `Alarm "${a.alarm.AlarmName}" deleted`, data: { version: "1.0", type: "Delete", deletedAlarm: a.alarm },
      });
    }
  })();
}
