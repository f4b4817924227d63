import type { PutMetricAlarmInput } from "@aws-sdk/client-cloudwatch";
import { loadBalancerPath } from "../../elbv2/ids.js";
import { targetGroupPath } from "../../elbv2/metrics/elb-metric-samples.js";

/**
 * The CloudWatch alarm an express service's deployments roll back on. AWS documents it (Amazon ECS
 * Developer Guide, "Updating an Amazon ECS Express Mode service"): the rollback triggers "if sum of
 * 4xx and 5xx errors percentage is > 1 for 2 datapoints within 3 minutes". Berth reads that as the
 * share of the requests its target groups (both: a canary's tasks are in the alternate one)
 * answered 4XX or 5XX, per minute, above 1% in 2 of the last 3 minutes; a minute without
 * requests is not an error. The metrics are the ALB's own (AWS/ApplicationELB, per target group).
 */
export function rollbackAlarmInput(alarmName: string, loadBalancerArn: string, targetGroupArns: readonly string[]): PutMetricAlarmInput {
  const loadBalancer = loadBalancerPath(loadBalancerArn);
  const stat = (id: string, metricName: string, groupArn: string) => ({
    Id: id, ReturnData: false,
    MetricStat: {
      Metric: { Namespace: "AWS/ApplicationELB", MetricName: metricName, Dimensions: [{ Name: "TargetGroup", Value: targetGroupPath(groupArn) }, { Name: "LoadBalancer", Value: loadBalancer }] },
      Period: 60, Stat: "Sum",
    },
  });
  const groups = targetGroupArns.map((arn, i) => ({ arn, i }));
  const sum = (ids: string[]) => ids.map((id) => `FILL(${id}, 0)`).join(" + ");
  const errors = sum(groups.flatMap(({ i }) => [`target4xx${i}`, `target5xx${i}`]));
  const requests = sum(groups.map(({ i }) => `requests${i}`));
  return {
    AlarmName: alarmName,
    AlarmDescription: "ECS Express Mode: the share of requests answered 4XX or 5XX by the service's targets; its deployments roll back when it is above 1%.",
    Metrics: [
      ...groups.flatMap(({ arn, i }) => [stat(`target4xx${i}`, "HTTPCode_Target_4XX_Count", arn), stat(`target5xx${i}`, "HTTPCode_Target_5XX_Count", arn), stat(`requests${i}`, "RequestCount", arn)]),
      { Id: "errorPercent", Label: "4XX and 5XX share of requests (%)", Expression: `IF((${requests}) > 0, 100 * (${errors}) / (${requests}), 0)`, ReturnData: true },
    ],
    ComparisonOperator: "GreaterThanThreshold", Threshold: 1, EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: "notBreaching",
  };
}
