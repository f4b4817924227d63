import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, RegisterTaskDefinitionCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { BerthProcess, awsCli } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * Application Auto Scaling against a real Berth, driven the way users drive it: Debian's AWS CLI
 * and boto3 (there is no SDK v3 client for it here). An ECS service of real containers scales
 * when a scheduled action changes its range.
 */

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), "berth-aas-"));
let berth: BerthProcess;
let ecs: ECSClient;

const TARGET = ["--service-namespace", "ecs", "--resource-id", "service/default/web", "--scalable-dimension", "ecs:service:DesiredCount"];
const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "", AWS_MAX_ATTEMPTS: "1" };

const aas = (...args: string[]) => berth.aws("application-autoscaling", ...args);

/** An AWS CLI call that must fail: its error code and message, as the CLI prints them. */
async function cliError(...args: string[]): Promise<{ code: string; message: string }> {
  try {
    await run(awsCli, ["application-autoscaling", ...args, "--endpoint-url", berth.endpoint], { env });
  } catch (err) {
    const m = /An error occurred \((\w+)\) when calling the \w+ operation(?: \(reached max retries: \d+\))?: (.*)/.exec((err as { stderr: string }).stderr);
    assert.ok(m, (err as { stderr: string }).stderr);
    return { code: m[1]!, message: m[2]!.trim() };
  }
  throw new Error(`expected ${args.join(" ")} to fail`);
}

/** One boto3 call: its response, or its error code and message. */
async function boto3(operation: string, params: Record<string, unknown>): Promise<any> {
  const script = `
import json, sys, boto3
c = boto3.client("application-autoscaling", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
try:
    r = getattr(c, sys.argv[2])(**json.loads(sys.argv[3]))
    r.pop("ResponseMetadata", None)
    print(json.dumps(r, default=str))
except c.exceptions.ClientError as e:
    print(json.dumps({"error": e.response["Error"]["Code"], "message": e.response["Error"]["Message"]}))
`;
  const { stdout } = await run("python3", ["-c", script, berth.endpoint, operation, JSON.stringify(params)], { env: { ...env, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" } });
  return JSON.parse(stdout);
}

const service = async () => (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["web"] }))).services![0]!;

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ dataDir, args: ["--instances", "1"] });
  ecs = berth.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: "default" }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "app", networkMode: "bridge",
    containerDefinitions: [{ name: "app", image: TEST_IMAGE, memory: 32, essential: true, stopTimeout: 1, command: ["sleep", "600"] }],
  }));
  await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "web", taskDefinition: "app", desiredCount: 1 }));
});
after(async () => {
  try {
    await ecs.send(new DeleteServiceCommand({ cluster: "default", service: "web", force: true }));
    await waitFor("web INACTIVE", async () => (await service()).status === "INACTIVE", 60_000);
    await berth.dispose();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("scalable targets with the AWS CLI: register, update, describe, and AWS's errors that change nothing", async () => {
  assert.deepEqual(await cliError("register-scalable-target", "--service-namespace", "ecs", "--resource-id", "service/default/nope", "--scalable-dimension", "ecs:service:DesiredCount", "--min-capacity", "1", "--max-capacity", "2"),
    { code: "ValidationException", message: "ECS service doesn't exist: service/default/nope" });
  assert.deepEqual(await cliError("register-scalable-target", "--service-namespace", "ecs", "--resource-id", "service/default/web", "--scalable-dimension", "dynamodb:table:ReadCapacityUnits", "--min-capacity", "1", "--max-capacity", "2"),
    { code: "ValidationException", message: "Unsupported service namespace, resource type or scalable dimension" });
  assert.equal((await cliError("register-scalable-target", ...TARGET, "--min-capacity", "5", "--max-capacity", "2")).message, "Minimum capacity cannot be greater than maximum capacity");
  assert.deepEqual((await aas("describe-scalable-targets", "--service-namespace", "ecs")).ScalableTargets, []);

  // Debian's AWS CLI v1 predates the ARN in this answer; boto3 shows it.
  const { ScalableTargetARN } = await boto3("register_scalable_target", { ServiceNamespace: "ecs", ResourceId: "service/default/web", ScalableDimension: "ecs:service:DesiredCount", MinCapacity: 1, MaxCapacity: 3 });
  assert.match(ScalableTargetARN, /^arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target\/[0-9a-f]{36}$/);
  // Registering again updates what it gives and keeps the ARN.
  await aas("register-scalable-target", ...TARGET, "--max-capacity", "4");
  const [target] = (await boto3("describe_scalable_targets", { ServiceNamespace: "ecs", ResourceIds: ["service/default/web"] })).ScalableTargets;
  assert.deepEqual({ ...target, CreationTime: undefined }, {
    ServiceNamespace: "ecs", ResourceId: "service/default/web", ScalableDimension: "ecs:service:DesiredCount", MinCapacity: 1, MaxCapacity: 4,
    RoleARN: "arn:aws:iam::000000000000:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService",
    CreationTime: undefined, SuspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
    ScalableTargetARN,
  });
  // Nor has it the tagging calls.
  assert.deepEqual(await boto3("tag_resource", { ResourceARN: ScalableTargetARN, Tags: { team: "web" } }), {});
  assert.deepEqual(await boto3("list_tags_for_resource", { ResourceARN: ScalableTargetARN }), { Tags: { team: "web" } });
});

test("scaling policies with the AWS CLI and boto3: target tracking with its alarms, step scaling, and their errors", async () => {
  const other = ["--service-namespace", "ecs", "--resource-id", "service/default/other", "--scalable-dimension", "ecs:service:DesiredCount"];
  const tt = '{"TargetValue":60,"PredefinedMetricSpecification":{"PredefinedMetricType":"ECSServiceAverageCPUUtilization"},"ScaleOutCooldown":10,"ScaleInCooldown":30}';
  assert.deepEqual(await cliError("put-scaling-policy", "--policy-name", "cpu60", "--policy-type", "TargetTrackingScaling", ...other, "--target-tracking-scaling-policy-configuration", tt),
    { code: "ObjectNotFoundException", message: "No scalable target registered for service namespace: ecs, resource ID: service/default/other, scalable dimension: ecs:service:DesiredCount" });

  const put = await aas("put-scaling-policy", "--policy-name", "cpu60", "--policy-type", "TargetTrackingScaling", ...TARGET, "--target-tracking-scaling-policy-configuration", tt);
  assert.match(put.PolicyARN, /^arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:[0-9a-f-]{36}:resource\/ecs\/service\/default\/web:policyName\/cpu60$/);
  assert.deepEqual(put.Alarms.map((a: { AlarmName: string }) => a.AlarmName.replace(/[0-9a-f-]{36}$/, "<uuid>")),
    ["TargetTracking-service/default/web-AlarmHigh-<uuid>", "TargetTracking-service/default/web-AlarmLow-<uuid>"]);
  assert.match(put.Alarms[0].AlarmARN, /^arn:aws:cloudwatch:us-east-1:000000000000:alarm:TargetTracking-service\/default\/web-AlarmHigh-/);

  const bad = await boto3("put_scaling_policy", {
    PolicyName: "steps", PolicyType: "StepScaling", ServiceNamespace: "ecs", ResourceId: "service/default/web", ScalableDimension: "ecs:service:DesiredCount",
    StepScalingPolicyConfiguration: { AdjustmentType: "ChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 20, ScalingAdjustment: 2 }] },
  });
  assert.deepEqual(bad, { error: "ValidationException", message: "Step adjustments must not have gaps between them" });
  const step = await boto3("put_scaling_policy", {
    PolicyName: "steps", PolicyType: "StepScaling", ServiceNamespace: "ecs", ResourceId: "service/default/web", ScalableDimension: "ecs:service:DesiredCount",
    StepScalingPolicyConfiguration: { AdjustmentType: "ChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 10, ScalingAdjustment: 2 }] },
  });
  assert.match(step.PolicyARN, /:policyName\/steps$/);

  const { ScalingPolicies } = await boto3("describe_scaling_policies", { ServiceNamespace: "ecs", ResourceId: "service/default/web" });
  assert.deepEqual(ScalingPolicies.map((p: any) => [p.PolicyName, p.PolicyType, p.Alarms.length]), [["cpu60", "TargetTrackingScaling", 2], ["steps", "StepScaling", 0]]);
  assert.deepEqual(ScalingPolicies[1].StepScalingPolicyConfiguration, {
    AdjustmentType: "ChangeInCapacity", Cooldown: 300, MetricAggregationType: "Average",
    StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 10, ScalingAdjustment: 2 }],
  });
  assert.deepEqual(ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration,
    { TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" }, ScaleOutCooldown: 10, ScaleInCooldown: 30, DisableScaleIn: false });

  await aas("delete-scaling-policy", "--policy-name", "steps", ...TARGET);
  assert.equal((await cliError("delete-scaling-policy", "--policy-name", "steps", ...TARGET)).code, "ObjectNotFoundException");
  assert.deepEqual((await aas("describe-scaling-policies", "--service-namespace", "ecs")).ScalingPolicies.map((p: any) => p.PolicyName), ["cpu60"]);
});

test("a scheduled action changes min and max at its time: the service's desired count and its tasks follow", async () => {
  assert.deepEqual(await cliError("put-scheduled-action", ...TARGET, "--scheduled-action-name", "bad", "--schedule", "cron(0 12 * * *)", "--scalable-target-action", "MinCapacity=2"),
    { code: "ValidationException", message: "Unsupported schedule expression: cron(0 12 * * *)" });
  assert.deepEqual((await aas("describe-scheduled-actions", "--service-namespace", "ecs")).ScheduledActions, []);

  const at = new Date(Date.now() + 3000).toISOString().slice(0, 19);
  const put = await boto3("put_scheduled_action", {
    ServiceNamespace: "ecs", ResourceId: "service/default/web", ScalableDimension: "ecs:service:DesiredCount",
    ScheduledActionName: "scale-up", Schedule: `at(${at})`, ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 4 },
  });
  assert.deepEqual(put, {});
  const [action] = (await aas("describe-scheduled-actions", "--service-namespace", "ecs", "--resource-id", "service/default/web")).ScheduledActions;
  assert.equal(action.Schedule, `at(${at})`);
  assert.equal(action.Timezone, "UTC");
  assert.match(action.ScheduledActionARN, /^arn:aws:autoscaling:us-east-1:000000000000:scheduledAction:[0-9a-f-]{36}:resource\/ecs\/service\/default\/web:scheduledActionName\/scale-up$/);

  let last: unknown;
  const svc = await waitFor("two running tasks", async () => {
    const s = await service();
    last = { desired: s.desiredCount, running: s.runningCount, pending: s.pendingCount, events: s.events?.slice(0, 3).map((e) => e.message) };
    return s.desiredCount === 2 && s.runningCount === 2 ? s : undefined;
  }, 60_000).catch((err: Error) => {
    throw new Error(`${err.message}; last seen ${JSON.stringify(last)}`);
  });
  assert.equal(svc.desiredCount, 2);
  const [target] = (await aas("describe-scalable-targets", "--service-namespace", "ecs")).ScalableTargets;
  assert.deepEqual([target.MinCapacity, target.MaxCapacity], [2, 4]);
  const { ScalingActivities } = await boto3("describe_scaling_activities", { ServiceNamespace: "ecs", ResourceId: "service/default/web" });
  assert.deepEqual(ScalingActivities.map((a: any) => [a.Description, a.Cause, a.StatusCode, a.StatusMessage]), [
    ["Setting desired count to 2.", "minimum capacity was set to 2", "Successful", "Successfully set desired count to 2. Change successfully fulfilled by ecs."],
    ["Setting min capacity to 2 and max capacity to 4", "scheduled action name scale-up was triggered", "Successful", "Successfully set min capacity to 2 and max capacity to 4. Change successfully fulfilled by ecs."],
  ]);
});

test("a real CloudWatch alarm runs a step policy: the desired count changes by its step; target tracking's alarms exist", async () => {
  const alarmNames = (await berth.aws("cloudwatch", "describe-alarms", "--alarm-name-prefix", "TargetTracking-service/default/web-")).MetricAlarms.map((a: any) => [a.Threshold, a.EvaluationPeriods]);
  assert.deepEqual(alarmNames.sort(), [[54, 15], [60, 3]]);
  const { PolicyARN } = await boto3("put_scaling_policy", {
    PolicyName: "queue", PolicyType: "StepScaling", ServiceNamespace: "ecs", ResourceId: "service/default/web", ScalableDimension: "ecs:service:DesiredCount",
    StepScalingPolicyConfiguration: { AdjustmentType: "ChangeInCapacity", Cooldown: 0, StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
  });
  await berth.aws("cloudwatch", "put-metric-alarm", "--alarm-name", "queue-deep", "--namespace", "App", "--metric-name", "Queue", "--statistic", "Average",
    "--period", "60", "--evaluation-periods", "1", "--threshold", "10", "--comparison-operator", "GreaterThanThreshold", "--alarm-actions", PolicyARN);
  await berth.aws("cloudwatch", "set-alarm-state", "--alarm-name", "queue-deep", "--state-value", "ALARM", "--state-reason", "test");
  await waitFor("desired count 3", async () => (await service()).desiredCount === 3, 30_000);
  const [latest] = (await boto3("describe_scaling_activities", { ServiceNamespace: "ecs", ResourceId: "service/default/web" })).ScalingActivities;
  assert.equal(latest.Cause, "monitor alarm queue-deep in state ALARM triggered policy queue");
  await aas("delete-scaling-policy", "--policy-name", "queue", ...TARGET);
  await berth.aws("cloudwatch", "delete-alarms", "--alarm-names", "queue-deep");
});

test("a step policy fired at max capacity: a not scaled activity with NotScaledReasons, listed only with --include-not-scaled-activities", async () => {
  const before = (await aas("describe-scaling-activities", "--service-namespace", "ecs")).ScalingActivities;
  assert.equal((await service()).desiredCount, 3);
  await aas("register-scalable-target", ...TARGET, "--max-capacity", "3");
  const { PolicyARN } = await aas("put-scaling-policy", "--policy-name", "more", "--policy-type", "StepScaling", ...TARGET,
    "--step-scaling-policy-configuration", '{"AdjustmentType":"ChangeInCapacity","Cooldown":0,"StepAdjustments":[{"MetricIntervalLowerBound":0,"ScalingAdjustment":2}]}');
  await berth.aws("cloudwatch", "put-metric-alarm", "--alarm-name", "busy", "--namespace", "App", "--metric-name", "Load", "--statistic", "Average",
    "--period", "60", "--evaluation-periods", "1", "--threshold", "10", "--comparison-operator", "GreaterThanThreshold", "--alarm-actions", PolicyARN);
  await berth.aws("cloudwatch", "set-alarm-state", "--alarm-name", "busy", "--state-value", "ALARM", "--state-reason", "test");
  const include = ["describe-scaling-activities", "--service-namespace", "ecs", "--resource-id", "service/default/web", "--scalable-dimension", "ecs:service:DesiredCount", "--include-not-scaled-activities"];
  const all = await waitFor("the not scaled activity", async () => {
    const list = (await aas(...include)).ScalingActivities;
    return list.length > before.length ? list : undefined;
  }, 30_000);
  assert.deepEqual({ ...all[0], ActivityId: undefined, StartTime: undefined }, {
    ActivityId: undefined, StartTime: undefined, ServiceNamespace: "ecs", ResourceId: "service/default/web", ScalableDimension: "ecs:service:DesiredCount",
    Description: "Attempting to scale due to alarm triggered", Cause: "monitor alarm busy in state ALARM triggered policy more",
    StatusCode: "Failed", NotScaledReasons: [{ Code: "AlreadyAtMaxCapacity", MaxCapacity: 3 }],
  });
  assert.equal((await service()).desiredCount, 3, "not scaled");
  // The same through boto3; and without the flag the list is what it was.
  const viaBoto3 = (await boto3("describe_scaling_activities", { ServiceNamespace: "ecs", IncludeNotScaledActivities: true })).ScalingActivities;
  assert.deepEqual(viaBoto3[0].NotScaledReasons, [{ Code: "AlreadyAtMaxCapacity", MaxCapacity: 3 }]);
  assert.deepEqual((await aas("describe-scaling-activities", "--service-namespace", "ecs")).ScalingActivities, before);
  assert.deepEqual((await aas("describe-scaling-activities", "--service-namespace", "ecs", "--no-include-not-scaled-activities")).ScalingActivities, before);

  await berth.aws("cloudwatch", "delete-alarms", "--alarm-names", "busy");
  await aas("delete-scaling-policy", "--policy-name", "more", ...TARGET);
  await aas("register-scalable-target", ...TARGET, "--max-capacity", "4");
});

test("state survives a restart; deregistering removes the target's policies and scheduled actions", async () => {
  await aas("put-scheduled-action", ...TARGET, "--scheduled-action-name", "nightly", "--schedule", "cron(0 2 * * ? *)", "--timezone", "Europe/Paris", "--scalable-target-action", "MinCapacity=1,MaxCapacity=2");
  await berth.stop();
  berth = await BerthProcess.start({ dataDir, args: ["--instances", "1"] });
  ecs = berth.ecs();
  const [target] = (await aas("describe-scalable-targets", "--service-namespace", "ecs")).ScalableTargets;
  assert.deepEqual([target.MinCapacity, target.MaxCapacity], [2, 4]);
  assert.deepEqual((await aas("describe-scaling-policies", "--service-namespace", "ecs")).ScalingPolicies.map((p: any) => p.PolicyName), ["cpu60"]);
  assert.deepEqual((await aas("describe-scheduled-actions", "--service-namespace", "ecs")).ScheduledActions.map((a: any) => [a.ScheduledActionName, a.Timezone]),
    [["scale-up", "UTC"], ["nightly", "Europe/Paris"]]);
  assert.equal((await aas("describe-scaling-activities", "--service-namespace", "ecs")).ScalingActivities.length, 3);

  await aas("deregister-scalable-target", ...TARGET);
  assert.deepEqual((await aas("describe-scalable-targets", "--service-namespace", "ecs")).ScalableTargets, []);
  assert.deepEqual((await aas("describe-scaling-policies", "--service-namespace", "ecs")).ScalingPolicies, []);
  assert.deepEqual((await aas("describe-scheduled-actions", "--service-namespace", "ecs")).ScheduledActions, []);
  assert.deepEqual(await cliError("deregister-scalable-target", ...TARGET),
    { code: "ObjectNotFoundException", message: "No scalable target found for service namespace: ecs, resource ID: service/default/web, scalable dimension: ecs:service:DesiredCount" });
  assert.equal((await service()).desiredCount, 3, "deregistering leaves the desired count as it is");
});
