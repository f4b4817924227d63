import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand,
  RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, UpdateServiceCommand,
  type ContainerDefinition, type ECSClient, type Task,
} from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

const run = promisify(execFile);

/**
 * The kill -9 harness: RunTask bursts, StopTasks and rolling deployments, with the server killed
 * at seeded random points in between, at least KILLS times. Afterwards every acknowledged task
 * must have run (or really failed: none of these can), none may have started twice, no
 * container may be left that the store does not know, and no deployment may have rolled back.
 * BERTH_CRASH_SEED replays a run; the seed is printed.
 */
const KILLS = 22;
const CLUSTER = "crash";
const SERVICE = "web";

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Two containers, one waiting for the other: a launch has several steps to be cut between. */
const containers = (version: number): ContainerDefinition[] => [
  {
    name: "main", image: TEST_IMAGE, memory: 16, essential: true, stopTimeout: 1, command: ["sleep", "600"],
    environment: [{ name: "VERSION", value: String(version) }],
    // ECS's default timeout and retries: on a slow machine busy starting containers after each
    // kill, one `docker exec` of the check can take over 2 s, and a single miss would fail the
    // task and trip the breaker for a reason that is not the crash under test.
    healthCheck: { command: ["CMD-SHELL", "true"], interval: 5, timeout: 5, retries: 3 },
  },
  {
    name: "side", image: TEST_IMAGE, memory: 16, essential: true, stopTimeout: 1, command: ["sleep", "600"],
    dependsOn: [{ containerName: "main", condition: "START" }],
  },
];

async function describeAll(ecs: ECSClient, arns: string[]): Promise<Task[]> {
  const out: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    const { tasks, failures } = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns.slice(i, i + 100) }));
    assert.deepEqual(failures ?? [], [], "every acknowledged task is still known");
    out.push(...tasks!);
  }
  return out;
}

/**
 * Records every `start` the engine reports for this Berth's task containers, by task and
 * container, from now until `close`. Streamed: the engine keeps only its last 256 events.
 */
function watchStarts(berthId: string): { close(): Promise<Map<string, number>> } {
  // --since also replays what happened before the subscription was live.
  const since = String(Math.floor(Date.now() / 1000) - 1);
  const proc = spawn("docker", ["events", "--since", since, "--filter", `label=berth.instance=${berthId}`, "--filter", "event=start", "--format", "{{json .Actor.Attributes}}"]);
  const counts = new Map<string, number>();
  createInterface({ input: proc.stdout }).on("line", (line) => {
    const a = JSON.parse(line) as Record<string, string>;
    if (a["berth.pause"] === "true") return;
    const key = `${a["berth.task-arn"]} ${a["berth.container-name"]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  return {
    async close() {
      // The engine delivers events within milliseconds; give the last ones a moment to arrive.
      await new Promise((r) => setTimeout(r, 1000));
      proc.kill();
      return counts;
    },
  };
}

test("kill -9 at random points: every acknowledged task runs, none twice, no orphan, no rollback", { timeout: 15 * 60_000 }, async () => {
  await ensureTestImage();
  const seed = Number(process.env.BERTH_CRASH_SEED ?? Date.now() % 1_000_000);
  const random = rng(seed);
  console.log(`crash harness seed ${seed} (BERTH_CRASH_SEED=${seed} replays it)`);
  const dataDir = mkdtempSync(join(tmpdir(), "berth-crash-"));
  let berth = await BerthProcess.start({ dataDir });
  const berthId = berth.berthId;
  const watcher = watchStarts(berthId);
  let ecs = berth.ecs();
  const acked: string[] = [];
  const stopAsked = new Set<string>();
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    await ecs.send(new RegisterContainerInstanceCommand({ cluster: CLUSTER }));
    let version = 1;
    await ecs.send(new RegisterTaskDefinitionCommand({ family: "ec2", networkMode: "bridge", containerDefinitions: containers(0) }));
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: "fargate", networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512", containerDefinitions: containers(0),
    }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: SERVICE, networkMode: "bridge", containerDefinitions: containers(version) }));
    await ecs.send(new CreateServiceCommand({
      cluster: CLUSTER, serviceName: SERVICE, taskDefinition: `${SERVICE}:${version}`, desiredCount: 3,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, deploymentCircuitBreaker: { enable: true, rollback: true } },
    }));
    const fargate = { launchType: "FARGATE" as const, networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } };

    for (let kill = 1; kill <= KILLS; kill++) {
      // A burst of RunTasks on both launch types, sent together.
      const burst = 1 + Math.floor(random() * 3);
      const answers = await Promise.all(Array.from({ length: burst }, () =>
        ecs.send(random() < 0.5
          ? new RunTaskCommand({ cluster: CLUSTER, taskDefinition: "ec2", count: 1 + Math.floor(random() * 2) })
          : new RunTaskCommand({ cluster: CLUSTER, taskDefinition: "fargate", count: 1, ...fargate }))));
      for (const a of answers) {
        assert.deepEqual(a.failures ?? [], []);
        acked.push(...a.tasks!.map((t) => t.taskArn!));
      }
      // Some tasks of earlier rounds are stopped, whatever state they reached.
      if (acked.length > 6 && random() < 0.4) {
        const victim = acked[Math.floor(random() * (acked.length - burst))]!;
        await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: victim }));
        stopAsked.add(victim);
      }
      // Every third round starts a new rolling deployment.
      if (kill % 3 === 1) {
        version++;
        await ecs.send(new RegisterTaskDefinitionCommand({ family: SERVICE, networkMode: "bridge", containerDefinitions: containers(version) }));
        await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: `${SERVICE}:${version}` }));
      }
      // Killed anywhere from at once (launches not begun) to well into the launches.
      await new Promise((r) => setTimeout(r, Math.floor(random() * 1500)));
      await berth.kill9();
      berth = await BerthProcess.start({ dataDir });
      ecs = berth.ecs();
    }

    // Every acknowledged task runs, unless it was asked to stop; then it stops.
    const tasks = await waitFor("every acknowledged task RUNNING or STOPPED", async () => {
      const all = await describeAll(ecs, acked);
      return all.every((t) => t.lastStatus === "RUNNING" || t.lastStatus === "STOPPED") ? all : undefined;
    }, 180_000);
    const failed = tasks.filter((t) => !stopAsked.has(t.taskArn!) && t.lastStatus !== "RUNNING");
    assert.deepEqual(failed.map((t) => [t.taskArn, t.stopCode, t.stoppedReason]), [], "every task not asked to stop is RUNNING");
    for (const t of tasks.filter((x) => stopAsked.has(x.taskArn!))) assert.equal(t.lastStatus, "STOPPED");
    // Every running awsvpc task has an address of its own, the one its pause container holds.
    const addresses = tasks.filter((t) => t.lastStatus === "RUNNING" && t.launchType === "FARGATE")
      .map((t) => t.attachments?.[0]?.details?.find((d) => d.name === "privateIPv4Address")?.value);
    assert.ok(addresses.every((a) => a !== undefined), "every running Fargate task shows its address");
    assert.equal(new Set(addresses).size, addresses.length, `no address given twice: ${addresses.join(" ")}`);
    for (const t of tasks.filter((x) => stopAsked.has(x.taskArn!))) assert.equal(t.stopCode, "UserInitiated", `${t.taskArn} stopped only because it was asked to`);

    // The service finished its last deployment, and never rolled back or tripped its breaker.
    const service = await waitFor("the last deployment COMPLETED with 3 running tasks", async () => {
      const s = (await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }))).services![0]!;
      const primary = s.deployments?.find((d) => d.status === "PRIMARY");
      return s.deployments?.length === 1 && primary?.rolloutState === "COMPLETED" && primary.runningCount === 3 ? s : undefined;
    }, 180_000);
    const serviceTasks = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: SERVICE, desiredStatus: "STOPPED" }))).taskArns ?? [];
    const stoppedServiceTasks = serviceTasks.length ? await describeAll(ecs, serviceTasks) : [];
    const story = () => [...service.events!.map((e) => e.message), ...stoppedServiceTasks.map((t) => `${t.taskArn} ${t.stopCode}: ${t.stoppedReason}`)].join("\n");
    assert.equal(service.deployments![0]!.failedTasks, 0, `no task of the last deployment counted as failed; the service's events and stopped tasks:\n${story()}`);
    assert.equal(service.taskDefinition, `arn:aws:ecs:us-east-1:000000000000:task-definition/${SERVICE}:${version}`, story());
    const breakerEvents = (service.events ?? []).filter((e) => /rolling back|circuit breaker|unable to consistently start/i.test(e.message ?? ""));
    assert.deepEqual(breakerEvents, [], `no deployment rolled back or was throttled because of a crash; the service's events and stopped tasks:\n${story()}`);
    for (const t of stoppedServiceTasks) {
      assert.ok(t.stopCode === "ServiceSchedulerInitiated" || t.stopCode === "UserInitiated", `service task ${t.taskArn} stopped as ${t.stopCode}: ${t.stoppedReason}`);
    }

    // No container started twice (the engine's own record), and none the store does not know.
    const started = await watcher.close();
    const twice = [...started].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], "no task's container started twice");
    for (const t of tasks.filter((x) => !stopAsked.has(x.taskArn!))) {
      for (const c of t.containers!) assert.equal(started.get(`${t.taskArn} ${c.name}`), 1, `${t.taskArn} ${c.name} started once`);
    }
    const { stdout } = await run("docker", ["ps", "-a", "--filter", `label=berth.instance=${berthId}`, "--format", '{{.Label "berth.task-arn"}}']);
    const owners = [...new Set(stdout.split("\n").filter(Boolean))];
    const live = new Set([...acked, ...((await ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: SERVICE }))).taskArns ?? []), ...serviceTasks]);
    const orphans = owners.filter((arn) => !live.has(arn));
    if (orphans.length) {
      // A service task the store shows is no orphan either (DescribeTasks still finds it).
      const known = (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: orphans.slice(0, 100) }))).tasks ?? [];
      assert.deepEqual(orphans.filter((a) => !known.some((t) => t.taskArn === a)), [], "every container belongs to a task the store knows");
    }
    await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: SERVICE, force: true }));
  } finally {
    await watcher.close();
    await berth.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
