/**
 * Service auto scaling, end to end: from the moment CPU load starts to the scaling decision (the
 * scaling activity's StartTime), to the new task RUNNING (its startedAt), and to it healthy in the
 * load balancer's target group; and from the start of the sustained breach (the oldest of the
 * datapoints that put AlarmHigh into ALARM, from its StateReasonData) to the decision. The service is the issue's: Fargate tasks of cpu 256 behind an ALB,
 * target tracking ECSServiceAverageCPUUtilization 60 (ScaleOutCooldown 10); the load is four
 * clients sending requests that spin the CPU (a busybox CGI), through the load balancer.
 *
 *   npm run build && node dist/bench/scaling.js [--rounds 3] [--period-scale 10] [--interval 2]
 *
 * --period-scale 10 --interval 2 is the shortened setting (a 60-second period is 6 s; Berth's own
 * metrics every 2 s); --period-scale 1 --interval 60 is AWS's default timing (minutes a round).
 * Each round starts from one healthy task with AlarmHigh OK. Not a test: nothing asserts a time.
 */
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { DescribeTasksCommand, ListTasksCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "../test/harness.js";
import { ensureTestImage, TEST_IMAGE } from "../test/images.js";
import { waitFor } from "../test/wait.js";

const { values } = parseArgs({ options: {
  rounds: { type: "string", default: "3" }, "period-scale": { type: "string", default: "10" }, interval: { type: "string", default: "2" },
} });
const ROUNDS = Number(values.rounds);
const SCALE = values["period-scale"]!;
const INTERVAL = values.interval!;
const CLIENTS = 4;

const HTTPD = `mkdir -p /www/cgi-bin && echo ok > /www/health && cat > /www/cgi-bin/burn <<'EOF'
#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
end=$(( $(date +%s) + 2 ))
while [ $(date +%s) -lt $end ]; do :; done
echo burned
EOF
chmod +x /www/cgi-bin/burn && exec httpd -f -p 8080 -h /www`;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

function load(url: string): () => Promise<void> {
  let running = true;
  const loops = Array.from({ length: CLIENTS }, async () => {
    while (running) await fetch(url, { signal: AbortSignal.timeout(20_000) }).then((r) => r.text()).catch(() => new Promise((r) => setTimeout(r, 100)));
  });
  return async () => void ((running = false), await Promise.all(loops));
}

async function main() {
  console.log(`${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model} · ${(totalmem() / 2 ** 30).toFixed(1)} GiB · Node ${process.version}`);
  console.log(`--metric-period-scale ${SCALE} --metrics-interval-seconds ${INTERVAL}; ${CLIENTS} clients of CPU-spinning requests through the ALB`);
  await ensureTestImage();
  const berth = await BerthProcess.start({ args: ["--metric-period-scale", SCALE, "--metrics-interval-seconds", INTERVAL, "--load-balancer-health-check-speedup", "5"] });
  const ecs: ECSClient = berth.ecs();
  const elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  const aws = (...args: string[]) => berth.aws(...args);
  try {
    await aws("ecs", "create-cluster", "--cluster-name", "dev");
    await aws("ecs", "register-task-definition", "--family", "web", "--requires-compatibilities", "FARGATE", "--network-mode", "awsvpc", "--cpu", "256", "--memory", "512",
      "--container-definitions", JSON.stringify([{ name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1, entryPoint: ["sh", "-c"], command: [HTTPD], portMappings: [{ containerPort: 8080 }] }]));
    const lb = (await aws("elbv2", "create-load-balancer", "--name", "web", "--type", "application", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0];
    const address = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
    const tg = (await aws("elbv2", "create-target-group", "--name", "web", "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1",
      "--health-check-path", "/health", "--health-check-interval-seconds", "5", "--health-check-timeout-seconds", "4", "--healthy-threshold-count", "2", "--unhealthy-threshold-count", "10")).TargetGroups[0].TargetGroupArn;
    await aws("elbv2", "modify-target-group-attributes", "--target-group-arn", tg, "--attributes", "Key=deregistration_delay.timeout_seconds,Value=1");
    await aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "HTTP", "--port", "80", "--default-actions", `Type=forward,TargetGroupArn=${tg}`);
    await aws("ecs", "create-service", "--cluster", "dev", "--service-name", "web", "--task-definition", "web", "--desired-count", "1", "--launch-type", "FARGATE",
      "--network-configuration", "awsvpcConfiguration={subnets=[subnet-1]}", "--load-balancers", `targetGroupArn=${tg},containerName=web,containerPort=8080`);
    const target = ["--service-namespace", "ecs", "--resource-id", "service/dev/web", "--scalable-dimension", "ecs:service:DesiredCount"];
    await aws("application-autoscaling", "register-scalable-target", ...target, "--min-capacity", "1", "--max-capacity", "6");
    const policy = await aws("application-autoscaling", "put-scaling-policy", "--policy-name", "cpu60", "--policy-type", "TargetTrackingScaling", ...target,
      "--target-tracking-scaling-policy-configuration", '{"TargetValue":60,"PredefinedMetricSpecification":{"PredefinedMetricType":"ECSServiceAverageCPUUtilization"},"ScaleOutCooldown":10,"ScaleInCooldown":30}');
    const high = policy.Alarms.find((a: { AlarmName: string }) => a.AlarmName.includes("-AlarmHigh-")).AlarmName;

    const healthy = async () => ((await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === "healthy").length;
    const service = async () => (await aws("ecs", "describe-services", "--cluster", "dev", "--services", "web")).services[0];
    const decisions: number[] = [];
    const fromBreach: number[] = [];
    const running: number[] = [];
    const inService: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // A quiet start: one task, healthy, and AlarmHigh back to OK.
      await waitFor("one healthy task and AlarmHigh OK", async () => {
        const s = await service();
        if (s.desiredCount !== 1 || s.runningCount !== 1 || (await healthy()) !== 1) return undefined;
        return (await aws("cloudwatch", "describe-alarms", "--alarm-names", high)).MetricAlarms[0].StateValue === "OK" ? true : undefined;
      }, 600_000);
      const before = new Set(((await ecs.send(new ListTasksCommand({ cluster: "dev", serviceName: "web" }))).taskArns ?? []));
      const activitiesBefore = (await aws("application-autoscaling", "describe-scaling-activities", "--service-namespace", "ecs")).ScalingActivities.length;
      const t0 = Date.now();
      const stop = load(`http://${address}/cgi-bin/burn`);
      try {
        // The decision: the first new activity (its StartTime is the server's clock on this machine).
        const activity = await waitFor("the scale-out activity", async () => {
          const all = (await aws("application-autoscaling", "describe-scaling-activities", "--service-namespace", "ecs")).ScalingActivities;
          return all.length > activitiesBefore ? all[0] : undefined;
        }, 600_000);
        decisions.push((Date.parse(activity.StartTime) - t0) / 1000);
        // The sustained breach began with the oldest of the datapoints that put AlarmHigh into ALARM.
        const reason = JSON.parse((await aws("cloudwatch", "describe-alarms", "--alarm-names", high)).MetricAlarms[0].StateReasonData);
        const breachStart = Math.min(...reason.evaluatedDatapoints.map((d: { timestamp: string }) => Date.parse(d.timestamp.replace(/\+0000$/, "Z"))));
        fromBreach.push((Date.parse(activity.StartTime) - breachStart) / 1000);
        await waitFor("a new target healthy", async () => ((await healthy()) >= 2 ? true : undefined), 600_000);
        inService.push((Date.now() - t0) / 1000);
        const arns = (await ecs.send(new ListTasksCommand({ cluster: "dev", serviceName: "web" }))).taskArns ?? [];
        const started = ((await ecs.send(new DescribeTasksCommand({ cluster: "dev", tasks: arns }))).tasks ?? [])
          .filter((t) => !before.has(t.taskArn!) && t.startedAt).map((t) => t.startedAt!.getTime());
        running.push((Math.min(...started) - t0) / 1000);
        console.log(`round ${round}: decision ${decisions.at(-1)!.toFixed(1)} s (${activity.Description}; ${fromBreach.at(-1)!.toFixed(1)} s after the breaching periods began), new task RUNNING ${running.at(-1)!.toFixed(1)} s, healthy in the target group ${inService.at(-1)!.toFixed(1)} s`);
      } finally {
        await stop();
      }
      // Back to one task for the next round (a user's UpdateService; scaling in by itself takes 15
      // periods), once AlarmHigh is OK: while it is in ALARM it runs the policy again every period,
      // which would scale straight back out (at AWS's 60-second periods the next round then waited
      // out AlarmLow's 15 minutes).
      await waitFor("AlarmHigh OK after the load", async () =>
        ((await aws("cloudwatch", "describe-alarms", "--alarm-names", high)).MetricAlarms[0].StateValue === "OK" ? true : undefined), 600_000);
      await aws("ecs", "update-service", "--cluster", "dev", "--service", "web", "--desired-count", "1");
    }
    const line = (name: string, xs: number[]) => `${name}: median ${pct(xs, 50).toFixed(1)} s, worst ${Math.max(...xs).toFixed(1)} s`;
    console.log(line("load start -> scaling decision", decisions));
    console.log(line("start of the breaching periods -> scaling decision", fromBreach));
    console.log(line("load start -> new task RUNNING", running));
    console.log(line("load start -> new task healthy in the target group", inService));
    await aws("ecs", "delete-service", "--cluster", "dev", "--service", "web", "--force");
    await waitFor("web INACTIVE", async () => ((await service()).status === "INACTIVE" ? true : undefined), 120_000);
  } finally {
    elb.destroy();
    await berth.dispose();
  }
}

await main();
