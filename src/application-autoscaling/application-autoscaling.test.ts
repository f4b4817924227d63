import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { pino } from "pino";
import type { PutMetricAlarmInput } from "@aws-sdk/client-cloudwatch";
import { migrate } from "../store/database.js";
import type { Scope } from "../core/arn.js";
import type { RequestContext } from "../aws/request-context.js";
import type { ManagedAlarms } from "../cloudwatch/alarms/managed-alarms.js";
import type { AlarmStateChange } from "../cloudwatch/alarms/alarm-actions.js";
import type { ScalableServices } from "../ecs/services/scalable-services.js";
import { createApplicationAutoScaling } from "./application-autoscaling.js";

/**
 * The service in process, with small in-test stand-ins for what the composition root wires:
 * ECS services (a desired count per service) and CloudWatch's managed alarms (recorded).
 */
function setup() {
  const db = new Database(":memory:");
  db.pragma("foreign_keys = ON");
  migrate(db);
  let now = new Date("2025-03-01T00:00:00Z");
  const clock = { now: () => now };
  const desired = new Map<string, number>([["dev/web", 2]]);
  const services: ScalableServices = {
    desiredCount: (_s, cluster, service) => desired.get(`${cluster}/${service}`),
    setDesiredCount: (_s, cluster, service, count) => void desired.set(`${cluster}/${service}`, count),
  };
  const alarms = new Map<string, PutMetricAlarmInput>();
  const managed: ManagedAlarms = {
    put: (_s: Scope, input) => void alarms.set(input.AlarmName!, input),
    delete: (_s: Scope, names) => names.forEach((n) => alarms.delete(n)),
  };
  const log = pino({ level: "silent" });
  const aas = createApplicationAutoScaling({ db, clock, log, services, alarms: managed });
  const ctx: RequestContext = { account: "000000000000", region: "us-east-1", requestId: "r", log };
  const call = (op: string, input: Record<string, unknown>) => aas.service.handlers[op]!({ ...key, ...input }, ctx) as any;
  return { aas, call, desired, alarms, advance: (s: number) => (now = new Date(now.getTime() + s * 1000)), now: () => now };
}

const key = { ServiceNamespace: "ecs", ResourceId: "service/dev/web", ScalableDimension: "ecs:service:DesiredCount" };
const change = (alarmName: string, recentDatapoints: number[], threshold: number): AlarmStateChange => ({
  scope: { account: "000000000000", region: "us-east-1" }, alarmName, alarmArn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${alarmName}`,
  oldState: "OK", newState: "ALARM", reason: "Threshold Crossed", timestamp: new Date(),
  reasonData: JSON.stringify({ version: "1.0", statistic: "Average", period: 60, recentDatapoints, threshold }),
});

test("target tracking makes AWS's AlarmHigh and AlarmLow; DisableScaleIn drops AlarmLow; deleting the policy deletes them", () => {
  const { call, alarms } = setup();
  call("RegisterScalableTarget", { MinCapacity: 1, MaxCapacity: 6 });
  const put = call("PutScalingPolicy", {
    PolicyName: "cpu60", PolicyType: "TargetTrackingScaling",
    TargetTrackingScalingPolicyConfiguration: { TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" } },
  });
  assert.match(put.PolicyARN, /^arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:[0-9a-f-]{36}:resource\/ecs\/service\/dev\/web:policyName\/cpu60$/);
  assert.equal(put.Alarms.length, 2);
  const [high, low] = put.Alarms.map((a: { AlarmName: string }) => alarms.get(a.AlarmName)!);
  assert.match(high!.AlarmName!, /^TargetTracking-service\/dev\/web-AlarmHigh-[0-9a-f-]{36}$/);
  assert.deepEqual({ ...high, AlarmName: undefined }, {
    AlarmName: undefined, Namespace: "AWS/ECS", MetricName: "CPUUtilization", Statistic: "Average", Period: 60,
    Dimensions: [{ Name: "ClusterName", Value: "dev" }, { Name: "ServiceName", Value: "web" }],
    AlarmActions: [put.PolicyARN], AlarmDescription: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${put.PolicyARN}.`,
    ComparisonOperator: "GreaterThanThreshold", EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 60,
  });
  assert.match(low!.AlarmName!, /-AlarmLow-/);
  assert.deepEqual([low!.ComparisonOperator, low!.EvaluationPeriods, low!.DatapointsToAlarm, low!.Threshold], ["LessThanThreshold", 15, 15, 54]);
  const described = call("DescribeScalingPolicies", {}).ScalingPolicies[0];
  assert.deepEqual(described.TargetTrackingScalingPolicyConfiguration, {
    TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" }, ScaleOutCooldown: 300, ScaleInCooldown: 300, DisableScaleIn: false,
  });

  const again = call("PutScalingPolicy", {
    PolicyName: "cpu60", PolicyType: "TargetTrackingScaling",
    TargetTrackingScalingPolicyConfiguration: { TargetValue: 70, DisableScaleIn: true, PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" } },
  });
  assert.equal(again.PolicyARN, put.PolicyARN);
  assert.deepEqual([...alarms.keys()], [high!.AlarmName], "the same AlarmHigh, AlarmLow gone");
  assert.equal(alarms.get(high!.AlarmName!)!.Threshold, 70);

  call("DeleteScalingPolicy", { PolicyName: "cpu60" });
  assert.equal(alarms.size, 0);
  assert.throws(() => call("DeleteScalingPolicy", { PolicyName: "cpu60" }), (e: Error) => e.name === "ObjectNotFoundException"
    && e.message === "No scaling policy found for service namespace: ecs, resource ID: service/dev/web, scalable dimension: ecs:service:DesiredCount, policy name: cpu60");
});

test("ALBRequestCountPerTarget needs its ResourceLabel; customized metrics with metric math", () => {
  const { call, alarms } = setup();
  call("RegisterScalableTarget", { MinCapacity: 1, MaxCapacity: 6 });
  const tt = (spec: Record<string, unknown>) => call("PutScalingPolicy", { PolicyName: "p", PolicyType: "TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration: { TargetValue: 100, ...spec } });
  assert.throws(() => tt({ PredefinedMetricSpecification: { PredefinedMetricType: "ALBRequestCountPerTarget" } }), /ValidationException|ResourceLabel/);
  assert.equal(alarms.size, 0, "a refused policy makes no alarm");
  tt({ PredefinedMetricSpecification: { PredefinedMetricType: "ALBRequestCountPerTarget", ResourceLabel: "app/web/1234567890abcdef/targetgroup/web/0123456789abcdef" } });
  assert.deepEqual([...alarms.values()][0]!.Dimensions, [{ Name: "TargetGroup", Value: "targetgroup/web/0123456789abcdef" }]);
  tt({ CustomizedMetricSpecification: { Metrics: [
    { Id: "m1", MetricStat: { Metric: { Namespace: "App", MetricName: "Queue" }, Stat: "Sum" }, ReturnData: false },
    { Id: "m2", MetricStat: { Metric: { Namespace: "AWS/ECS", MetricName: "RunningTaskCount" }, Stat: "Average" }, ReturnData: false },
    { Id: "e1", Expression: "m1 / m2", Label: "per task" },
  ] } });
  const high = [...alarms.values()].find((a) => a.AlarmName!.includes("AlarmHigh"))!;
  assert.equal(high.Metrics!.length, 3);
  assert.equal(high.Metrics![0]!.MetricStat!.Period, 60);
  assert.equal(high.Namespace, undefined);
  assert.throws(() => tt({ PredefinedMetricSpecification: { PredefinedMetricType: "DynamoDBReadCapacityUtilization" } }), /Unsupported metric type/);
});

test("a step policy invoked by its alarm scales by its steps, within [min, max], with AWS's cooldowns", async () => {
  const { aas, call, desired, advance } = setup();
  call("RegisterScalableTarget", { MinCapacity: 1, MaxCapacity: 6 });
  const { PolicyARN } = call("PutScalingPolicy", {
    PolicyName: "queue", PolicyType: "StepScaling",
    StepScalingPolicyConfiguration: {
      AdjustmentType: "ChangeInCapacity", Cooldown: 60,
      StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 50, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 50, ScalingAdjustment: 3 }],
    },
  });
  assert.equal(aas.alarmActions.handles(PolicyARN), true);
  assert.equal(aas.alarmActions.handles("arn:aws:sns:us-east-1:000000000000:topic"), false);

  await aas.alarmActions.invoke(PolicyARN, change("queue-high", [120], 100)); // breach 20: +1
  assert.equal(desired.get("dev/web"), 3);
  const [activity] = call("DescribeScalingActivities", {}).ScalingActivities;
  assert.deepEqual([activity.Description, activity.Cause, activity.StatusCode, activity.StatusMessage], [
    "Setting desired count to 3.", "monitor alarm queue-high in state ALARM triggered policy queue", "Successful",
    "Successfully set desired count to 3. Change successfully fulfilled by ecs.",
  ]);
  // In the cooldown, the same step again adds nothing: the +1 already made counts towards it.
  await aas.alarmActions.invoke(PolicyARN, change("queue-high", [130], 100));
  assert.equal(desired.get("dev/web"), 3);
  // A larger step does: +3 from the 2 before the cooldown's scale-out, so 5, not 6.
  await aas.alarmActions.invoke(PolicyARN, change("queue-high", [160], 100));
  assert.equal(desired.get("dev/web"), 5);
  advance(61);
  await aas.alarmActions.invoke(PolicyARN, change("queue-high", [160], 100)); // +3, clamped to max 6
  assert.equal(desired.get("dev/web"), 6);

  // Scale-in, blocked during its cooldown; suspended scale-in does nothing.
  const scaleIn = call("PutScalingPolicy", {
    PolicyName: "queue-low", PolicyType: "StepScaling",
    StepScalingPolicyConfiguration: { AdjustmentType: "PercentChangeInCapacity", Cooldown: 60, StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -50 }] },
  }).PolicyARN;
  await aas.alarmActions.invoke(scaleIn, change("queue-low", [10], 20));
  assert.equal(desired.get("dev/web"), 3);
  await aas.alarmActions.invoke(scaleIn, change("queue-low", [10], 20));
  assert.equal(desired.get("dev/web"), 3, "scale-in cooldown");
  advance(61);
  call("RegisterScalableTarget", { SuspendedState: { DynamicScalingInSuspended: true } });
  await aas.alarmActions.invoke(scaleIn, change("queue-low", [10], 20));
  assert.equal(desired.get("dev/web"), 3, "scale-in suspended");
  call("RegisterScalableTarget", { SuspendedState: { DynamicScalingInSuspended: false } });
  await aas.alarmActions.invoke(scaleIn, change("queue-low", [10], 20));
  assert.equal(desired.get("dev/web"), 2, "-50% of 3 is -1.5, truncated towards zero");
});

test("a policy run blocked by max or min capacity is a not scaled activity, shown only with IncludeNotScaledActivities", async () => {
  const { aas, call, desired, advance } = setup();
  call("RegisterScalableTarget", { MinCapacity: 2, MaxCapacity: 3 });
  const high = call("PutScalingPolicy", {
    PolicyName: "cpu-high", PolicyType: "StepScaling",
    StepScalingPolicyConfiguration: { AdjustmentType: "ChangeInCapacity", Cooldown: 0, StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 2 }] },
  }).PolicyARN;
  const low = call("PutScalingPolicy", {
    PolicyName: "cpu-low", PolicyType: "StepScaling",
    StepScalingPolicyConfiguration: { AdjustmentType: "ChangeInCapacity", Cooldown: 0, StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }] },
  }).PolicyARN;
  await aas.alarmActions.invoke(high, change("cpu-high", [90], 70)); // 2 + 2, clamped to 3
  assert.equal(desired.get("dev/web"), 3);
  advance(60);
  await aas.alarmActions.invoke(high, change("cpu-high", [95], 70)); // at max
  assert.equal(desired.get("dev/web"), 3);
  const withNotScaled = () => call("DescribeScalingActivities", { IncludeNotScaledActivities: true }).ScalingActivities;
  const [blocked, scaled] = withNotScaled();
  assert.deepEqual({ ...blocked, ActivityId: undefined, StartTime: undefined }, {
    ActivityId: undefined, StartTime: undefined, ServiceNamespace: "ecs", ResourceId: "service/dev/web", ScalableDimension: "ecs:service:DesiredCount",
    Description: "Attempting to scale due to alarm triggered", Cause: "monitor alarm cpu-high in state ALARM triggered policy cpu-high",
    StatusCode: "Failed", NotScaledReasons: [{ Code: "AlreadyAtMaxCapacity", MaxCapacity: 3 }],
  });
  assert.equal(scaled.Description, "Setting desired count to 3.");
  // Without the flag (or with it false) only what scaled.
  assert.deepEqual(call("DescribeScalingActivities", {}).ScalingActivities.map((a: any) => a.Description), ["Setting desired count to 3."]);
  assert.equal(call("DescribeScalingActivities", { IncludeNotScaledActivities: false }).ScalingActivities.length, 1);
  // The alarm invoking the policy again every period, still at max: the same episode, recorded once.
  advance(60);
  await aas.alarmActions.invoke(high, change("cpu-high", [97], 70));
  assert.equal(withNotScaled().length, 2);

  // Scaling in to the minimum, then blocked by it.
  await aas.alarmActions.invoke(low, change("cpu-low", [10], 30));
  advance(60);
  await aas.alarmActions.invoke(low, change("cpu-low", [10], 30));
  assert.equal(desired.get("dev/web"), 2);
  assert.deepEqual(withNotScaled().map((a: any) => [a.Description, a.NotScaledReasons]), [
    ["Attempting to scale due to alarm triggered", [{ Code: "AlreadyAtMinCapacity", MinCapacity: 2 }]],
    ["Setting desired count to 2.", undefined],
    ["Attempting to scale due to alarm triggered", [{ Code: "AlreadyAtMaxCapacity", MaxCapacity: 3 }]],
    ["Setting desired count to 3.", undefined],
  ]);
});

test("target tracking scales in proportion to the metric; a user's count outside [min, max] stays until a scaling activity", async () => {
  const { aas, call, desired } = setup();
  call("RegisterScalableTarget", { MinCapacity: 1, MaxCapacity: 10 });
  const { Alarms } = call("PutScalingPolicy", {
    PolicyName: "cpu50", PolicyType: "TargetTrackingScaling",
    TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, ScaleInCooldown: 0, ScaleOutCooldown: 0, PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" } },
  });
  const policy = call("DescribeScalingPolicies", {}).ScalingPolicies[0].PolicyARN;
  await aas.alarmActions.invoke(policy, change(Alarms[0].AlarmName, [90], 50)); // 2 * 90 / 50 = 3.6 -> 4
  assert.equal(desired.get("dev/web"), 4);
  await aas.alarmActions.invoke(policy, change(Alarms[1].AlarmName, [20], 45)); // 4 * 20 / 50 = 1.6 -> 2
  assert.equal(desired.get("dev/web"), 2);
  desired.set("dev/web", 12); // UpdateService above max: left alone
  assert.equal(desired.get("dev/web"), 12);
  await aas.alarmActions.invoke(policy, change(Alarms[0].AlarmName, [90], 50));
  assert.equal(desired.get("dev/web"), 12, "no scale-out above max");
});

test("a scheduled action sets min and max at its time and moves the desired count into range; deregistering removes everything", () => {
  const { aas, call, desired, alarms, advance } = setup();
  call("RegisterScalableTarget", { MinCapacity: 1, MaxCapacity: 6 });
  assert.throws(() => call("PutScheduledAction", { ScheduledActionName: "bad", Schedule: "cron(0 12 * * *)", ScalableTargetAction: { MinCapacity: 3 } }),
    (e: Error) => e.name === "ValidationException" && e.message === "Unsupported schedule expression: cron(0 12 * * *)");
  assert.equal(call("DescribeScheduledActions", {}).ScheduledActions.length, 0);
  call("PutScheduledAction", { ScheduledActionName: "morning", Schedule: "at(2025-03-01T00:00:30)", ScalableTargetAction: { MinCapacity: 4, MaxCapacity: 8 } });
  aas.runScheduledActions();
  assert.equal(desired.get("dev/web"), 2, "not yet");
  advance(31);
  aas.runScheduledActions();
  assert.equal(desired.get("dev/web"), 4);
  const target = call("DescribeScalableTargets", { ResourceIds: [key.ResourceId] }).ScalableTargets[0];
  assert.deepEqual([target.MinCapacity, target.MaxCapacity], [4, 8]);
  const [moved, set] = call("DescribeScalingActivities", {}).ScalingActivities;
  assert.deepEqual([set.Description, set.Cause, set.StatusMessage], ["Setting min capacity to 4 and max capacity to 8", "scheduled action name morning was triggered", "Successfully set min capacity to 4 and max capacity to 8. Change successfully fulfilled by ecs."]);
  assert.deepEqual([moved.Description, moved.Cause], ["Setting desired count to 4.", "minimum capacity was set to 4"]);
  advance(3600);
  aas.runScheduledActions();
  assert.equal(call("DescribeScalingActivities", {}).ScalingActivities.length, 2, "at() runs once");

  call("PutScalingPolicy", { PolicyName: "cpu", PolicyType: "TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageMemoryUtilization" } } });
  assert.equal(alarms.size, 2);
  call("DeregisterScalableTarget", {});
  assert.equal(alarms.size, 0);
  assert.deepEqual([call("DescribeScalingPolicies", {}).ScalingPolicies, call("DescribeScheduledActions", {}).ScheduledActions, call("DescribeScalableTargets", { ResourceIds: [key.ResourceId] }).ScalableTargets], [[], [], []]);
  assert.throws(() => call("DeregisterScalableTarget", {}), (e: Error) => e.name === "ObjectNotFoundException");
});
