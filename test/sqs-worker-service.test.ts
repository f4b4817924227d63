import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as sqs from "@aws-sdk/client-sqs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * The third architecture: "messages sent to an SQS queue, an ECS service polls for
 * messages, and scales on the queue's depth". The worker is a busybox loop in a Fargate service's
 * task speaking SQS's query API with wget to the queue's URL under AWS_ENDPOINT_URL (unsigned, as
 * Berth takes unless strict SigV4 is on): it receives a job, sends `done-<job>` to a second queue
 * and deletes the job, one a second. The queue's own AWS/SQS metric
 * (ApproximateNumberOfMessagesVisible) feeds a CloudWatch alarm whose action is a step policy, so
 * the backlog scales the service out and the new tasks drain it with the first. Each done message
 * names its worker (its task metadata URI, one per task) in a message attribute.
 *
 * Berth runs with --metric-period-scale 10 (the alarm's 60-second period is 6 s) and publishes its
 * metrics every second.
 */

const ACCOUNT = "000000000000";
const JOBS = 60;
let berth: BerthProcess;
let client: sqs.SQSClient;

/**
 * One job a second. The receipt handle is base64: `+`, `/` and `=` are percent-encoded for the
 * form. The bodies the test sends are plain words, so sed can take them out of the XML as they are.
 */
const WORKER = `Q="$AWS_ENDPOINT_URL/${ACCOUNT}/jobs"; D="$AWS_ENDPOINT_URL/${ACCOUNT}/done"
while true; do
  r=$(wget -q -O - --post-data "Action=ReceiveMessage&WaitTimeSeconds=5" "$Q") || { sleep 1; continue; }
  handle=$(echo "$r" | sed -n 's:.*<ReceiptHandle>\\([^<]*\\)</ReceiptHandle>.*:\\1:p' | sed 's:+:%2B:g; s:/:%2F:g; s:=:%3D:g')
  [ -n "$handle" ] || continue
  body=$(echo "$r" | sed -n 's:.*<Body>\\([^<]*\\)</Body>.*:\\1:p')
  sleep 1
  wget -q -O /dev/null --post-data "Action=SendMessage&MessageBody=done-$body&MessageAttribute.1.Name=worker&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=$ECS_CONTAINER_METADATA_URI_V4" "$D" && wget -q -O /dev/null --post-data "Action=DeleteMessage&ReceiptHandle=$handle" "$Q"
done`;

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--metric-period-scale", "10", "--metrics-interval-seconds", "1"] });
  client = new sqs.SQSClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
});
after(async () => {
  client?.destroy();
  // dispose() resets Berth, which stops the service's tasks and removes their containers.
  await berth?.dispose();
});

const describeWorker = async () => (await berth.aws("ecs", "describe-services", "--cluster", "dev", "--services", "worker")).services[0];

test("a worker service polls an SQS queue from its tasks (wget, query API) and scales out on the queue's depth", async () => {
  const jobsUrl = (await client.send(new sqs.CreateQueueCommand({ QueueName: "jobs" }))).QueueUrl!;
  const doneUrl = (await client.send(new sqs.CreateQueueCommand({ QueueName: "done" }))).QueueUrl!;
  const expected = Array.from({ length: JOBS }, (_, i) => `job-${i + 1}`);
  for (let i = 0; i < JOBS; i += 10) {
    const { Failed } = await client.send(new sqs.SendMessageBatchCommand({ QueueUrl: jobsUrl, Entries: expected.slice(i, i + 10).map((b, j) => ({ Id: String(j), MessageBody: b })) }));
    assert.deepEqual(Failed ?? [], []);
  }

  await berth.aws("ecs", "create-cluster", "--cluster-name", "dev");
  await berth.aws("ecs", "register-task-definition", "--family", "worker", "--requires-compatibilities", "FARGATE", "--network-mode", "awsvpc", "--cpu", "256", "--memory", "512",
    "--container-definitions", JSON.stringify([{ name: "worker", image: TEST_IMAGE, essential: true, stopTimeout: 1, entryPoint: ["sh", "-c"], command: [WORKER] }]));
  const target = ["--service-namespace", "ecs", "--resource-id", "service/dev/worker", "--scalable-dimension", "ecs:service:DesiredCount"];
  await berth.aws("ecs", "create-service", "--cluster", "dev", "--service-name", "worker", "--task-definition", "worker", "--desired-count", "1", "--launch-type", "FARGATE",
    "--network-configuration", "awsvpcConfiguration={subnets=[subnet-1]}");
  await berth.aws("application-autoscaling", "register-scalable-target", ...target, "--min-capacity", "1", "--max-capacity", "3");
  const { PolicyARN } = await berth.aws("application-autoscaling", "put-scaling-policy", "--policy-name", "backlog", "--policy-type", "StepScaling", ...target,
    "--step-scaling-policy-configuration", JSON.stringify({ AdjustmentType: "ChangeInCapacity", Cooldown: 600, MetricAggregationType: "Maximum", StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 2 }] }));
  await berth.aws("cloudwatch", "put-metric-alarm", "--alarm-name", "jobs-backlog", "--namespace", "AWS/SQS", "--metric-name", "ApproximateNumberOfMessagesVisible",
    "--dimensions", "Name=QueueName,Value=jobs", "--statistic", "Maximum", "--period", "60", "--evaluation-periods", "1", "--threshold", "20",
    "--comparison-operator", "GreaterThanOrEqualToThreshold", "--alarm-actions", PolicyARN);

  // The backlog (60 jobs, one worker doing one a second) sets the alarm off: 1 + 2 workers.
  await waitFor("the service scaled out to 3", async () => (await describeWorker()).desiredCount === 3 ? true : undefined, 90_000);
  const { ScalingActivities } = await berth.aws("application-autoscaling", "describe-scaling-activities", "--service-namespace", "ecs", "--resource-id", "service/dev/worker");
  assert.deepEqual(ScalingActivities.map((a: any) => [a.Description, a.Cause]), [["Setting desired count to 3.", "monitor alarm jobs-backlog in state ALARM triggered policy backlog"]]);
  await waitFor("three workers running", async () => (await describeWorker()).runningCount === 3 ? true : undefined, 90_000);

  // Every job comes back done (at least once), and the jobs queue is left empty.
  const done = new Set<string>();
  const workers = new Set<string>();
  await waitFor("every job done", async () => {
    const { Messages } = await client.send(new sqs.ReceiveMessageCommand({ QueueUrl: doneUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageAttributeNames: ["worker"] }));
    for (const m of Messages ?? []) {
      done.add(m.Body!);
      workers.add(m.MessageAttributes!.worker!.StringValue!);
      await client.send(new sqs.DeleteMessageCommand({ QueueUrl: doneUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
    return done.size >= JOBS ? true : undefined;
  }, 180_000);
  assert.deepEqual([...done].sort(), expected.map((b) => `done-${b}`).sort());
  await waitFor("the jobs queue empty", async () => {
    const { Attributes } = await client.send(new sqs.GetQueueAttributesCommand({ QueueUrl: jobsUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }));
    return Attributes?.ApproximateNumberOfMessages === "0" && Attributes?.ApproximateNumberOfMessagesNotVisible === "0" ? true : undefined;
  }, 30_000);
  // The tasks the scale-out started took jobs too (the first alone had a minute's work left).
  assert.ok(workers.size > 1, `jobs done by ${[...workers].join(", ")}`);
  const { taskArns } = await berth.aws("ecs", "list-tasks", "--cluster", "dev", "--service-name", "worker");
  assert.equal(taskArns.length, 3);
});
