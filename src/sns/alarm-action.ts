import type { AlarmActionTarget } from "../cloudwatch/alarms/alarm-actions.js";
import type { SnsInternal } from "./sns-service.js";

/**
 * CloudWatch alarm actions naming an SNS topic: the topic gets AWS's alarm notification (its JSON
 * fields as AWS sends them, Subject `ALARM: "name" in region`). Metric details (Trigger) are not
 * part of the change the alarms report, so they are left out.
 */
export function snsAlarmActions(sns: SnsInternal): AlarmActionTarget {
  return {
    handles: (arn) => arn.startsWith("arn:aws:sns:"),
    async invoke(arn, c) {
      const message = JSON.stringify({
        AlarmName: c.alarmName, AlarmDescription: null, AWSAccountId: c.scope.account, AlarmConfigurationUpdatedTimestamp: c.timestamp.toISOString(),
        NewStateValue: c.newState, NewStateReason: c.reason, StateChangeTime: c.timestamp.toISOString().replace("Z", "+0000"),
        Region: c.scope.region, AlarmArn: c.alarmArn, OldStateValue: c.oldState,
      });
      await sns.publishInternal(c.scope, arn, message, `${c.newState}: "${c.alarmName}" in ${c.scope.region}`.slice(0, 100));
    },
  };
}
