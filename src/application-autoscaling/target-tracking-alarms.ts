import type { MetricDataQuery, PutMetricAlarmInput } from "@aws-sdk/client-cloudwatch";
import type { Scope } from "../core/arn.js";
import { validation } from "./errors.js";
import type { Alarm, ScalingPolicy, TargetTrackingScalingPolicyConfiguration } from "./types.js";

/**
 * The alarms a target tracking policy owns, as AWS makes them for ECS services: AlarmHigh, 3
 * datapoints of 60 s above the target, and (unless scale-in is disabled) AlarmLow, 15 datapoints
 * of 60 s below 90% of it. Both invoke the policy.
 */
export const HIGH = { evaluationPeriods: 3, comparison: "GreaterThanThreshold" } as const;
export const LOW = { evaluationPeriods: 15, comparison: "LessThanThreshold", ratio: 0.9 } as const;
const PERIOD = 60;

export const alarmArn = (scope: Scope, name: string) => `arn:aws:cloudwatch:${scope.region}:${scope.account}:alarm:${name}`;

/** The alarm names of a policy: TargetTracking-<resource ID>-AlarmHigh-<uuid> (and AlarmLow). */
export function alarmNames(resourceId: string, high: string, low: string, disableScaleIn: boolean): string[] {
  const names = [`TargetTracking-${resourceId}-AlarmHigh-${high}`];
  if (!disableScaleIn) names.push(`TargetTracking-${resourceId}-AlarmLow-${low}`);
  return names;
}

type MetricPart = Pick<PutMetricAlarmInput, "Namespace" | "MetricName" | "Dimensions" | "Statistic" | "Unit" | "Period" | "Metrics">;

/** The metric the alarms watch, from the predefined or the customized specification. */
export function trackedMetric(resourceId: string, c: TargetTrackingScalingPolicyConfiguration): MetricPart {
  const predefined = c.PredefinedMetricSpecification;
  const custom = c.CustomizedMetricSpecification;
  if ((predefined === undefined) === (custom === undefined)) {
    throw validation("Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be specified");
  }
  if (predefined) {
    const [, cluster, service] = resourceId.split("/");
    const type = predefined.PredefinedMetricType;
    if (type === "ECSServiceAverageCPUUtilization" || type === "ECSServiceAverageMemoryUtilization") {
      if (predefined.ResourceLabel !== undefined) throw validation(`ResourceLabel is not supported for PredefinedMetricType ${type}`);
      return {
        Namespace: "AWS/ECS", MetricName: type === "ECSServiceAverageCPUUtilization" ? "CPUUtilization" : "MemoryUtilization",
        Dimensions: [{ Name: "ClusterName", Value: cluster }, { Name: "ServiceName", Value: service }], Statistic: "Average", Period: PERIOD,
      };
    }
    if (type === "ALBRequestCountPerTarget") {
      const label = predefined.ResourceLabel;
      const m = label === undefined ? null : /^app\/[^/]+\/[^/]+\/(targetgroup\/[^/]+\/[^/]+)$/.exec(label);
      if (!m) throw validation(`Invalid ResourceLabel for PredefinedMetricType ALBRequestCountPerTarget: ${label ?? "null"}. It must be app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>`);
      return { Namespace: "AWS/ApplicationELB", MetricName: "RequestCountPerTarget", Dimensions: [{ Name: "TargetGroup", Value: m[1] }], Statistic: "Sum", Period: PERIOD };
    }
    throw validation(`Unsupported metric type ${type} for service namespace ecs`);
  }
  if (custom!.Metrics !== undefined) {
    if (custom!.MetricName !== undefined || custom!.Namespace !== undefined || custom!.Dimensions !== undefined || custom!.Statistic !== undefined) {
      throw validation("Metrics cannot be specified together with MetricName, Namespace, Dimensions or Statistic");
    }
    if (custom!.Metrics.filter((q) => q.ReturnData !== false).length !== 1) throw validation("Exactly one metric in Metrics must have ReturnData set to true");
    const Metrics: MetricDataQuery[] = custom!.Metrics.map((q) => ({
      Id: q.Id, Expression: q.Expression, Label: q.Label, ReturnData: q.ReturnData ?? true,
      MetricStat: q.MetricStat && { Metric: { ...q.MetricStat.Metric }, Stat: q.MetricStat.Stat, Unit: q.MetricStat.Unit as never, Period: PERIOD },
    }));
    return { Metrics };
  }
  if (custom!.MetricName === undefined || custom!.Namespace === undefined || custom!.Statistic === undefined) {
    throw validation("MetricName, Namespace and Statistic must be specified for CustomizedMetricSpecification");
  }
  return { Namespace: custom!.Namespace, MetricName: custom!.MetricName, Dimensions: custom!.Dimensions, Statistic: custom!.Statistic as never, Unit: custom!.Unit as never, Period: PERIOD };
}

/** PutMetricAlarm inputs for a target tracking policy's alarms (names already chosen). */
export function alarmInputs(p: ScalingPolicy, names: string[]): PutMetricAlarmInput[] {
  const c = p.TargetTrackingScalingPolicyConfiguration!;
  const metric = trackedMetric(p.ResourceId, c);
  const base = { ...metric, AlarmActions: [p.PolicyARN], AlarmDescription: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${p.PolicyARN}.` };
  return names.map((AlarmName) => AlarmName.includes("-AlarmHigh-")
    ? { ...base, AlarmName, ComparisonOperator: HIGH.comparison, EvaluationPeriods: HIGH.evaluationPeriods, DatapointsToAlarm: HIGH.evaluationPeriods, Threshold: c.TargetValue }
    : { ...base, AlarmName, ComparisonOperator: LOW.comparison, EvaluationPeriods: LOW.evaluationPeriods, DatapointsToAlarm: LOW.evaluationPeriods, Threshold: c.TargetValue * LOW.ratio });
}

export const alarmsOf = (scope: Scope, names: string[]): Alarm[] => names.map((AlarmName) => ({ AlarmName, AlarmARN: alarmArn(scope, AlarmName) }));
