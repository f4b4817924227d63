import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand,
  UpdateServiceCommand, type ECSClient, type Task,
} from "@aws-sdk/client-ecs";
import {
  ElasticLoadBalancingV2Client, CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeTargetHealthCommand, ModifyTargetGroupAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { httpGet, waitFor } from "./wait.js";

const run = promisify(execFile);

/**
 * kill -9 in the middle of ECS's load balancer choreography: while a task is DEACTIVATING with
 * its target draining (a scale-in), and while a new task is RUNNING but its target is still in
 * `initial` (a forced new deployment); and down for longer than a drain. The restarted Berth, on the same data directory, finishes
 * what was begun: the drain ends and its task STOPS with the scheduler's reason, the new target
 * turns healthy, the service reaches a steady state, and no container is left that no running
 * task owns.
 */
const dataDir = mkdtempSync(join(tmpdir(), "berth-lb-drain-"));
let berth: BerthProcess;
const DRAIN_SECONDS = 20;

after(async () => {
  await berth?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = () => BerthProcess.start({ dataDir, args: ["--load-balancer-health-check-speedup", "5"] });
const elbOf = (b: BerthProcess) => new ElasticLoadBalancingV2Client({ endpoint: b.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });

async function targets(elb: ElasticLoadBalancingV2Client, tg: string): Promise<Record<string, string>> {
  const { TargetHealthDescriptions: d } = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }));
  return Object.fromEntries((d ?? []).map((x) => [`${x.Target!.Id}:${x.Target!.Port}`, x.TargetHealth!.State!]));
}

/** Every task of the service, any status, described. */
async function serviceTasks(ecs: ECSClient): Promise<Task[]> {
  const arns = [
    ...((await ecs.send(new ListTasksCommand({ serviceName: "web" }))).taskArns ?? []),
    ...((await ecs.send(new ListTasksCommand({ serviceName: "web", desiredStatus: "STOPPED" }))).taskArns ?? []),
  ];
  return arns.length ? (await ecs.send(new DescribeTasksCommand({ tasks: arns }))).tasks ?? [] : [];
}

const ipOf = (t: Task) => t.attachments?.[0]?.details?.find((d) => d.name === "privateIPv4Address")?.value;

/** The service is steady: one deployment, COMPLETED, `n` running, and every target healthy and a running task's. */
async function steady(ecs: ECSClient, elb: ElasticLoadBalancingV2Client, tg: string, n: number) {
  return waitFor(`the service steady with ${n} healthy targets`, async () => {
    const s = (await ecs.send(new DescribeServicesCommand({ services: ["web"] }))).services![0]!;
    const d = s.deployments ?? [];
    if (d.length !== 1 || d[0]!.rolloutState !== "COMPLETED" || s.runningCount !== n || s.pendingCount !== 0) return undefined;
    const running = (await serviceTasks(ecs)).filter((t) => t.lastStatus === "RUNNING");
    const health = await targets(elb, tg);
    const expected = Object.fromEntries(running.map((t) => [`${ipOf(t)}:8080`, "healthy"]));
    return running.length === n && JSON.stringify(Object.entries(health).sort()) === JSON.stringify(Object.entries(expected).sort()) ? { service: s, running } : undefined;
  }, 120_000);
}

/** Running containers carrying this Berth's label belong to running tasks only. */
async function assertNoOrphans(ecs: ECSClient, berthId: string) {
  const { stdout } = await run("docker", ["ps", "--filter", `label=berth.instance=${berthId}`, "--format", '{{.Label "berth.task-arn"}}']);
  const owners = new Set(stdout.split("\n").filter(Boolean));
  const running = new Set((await serviceTasks(ecs)).filter((t) => t.lastStatus === "RUNNING").map((t) => t.taskArn!));
  assert.deepEqual([...owners].filter((a) => !running.has(a)), [], "every running container belongs to a RUNNING task");
  assert.deepEqual([...running].filter((a) => !owners.has(a)), [], "every RUNNING task has its containers");
}

test("kill -9 while a target drains (scale-in) while a new target is in initial (new deployment), and for longer than a drain: the restarted Berth finishes each", async () => {
  await ensureTestImage();
  berth = await start();
  const berthId = berth.berthId;
  let ecs = berth.ecs();
  let elb = elbOf(berth);
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: "default" }));
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
      containerDefinitions: [{
        name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1, entryPoint: ["sh", "-c"],
        command: ["mkdir -p /www && echo ok > /www/health && echo hello > /www/index.html && exec httpd -f -p 8080 -h /www"],
        portMappings: [{ containerPort: 8080, protocol: "tcp" }],
      }],
    }));
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: "drain", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!;
    const address = lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
    // Five checks a second apart (interval 5 s at a speedup of 5) before a new target is healthy:
    // long enough to kill Berth while one is still in `initial`.
    const tg = (await elb.send(new CreateTargetGroupCommand({
      Name: "drain", Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: "ip",
      HealthCheckPath: "/health", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 4, HealthyThresholdCount: 5, UnhealthyThresholdCount: 10,
    }))).TargetGroups![0]!.TargetGroupArn!;
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: String(DRAIN_SECONDS) }] }));
    await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn!, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: tg }] }));
    await ecs.send(new CreateServiceCommand({
      serviceName: "web", taskDefinition: "web", desiredCount: 2, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
      loadBalancers: [{ targetGroupArn: tg, containerName: "web", containerPort: 8080 }],
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
    }));
    await steady(ecs, elb, tg, 2);

    // 1. Scale in: one task turns DEACTIVATING while its target drains; Berth is killed then.
    await ecs.send(new UpdateServiceCommand({ service: "web", desiredCount: 1 }));
    const leaving = await waitFor("a task DEACTIVATING with its target draining", async () => {
      const t = (await serviceTasks(ecs)).find((x) => x.lastStatus === "DEACTIVATING");
      return t && (await targets(elb, tg))[`${ipOf(t)}:8080`] === "draining" ? t : undefined;
    }, 60_000);
    await berth.kill9();
    berth = await start();
    ecs = berth.ecs();
    elb = elbOf(berth);
    assert.equal(berth.berthId, berthId, "the restarted Berth is the same Berth");

    // Still draining after the restart (the delay is not over), and traffic is served meanwhile.
    const afterRestart = (await ecs.send(new DescribeTasksCommand({ tasks: [leaving.taskArn!] }))).tasks![0]!;
    assert.ok(["DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"].includes(afterRestart.lastStatus!), `the leaving task is on its way out: ${afterRestart.lastStatus}`);
    await waitFor("the load balancer answers after the restart", async () => (await httpGet(`http://${address}/`))?.body === "hello\n", 60_000);

    const stopped = await waitFor("the drained task STOPPED", async () => {
      const t = (await ecs.send(new DescribeTasksCommand({ tasks: [leaving.taskArn!] }))).tasks![0]!;
      return t.lastStatus === "STOPPED" ? t : undefined;
    }, (DRAIN_SECONDS + 60) * 1000);
    assert.equal(stopped.stopCode, "ServiceSchedulerInitiated");
    assert.match(stopped.stoppedReason ?? "", /^Scaling activity initiated by \(deployment ecs-svc\/\d+\)$/);
    const { running } = await steady(ecs, elb, tg, 1);
    assert.equal((await targets(elb, tg))[`${ipOf(leaving)}:8080`], undefined, "the drained target is gone");
    assert.notEqual(running[0]!.taskArn, leaving.taskArn);
    await assertNoOrphans(ecs, berthId);

    // 2. A new deployment: its task is RUNNING and registered, its target still `initial`, when Berth is killed.
    const old = running[0]!;
    await ecs.send(new UpdateServiceCommand({ service: "web", forceNewDeployment: true }));
    const fresh = await waitFor("the new task RUNNING with its target in initial", async () => {
      const t = (await serviceTasks(ecs)).find((x) => x.lastStatus === "RUNNING" && x.taskArn !== old.taskArn);
      return t && (await targets(elb, tg))[`${ipOf(t)}:8080`] === "initial" ? t : undefined;
    }, 60_000);
    await berth.kill9();
    berth = await start();
    ecs = berth.ecs();
    elb = elbOf(berth);

    // The new target turns healthy, the old task drains and stops as replaced, and only the new one stays.
    const after2 = await steady(ecs, elb, tg, 1);
    assert.equal(after2.running[0]!.taskArn, fresh.taskArn, "the task started before the kill is the one that runs (none started twice)");
    const replaced = (await ecs.send(new DescribeTasksCommand({ tasks: [old.taskArn!] }))).tasks![0]!;
    assert.equal(replaced.lastStatus, "STOPPED");
    assert.equal(replaced.stopCode, "ServiceSchedulerInitiated");
    assert.match(replaced.stoppedReason ?? "", /^Scaling activity initiated by \(deployment ecs-svc\/\d+\)$/);
    const all = await serviceTasks(ecs);
    assert.equal(all.length, 3, `three tasks in all (two, one scaled in, one new), none started twice: ${all.map((t) => `${t.taskArn} ${t.lastStatus}`).join(", ")}`);
    const events = after2.service.events!.map((e) => e.message!);
    assert.ok(events.some((m) => /registered 1 targets in \(target-group/.test(m)), events.join("\n"));
    assert.equal(events.filter((m) => m.includes("rolling back") || m.includes("circuit breaker")).length, 0, events.join("\n"));
    assert.equal((await httpGet(`http://${address}/`))?.body, "hello\n");
    await assertNoOrphans(ecs, berthId);

    // 3. Down for longer than the drain: the drain ended while nothing ran; the restarted Berth stops the task at once.
    await ecs.send(new UpdateServiceCommand({ service: "web", desiredCount: 2 }));
    await steady(ecs, elb, tg, 2);
    await ecs.send(new UpdateServiceCommand({ service: "web", desiredCount: 1 }));
    const drained = await waitFor("a task DEACTIVATING again", async () => (await serviceTasks(ecs)).find((x) => x.lastStatus === "DEACTIVATING"), 60_000);
    await berth.kill9();
    await new Promise((r) => setTimeout(r, DRAIN_SECONDS * 1000));
    berth = await start();
    ecs = berth.ecs();
    elb = elbOf(berth);
    const gone = await waitFor("the task drained while Berth was down STOPPED", async () => {
      const t = (await ecs.send(new DescribeTasksCommand({ tasks: [drained.taskArn!] }))).tasks![0]!;
      return t.lastStatus === "STOPPED" ? t : undefined;
    }, 60_000);
    assert.match(gone.stoppedReason ?? "", /^Scaling activity initiated by \(deployment ecs-svc\/\d+\)$/);
    await steady(ecs, elb, tg, 1);
    assert.equal((await targets(elb, tg))[`${ipOf(drained)}:8080`], undefined, "its target is gone");
    await assertNoOrphans(ecs, berthId);

    await ecs.send(new DeleteServiceCommand({ service: "web", force: true }));
    await waitFor("the service INACTIVE", async () => (await ecs.send(new DescribeServicesCommand({ services: ["web"] }))).services![0]!.status === "INACTIVE", 90_000);
  } finally {
    elb.destroy();
  }
});
