import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * The whole chain with the AWS CLI: a custom metric crosses a user's alarm, the alarm invokes a
 * step scaling policy, Application Auto Scaling raises the service's desired count, the new tasks
 * wait in PROVISIONING on an Auto Scaling group capacity provider, and its managed scaling adds
 * container instances until they run. Pool instances of 256 MiB hold one 192 MiB task each, so
 * every task the policy adds needs an instance of its own.
 */
const ASG_ARN = "arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:6c2d7e1f-1111-2222-3333-444455556666:autoScalingGroupName/chain-pool";
let berth: BerthProcess;
let cw: CloudWatchClient;

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--instance-cpu", "1024", "--instance-memory", "256", "--capacity-provider-pool-max-size", "3", "--metric-period-scale", "10"] });
  cw = new CloudWatchClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
});
after(async () => {
  cw?.destroy();
  await berth?.dispose();
});

const describe = async () => (await berth.aws("ecs", "describe-services", "--cluster", "chain", "--services", "jobs")).services[0];
const activeInstances = async () => (await berth.aws("ecs", "list-container-instances", "--cluster", "chain", "--status", "ACTIVE")).containerInstanceArns as string[];

test("a scaling policy scales a service on an Auto Scaling group provider, and managed scaling adds the instances its tasks need", async () => {
  await berth.aws("ecs", "create-capacity-provider", "--name", "pool", "--auto-scaling-group-provider",
    JSON.stringify({ autoScalingGroupArn: ASG_ARN, managedScaling: { status: "ENABLED", targetCapacity: 100, minimumScalingStepSize: 1, maximumScalingStepSize: 10, instanceWarmupPeriod: 0 } }));
  await berth.aws("ecs", "create-cluster", "--cluster-name", "chain", "--capacity-providers", "pool", "--default-capacity-provider-strategy", "capacityProvider=pool,weight=1");
  await berth.aws("ecs", "register-task-definition", "--family", "jobs", "--network-mode", "bridge",
    "--container-definitions", JSON.stringify([{ name: "job", image: TEST_IMAGE, memory: 192, essential: true, stopTimeout: 1, entryPoint: ["sh", "-c"], command: ["exec sleep 3600"] }]));
  await berth.aws("ecs", "create-service", "--cluster", "chain", "--service-name", "jobs", "--task-definition", "jobs", "--desired-count", "1");
  await waitFor("the first task RUNNING on a pool instance", async () => (await describe()).runningCount === 1 ? true : undefined, 120_000);
  assert.equal((await activeInstances()).length, 1);

  const target = ["--service-namespace", "ecs", "--resource-id", "service/chain/jobs", "--scalable-dimension", "ecs:service:DesiredCount"];
  await berth.aws("application-autoscaling", "register-scalable-target", ...target, "--min-capacity", "1", "--max-capacity", "3");
  const { PolicyARN } = await berth.aws("application-autoscaling", "put-scaling-policy", "--policy-name", "backlog", "--policy-type", "StepScaling", ...target,
    "--step-scaling-policy-configuration", JSON.stringify({ AdjustmentType: "ChangeInCapacity", Cooldown: 600, StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 2 }] }));
  await berth.aws("cloudwatch", "put-metric-alarm", "--alarm-name", "backlog-high", "--namespace", "Jobs", "--metric-name", "Backlog",
    "--statistic", "Maximum", "--period", "60", "--evaluation-periods", "1", "--threshold", "10", "--comparison-operator", "GreaterThanThreshold", "--alarm-actions", PolicyARN);

  let publishing = true;
  const publisher = (async () => {
    while (publishing) {
      await cw.send(new PutMetricDataCommand({ Namespace: "Jobs", MetricData: [{ MetricName: "Backlog", Value: 25, Unit: "Count" }] }));
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  try {
    await waitFor("the policy's step: 1 + 2 -> 3", async () => (await describe()).desiredCount === 3 ? true : undefined, 60_000);
  } finally {
    publishing = false;
    await publisher;
  }
  // The two new tasks do not fit on the one instance: managed scaling adds two, and they run there.
  await waitFor("3 tasks RUNNING", async () => (await describe()).runningCount === 3 ? true : undefined, 120_000);
  const instances = await activeInstances();
  assert.equal(instances.length, 3);
  const { taskArns } = await berth.aws("ecs", "list-tasks", "--cluster", "chain", "--service-name", "jobs");
  const { tasks } = await berth.aws("ecs", "describe-tasks", "--cluster", "chain", "--tasks", ...taskArns);
  assert.deepEqual(tasks.map((t: any) => t.capacityProviderName), ["pool", "pool", "pool"]);
  assert.equal(new Set(tasks.map((t: any) => t.containerInstanceArn)).size, 3, "one task an instance");
  const { ScalingActivities } = await berth.aws("application-autoscaling", "describe-scaling-activities", "--service-namespace", "ecs", "--resource-id", "service/chain/jobs");
  assert.deepEqual(ScalingActivities.map((a: any) => [a.Description, a.Cause, a.StatusCode]),
    [["Setting desired count to 3.", "monitor alarm backlog-high in state ALARM triggered policy backlog", "Successful"]]);

  // And back: to zero tasks, and the idle instances go.
  await berth.aws("application-autoscaling", "deregister-scalable-target", ...target);
  await berth.aws("ecs", "update-service", "--cluster", "chain", "--service", "jobs", "--desired-count", "0");
  await waitFor("the pool emptied", async () => ((await activeInstances()).length === 0 ? true : undefined), 120_000);
  await berth.aws("ecs", "delete-service", "--cluster", "chain", "--service", "jobs");
  await waitFor("jobs INACTIVE", async () => ((await describe()).status === "INACTIVE" ? true : undefined), 60_000);
});
