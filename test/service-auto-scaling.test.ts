import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * The scenario verbatim, with Debian's AWS CLI: a Fargate service "web" in cluster "dev"
 * behind a real ALB, registered as a scalable target (1 to 6) with the target tracking policy
 * cpu60. Its tasks burn CPU only while they serve requests (a busybox CGI that spins for a second
 * or two), so the load is real web traffic that the test turns on and off: CPU rises, the service
 * scales out, its new tasks join the target group and take their share; the traffic stops, CPU
 * falls, and it scales back in. Then ALBRequestCountPerTarget under request load, and a step
 * policy on a custom metric (queue depth) invoked by the user's own alarm.
 *
 * Berth runs with --metric-period-scale 10 (a 60-second period is 6 s: AlarmHigh needs 18 s of
 * breach, AlarmLow 90 s) and publishes its own metrics every 2 s.
 */
let berth: BerthProcess;
let cw: CloudWatchClient;
let lbArn = "";
let address = "";
let lbDimension = "";
const services: Array<[string, string]> = [];

const awsvpc = "awsvpcConfiguration={subnets=[subnet-1]}";
const aas = (...args: string[]) => berth.aws("application-autoscaling", ...args);
const target = (cluster: string, service: string) => ["--service-namespace", "ecs", "--resource-id", `service/${cluster}/${service}`, "--scalable-dimension", "ecs:service:DesiredCount"];
const describe = async (cluster: string, service: string) => (await berth.aws("ecs", "describe-services", "--cluster", cluster, "--services", service)).services[0];

/**
 * A busybox httpd on 8080: "ok" on /health, a fast index page, and /cgi-bin/burn spinning the CPU
 * for 1 to 2 seconds. httpd passes a CGI's header lines through as they are: they end in CRLF.
 */
const HTTPD = `mkdir -p /www/cgi-bin && echo ok > /www/health && echo hello > /www/index.html && cat > /www/cgi-bin/burn <<'EOF'
#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
end=$(( $(date +%s) + 2 ))
while [ $(date +%s) -lt $end ]; do :; done
echo burned
EOF
chmod +x /www/cgi-bin/burn && exec httpd -f -p 8080 -h /www`;

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--metric-period-scale", "10", "--metrics-interval-seconds", "2", "--load-balancer-health-check-speedup", "5"] });
  cw = new CloudWatchClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  await berth.aws("ecs", "create-cluster", "--cluster-name", "dev");
  await berth.aws("ecs", "register-task-definition", "--family", "web", "--requires-compatibilities", "FARGATE", "--network-mode", "awsvpc", "--cpu", "256", "--memory", "512",
    "--container-definitions", JSON.stringify([{ name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1, entryPoint: ["sh", "-c"], command: [HTTPD], portMappings: [{ containerPort: 8080, protocol: "tcp" }] }]));
  const lb = (await berth.aws("elbv2", "create-load-balancer", "--name", "web", "--type", "application", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0];
  lbArn = lb.LoadBalancerArn;
  address = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
  lbDimension = lbArn.split(":loadbalancer/")[1]!;
});

after(async () => {
  cw?.destroy();
  for (const [cluster, service] of services) await berth.aws("ecs", "delete-service", "--cluster", cluster, "--service", service, "--force").catch(() => {});
  for (const [cluster, service] of services) await waitFor(`${service} INACTIVE`, async () => (await describe(cluster, service)).status === "INACTIVE", 60_000).catch(() => {});
  await berth?.dispose();
});

/** A target group on its own listener port, and a Fargate service of `desired` web tasks in it. */
async function serviceBehindLoadBalancer(cluster: string, name: string, port: number, desired: number): Promise<string> {
  const tg = (await berth.aws("elbv2", "create-target-group", "--name", name, "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1",
    "--health-check-path", "/health", "--health-check-interval-seconds", "5", "--health-check-timeout-seconds", "4", "--healthy-threshold-count", "2", "--unhealthy-threshold-count", "10")).TargetGroups[0].TargetGroupArn as string;
  await berth.aws("elbv2", "modify-target-group-attributes", "--target-group-arn", tg, "--attributes", "Key=deregistration_delay.timeout_seconds,Value=2");
  await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lbArn, "--protocol", "HTTP", "--port", String(port), "--default-actions", `Type=forward,TargetGroupArn=${tg}`);
  await berth.aws("ecs", "create-service", "--cluster", cluster, "--service-name", name, "--task-definition", "web", "--desired-count", String(desired), "--launch-type", "FARGATE",
    "--network-configuration", awsvpc, "--load-balancers", `targetGroupArn=${tg},containerName=web,containerPort=8080`);
  services.push([cluster, name]);
  return tg;
}

const healthyTargets = async (tg: string) =>
  (await berth.aws("elbv2", "describe-target-health", "--target-group-arn", tg)).TargetHealthDescriptions.filter((d: any) => d.TargetHealth.State === "healthy").length as number;

/** `clients` loops sending requests to `url` back to back until stop() is called; stop() tells how each ended. */
function load(url: string, clients: number): { stop(): Promise<Record<string, number>> } {
  let running = true;
  const outcomes: Record<string, number> = {};
  const count = (what: string) => (outcomes[what] = (outcomes[what] ?? 0) + 1);
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
        await res.text();
        count(String(res.status));
      } catch (err) {
        count(String((err as Error).cause ?? (err as Error).message));
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  return { stop: async () => ((running = false), await Promise.all(loops), outcomes) };
}

test("the issue's scenario: CPU from real requests scales the service out, and back in when they stop (AWS CLI)", async () => {
  const tg = await serviceBehindLoadBalancer("dev", "web", 80, 1);
  await waitFor("the first task healthy in its target group", async () => (await healthyTargets(tg)) === 1, 90_000);

  await aas("register-scalable-target", ...target("dev", "web"), "--min-capacity", "1", "--max-capacity", "6");
  const policy = await aas("put-scaling-policy", "--policy-name", "cpu60", "--policy-type", "TargetTrackingScaling", ...target("dev", "web"),
    "--target-tracking-scaling-policy-configuration",
    '{"TargetValue":60,"PredefinedMetricSpecification":{"PredefinedMetricType":"ECSServiceAverageCPUUtilization"},"ScaleOutCooldown":10,"ScaleInCooldown":30}');
  const [high, low] = policy.Alarms.map((a: { AlarmName: string }) => a.AlarmName) as [string, string];
  assert.match(high, /^TargetTracking-service\/dev\/web-AlarmHigh-[0-9a-f-]{36}$/);
  assert.match(low, /^TargetTracking-service\/dev\/web-AlarmLow-[0-9a-f-]{36}$/);

  // Four clients keep four requests burning CPU at all times: every task the balancer spreads them over is busy.
  const traffic = load(`http://${address}/cgi-bin/burn`, 4);
  let outcomes: Record<string, number> = {};
  try {
    const scaled = await waitFor("a scale-out", async () => {
      const s = await describe("dev", "web");
      return s.desiredCount > 1 ? s.desiredCount as number : undefined;
    }, 120_000);
    assert.ok(scaled >= 2 && scaled <= 6, `scaled out to ${scaled}`);
    const alarm = (await berth.aws("cloudwatch", "describe-alarms", "--alarm-names", high)).MetricAlarms[0];
    assert.equal(alarm.StateValue, "ALARM");
    // The new tasks run and join the target group, where the balancer gives them their share of the work.
    await waitFor("two tasks or more healthy in the target group", async () => ((await healthyTargets(tg)) >= 2 ? true : undefined), 90_000);
    const running = await waitFor("the scaled-out tasks RUNNING", async () => {
      const s = await describe("dev", "web");
      return s.runningCount >= 2 && s.runningCount === s.desiredCount ? s.runningCount as number : undefined;
    }, 90_000);
    assert.ok(running >= 2);
  } finally {
    outcomes = await traffic.stop();
  }
  assert.ok((outcomes["200"] ?? 0) > 0, `the burning requests were answered through the load balancer: ${JSON.stringify(outcomes)}`);

  // The traffic stopped: CPU falls to nothing, AlarmLow fires after 15 periods, and the service goes back to its minimum.
  await waitFor("the scale-in to 1", async () => (await describe("dev", "web")).desiredCount === 1 ? true : undefined, 240_000);
  await waitFor("one task left", async () => (await describe("dev", "web")).runningCount === 1 ? true : undefined, 90_000);

  const now = Date.now();
  const stats = await berth.aws("cloudwatch", "get-metric-statistics", "--namespace", "AWS/ECS", "--metric-name", "CPUUtilization",
    "--dimensions", "Name=ClusterName,Value=dev", "Name=ServiceName,Value=web", "--statistics", "Maximum", "Minimum",
    "--start-time", new Date(now - 900_000).toISOString(), "--end-time", new Date(now + 60_000).toISOString(), "--period", "60");
  assert.equal(stats.Label, "CPUUtilization");
  const points = stats.Datapoints as Array<{ Maximum: number; Minimum: number; Unit: string }>;
  assert.ok(points.length > 0);
  assert.ok(points.every((p) => p.Unit === "Percent"));
  assert.ok(Math.max(...points.map((p) => p.Maximum)) > 60, `the burning tasks were above the target: ${JSON.stringify(points)}`);
  assert.ok(Math.min(...points.map((p) => p.Minimum)) < 10, `the idle tasks were not: ${JSON.stringify(points)}`);

  const { ScalingActivities } = await aas("describe-scaling-activities", "--service-namespace", "ecs");
  const activities = (ScalingActivities as any[]).filter((a) => a.ResourceId === "service/dev/web").reverse();
  assert.ok(activities.length >= 2, JSON.stringify(activities));
  const out = activities[0];
  const last = activities.at(-1);
  for (const a of activities) {
    assert.equal(a.StatusCode, "Successful");
    assert.equal(a.ScalableDimension, "ecs:service:DesiredCount");
    const count = /^Setting desired count to (\d+)\.$/.exec(a.Description)?.[1];
    assert.ok(count, a.Description);
    assert.equal(a.StatusMessage, `Successfully set desired count to ${count}. Change successfully fulfilled by ecs.`);
  }
  assert.equal(out.Cause, `monitor alarm ${high} in state ALARM triggered policy cpu60`);
  assert.equal(last.Cause, `monitor alarm ${low} in state ALARM triggered policy cpu60`);
  assert.equal(last.Description, "Setting desired count to 1.");
});

test("ALBRequestCountPerTarget: request load through the load balancer scales the service out", async () => {
  const tg = await serviceBehindLoadBalancer("dev", "api", 8081, 1);
  await waitFor("api's task healthy", async () => (await healthyTargets(tg)) === 1, 90_000);
  await aas("register-scalable-target", ...target("dev", "api"), "--min-capacity", "1", "--max-capacity", "4");
  const label = `${lbDimension}/${tg.split(":").pop()}`;
  // 40 requests a target a minute (6 s here); the load below sends several times that to the one task.
  await aas("put-scaling-policy", "--policy-name", "requests", "--policy-type", "TargetTrackingScaling", ...target("dev", "api"),
    "--target-tracking-scaling-policy-configuration",
    JSON.stringify({ TargetValue: 40, PredefinedMetricSpecification: { PredefinedMetricType: "ALBRequestCountPerTarget", ResourceLabel: label }, ScaleOutCooldown: 10, ScaleInCooldown: 600 }));
  const traffic = load(`http://${address}:8081/`, 2);
  try {
    const scaled = await waitFor("a scale-out on requests", async () => {
      const s = await describe("dev", "api");
      return s.desiredCount > 1 ? s.desiredCount as number : undefined;
    }, 120_000);
    assert.ok(scaled >= 2 && scaled <= 4, `scaled to ${scaled}`);
    await waitFor("the new tasks healthy in the target group", async () => ((await healthyTargets(tg)) >= 2 ? true : undefined), 90_000);
  } finally {
    const outcomes = await traffic.stop();
    assert.ok((outcomes["200"] ?? 0) > 0, JSON.stringify(outcomes));
  }
  const { ScalingActivities } = await aas("describe-scaling-activities", "--service-namespace", "ecs", "--resource-id", "service/dev/api");
  assert.match(ScalingActivities.at(-1).Cause, /^monitor alarm TargetTracking-service\/dev\/api-AlarmHigh-[0-9a-f-]{36} in state ALARM triggered policy requests$/);
  const stats = await berth.aws("cloudwatch", "get-metric-statistics", "--namespace", "AWS/ApplicationELB", "--metric-name", "RequestCountPerTarget",
    "--dimensions", `Name=TargetGroup,Value=${tg.split(":").pop()}`, "--statistics", "Sum",
    "--start-time", new Date(Date.now() - 900_000).toISOString(), "--end-time", new Date(Date.now() + 60_000).toISOString(), "--period", "60");
  assert.ok(stats.Datapoints.some((p: { Sum: number }) => p.Sum > 40), JSON.stringify(stats.Datapoints));
});

test("a step policy on a custom metric (queue depth from PutMetricData) scales by its steps, invoked by the user's own alarm", async () => {
  await berth.aws("ecs", "register-task-definition", "--family", "worker", "--requires-compatibilities", "FARGATE", "--network-mode", "awsvpc", "--cpu", "256", "--memory", "512",
    "--container-definitions", JSON.stringify([{ name: "worker", image: TEST_IMAGE, essential: true, stopTimeout: 1, entryPoint: ["sh", "-c"], command: ["exec sleep 3600"] }]));
  await berth.aws("ecs", "create-service", "--cluster", "dev", "--service-name", "worker", "--task-definition", "worker", "--desired-count", "1", "--launch-type", "FARGATE", "--network-configuration", awsvpc);
  services.push(["dev", "worker"]);
  await aas("register-scalable-target", ...target("dev", "worker"), "--min-capacity", "1", "--max-capacity", "10");
  // Depth 100 to 150 over the threshold adds one task, 150 and more adds three. The cooldown spans the
  // test: a second scale-out within it counts from the capacity before the first, so only a larger step adds more.
  const { PolicyARN } = await aas("put-scaling-policy", "--policy-name", "queue-steps", "--policy-type", "StepScaling", ...target("dev", "worker"),
    "--step-scaling-policy-configuration", JSON.stringify({
      AdjustmentType: "ChangeInCapacity", Cooldown: 600, MetricAggregationType: "Maximum",
      StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 50, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 50, ScalingAdjustment: 3 }],
    }));
  await berth.aws("cloudwatch", "put-metric-alarm", "--alarm-name", "queue-deep", "--namespace", "Shop", "--metric-name", "QueueDepth", "--dimensions", "Name=Queue,Value=orders",
    "--statistic", "Maximum", "--period", "60", "--evaluation-periods", "1", "--threshold", "100", "--comparison-operator", "GreaterThanOrEqualToThreshold", "--alarm-actions", PolicyARN);

  // The producer publishes the queue's depth every second, as an application would.
  let depth = 120;
  let publishing = true;
  const publisher = (async () => {
    while (publishing) {
      await cw.send(new PutMetricDataCommand({ Namespace: "Shop", MetricData: [{ MetricName: "QueueDepth", Dimensions: [{ Name: "Queue", Value: "orders" }], Value: depth, Unit: "Count" }] }));
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  try {
    await waitFor("the first step: 1 -> 2", async () => (await describe("dev", "worker")).desiredCount === 2 ? true : undefined, 60_000);
    depth = 180;
    await waitFor("the second step: 1 + 3 -> 4", async () => (await describe("dev", "worker")).desiredCount === 4 ? true : undefined, 60_000);
  } finally {
    publishing = false;
    await publisher;
  }
  const { ScalingActivities } = await aas("describe-scaling-activities", "--service-namespace", "ecs", "--resource-id", "service/dev/worker");
  assert.deepEqual(ScalingActivities.map((a: any) => [a.Description, a.Cause]), [
    ["Setting desired count to 4.", "monitor alarm queue-deep in state ALARM triggered policy queue-steps"],
    ["Setting desired count to 2.", "monitor alarm queue-deep in state ALARM triggered policy queue-steps"],
  ]);
  await waitFor("four workers running", async () => (await describe("dev", "worker")).runningCount === 4 ? true : undefined, 90_000);
});
