import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateClusterCommand, CreateServiceCommand, DeleteClusterCommand, DeleteServiceCommand, DescribeClustersCommand, DescribeContainerInstancesCommand, DescribeServicesCommand,
  DescribeTasksCommand, ListContainerInstancesCommand, ListServicesCommand, ListTasksCommand, PutClusterCapacityProvidersCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
  StartTaskCommand, StopTaskCommand, UpdateContainerInstancesStateCommand, UpdateServiceCommand,
  TagResourceCommand, ListTagsForResourceCommand,
  type ContainerDefinition, type ECSClient, type Service, type Task,
} from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask } from "./wait.js";

const run = promisify(execFile);
/** Three small instances in us-east-1a, b and c (instances 1, 2, 3). */
const ARGS = ["--instances", "3", "--instance-cpu", "1024", "--instance-memory", "512"];
const dataDir = mkdtempSync(join(tmpdir(), "berth-services-"));
let berth: BerthProcess;
let ecs: ECSClient;
let instances: string[] = [];
let zoneOf = new Map<string, string>();

/**
 * A small container that counts as healthy after its first health check (5 s): without a health
 * check ECS waits 40 s before a RUNNING task counts towards minimumHealthyPercent.
 */
const container = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: "app", image: TEST_IMAGE, memory: 32, essential: true, stopTimeout: 1,
  command: ["sleep", "600"],
  healthCheck: { command: ["CMD-SHELL", "true"], interval: 5, timeout: 2, retries: 1 },
  ...extra,
});

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ARGS, dataDir });
  ecs = berth.ecs();
  instances = (await ecs.send(new ListContainerInstancesCommand({ cluster: "default" }))).containerInstanceArns!;
  const { containerInstances } = await ecs.send(new DescribeContainerInstancesCommand({ cluster: "default", containerInstances: instances }));
  zoneOf = new Map(containerInstances!.map((i) => [i.containerInstanceArn!, i.attributes!.find((a) => a.name === "ecs.availability-zone")!.value!]));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "app", networkMode: "bridge", containerDefinitions: [container()] }));
  // roll:1 and roll:2 differ only in their environment; roll:3 exits at once.
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "roll", networkMode: "bridge", containerDefinitions: [container({ environment: [{ name: "V", value: "1" }] })] }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "roll", networkMode: "bridge", containerDefinitions: [container({ environment: [{ name: "V", value: "2" }] })] }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "roll", networkMode: "bridge", containerDefinitions: [container({ command: ["sh", "-c", "exit 1"] })] }));
});
after(async () => {
  try {
    await berth.dispose();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const describe = async (name: string): Promise<Service> => (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: [name] }))).services![0]!;
const messages = async (name: string) => (await describe(name)).events!.map((e) => e.message!);
const idOf = (arn: string) => arn.split("/").pop()!;

/** The service's tasks that are not STOPPED, described. */
async function liveTasks(name: string): Promise<Task[]> {
  const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster: "default", serviceName: name }));
  if (taskArns.length === 0) return [];
  const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster: "default", tasks: taskArns }));
  return tasks.filter((t) => t.lastStatus !== "STOPPED");
}

/**
 * Waits until the service has one COMPLETED deployment, all of its desired tasks RUNNING, and
 * its newest event says it reached steady state.
 */
async function steady(name: string, timeoutMs = 90_000): Promise<Service> {
  let last: Service | undefined;
  try {
    return await waitFor(`${name} steady`, async () => {
      last = await describe(name);
      const [d, ...rest] = last.deployments ?? [];
      const ok = d && rest.length === 0 && d.rolloutState === "COMPLETED" && last.runningCount === last.desiredCount && last.pendingCount === 0
        && last.events?.[0]?.message === `(service ${name}) has reached a steady state.`;
      return ok ? last : undefined;
    }, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen ${JSON.stringify({ ...last, events: last?.events?.slice(0, 8) })}`);
  }
}

/** DeleteService with force, then waits for INACTIVE: every task of it STOPPED. */
async function remove(name: string) {
  const { service } = await ecs.send(new DeleteServiceCommand({ cluster: "default", service: name, force: true }));
  assert.equal(service?.status, "DRAINING");
  await waitFor(`${name} INACTIVE`, async () => (await describe(name)).status === "INACTIVE");
}

test("RunTask and StartTask place through the placement engine: strategies, constraints, failures, invalid expressions", async () => {
  const spread = await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "app", count: 3, placementStrategy: [{ type: "spread", field: "attribute:ecs.availability-zone" }] }));
  assert.deepEqual(spread.failures, []);
  assert.deepEqual(spread.tasks!.map((t) => t.availabilityZone).sort(), ["us-east-1a", "us-east-1b", "us-east-1c"]);
  const packed = await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "app", count: 3, placementStrategy: [{ type: "binpack", field: "memory" }] }));
  assert.equal(new Set(packed.tasks!.map((t) => t.containerInstanceArn)).size, 1, "binpack fills one instance first");

  // memberOf one zone and distinctInstance: one task fits, the second has nowhere to go.
  const only = await ecs.send(new RunTaskCommand({
    cluster: "default", taskDefinition: "app", count: 2, group: "pinned",
    placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.availability-zone == us-east-1b" }, { type: "distinctInstance" }],
  }));
  assert.equal(only.tasks!.length, 1);
  assert.equal(only.tasks![0]!.availabilityZone, "us-east-1b");
  assert.deepEqual(only.failures!.map((f) => f.reason), ["ATTRIBUTE", "ATTRIBUTE", "ATTRIBUTE"]);

  await assert.rejects(
    ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "app", placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.availability-zone in [us-east-1a," }] })),
    (e: Error) => e.name === "InvalidParameterException" && /column \d+/.test(e.message),
  );
  await assert.rejects(
    ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "app", placementStrategy: [{ type: "binpack", field: "disk" }] })),
    (e: Error) => e.name === "InvalidParameterException",
  );

  const started = await ecs.send(new StartTaskCommand({ cluster: "default", taskDefinition: "app", containerInstances: [idOf(instances[2]!), "0123456789abcdef0123456789abcdef"] }));
  assert.equal(started.tasks!.length, 1);
  assert.equal(started.tasks![0]!.containerInstanceArn, instances[2]);
  assert.deepEqual(started.failures, [{ arn: "arn:aws:ecs:us-east-1:000000000000:container-instance/default/0123456789abcdef0123456789abcdef", reason: "MISSING" }]);

  const all = [...spread.tasks!, ...packed.tasks!, ...only.tasks!, ...started.tasks!];
  for (const t of all) await ecs.send(new StopTaskCommand({ cluster: "default", task: t.taskArn! }));
  for (const t of all) await waitForTask(ecs, "default", t.taskArn!, "STOPPED");
});

test("a service created with the AWS CLI spreads across zones, keeps its desired count and tells it in its events", async () => {
  // An unknown task definition is ECS's ClientException, for a new service and for an update.
  const notFound = { name: "ClientException", message: "TaskDefinition not found." };
  await assert.rejects(ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "web", taskDefinition: "ghost", desiredCount: 1 })), notFound);
  const created = await berth.aws("ecs", "create-service", "--cluster", "default", "--service-name", "web", "--task-definition", "app", "--desired-count", "3",
    "--placement-strategy", "type=spread,field=attribute:ecs.availability-zone", "type=binpack,field=memory", "--tags", "key=team,value=web");
  assert.equal(created.service.status, "ACTIVE");
  assert.equal(created.service.deployments[0].rolloutState, "IN_PROGRESS");
  assert.deepEqual(created.service.deploymentConfiguration, { deploymentCircuitBreaker: { enable: false, rollback: false }, maximumPercent: 200, minimumHealthyPercent: 100 });
  const svc = await steady("web");
  const deployment = svc.deployments![0]!;
  assert.match(deployment.id!, /^ecs-svc\/\d{19}$/);
  assert.equal(deployment.rolloutStateReason, `ECS deployment ${deployment.id} completed.`);

  const tasks = await liveTasks("web");
  assert.equal(tasks.length, 3);
  assert.deepEqual(tasks.map((t) => zoneOf.get(t.containerInstanceArn!)).sort(), ["us-east-1a", "us-east-1b", "us-east-1c"], "one task in each zone");
  for (const t of tasks) {
    assert.equal(t.startedBy, deployment.id);
    assert.equal(t.group, "service:web");
    assert.equal(t.healthStatus, "HEALTHY");
  }
  const events = svc.events!.map((e) => e.message);
  assert.equal(events[0], "(service web) has reached a steady state.");
  assert.equal(events[1], `(service web) (deployment ${deployment.id}) deployment completed.`);
  assert.match(events.at(-1)!, /^\(service web\) has started 3 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/);

  // The cluster counts it, will not be deleted under it, and lists it.
  const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: ["default"], include: ["STATISTICS"] }));
  assert.equal(clusters![0]!.activeServicesCount, 1);
  assert.equal(clusters![0]!.statistics!.find((s) => s.name === "activeEC2ServiceCount")?.value, "1");
  await assert.rejects(ecs.send(new DeleteClusterCommand({ cluster: "default" })), (e: Error) => e.name === "ClusterContainsServicesException");
  assert.deepEqual((await ecs.send(new ListServicesCommand({ cluster: "default" }))).serviceArns, [svc.serviceArn]);
  assert.deepEqual((await ecs.send(new ListServicesCommand({ cluster: "default", launchType: "FARGATE" }))).serviceArns, []);
  assert.deepEqual((await ecs.send(new ListServicesCommand({ cluster: "default", schedulingStrategy: "REPLICA" }))).serviceArns, [svc.serviceArn]);
  const withTags = await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["web", "nope"], include: ["TAGS"] }));
  assert.deepEqual(withTags.services![0]!.tags, [{ key: "team", value: "web" }]);
  assert.deepEqual(withTags.failures, [{ arn: "arn:aws:ecs:us-east-1:000000000000:service/default/nope", reason: "MISSING" }]);

  // A killed container: its task stops, a new one replaces it, and the events say so.
  const victim = tasks[0]!;
  await run("docker", ["kill", victim.containers![0]!.runtimeId!]);
  const stopped = await waitForTask(ecs, "default", victim.taskArn!, "STOPPED");
  assert.equal(stopped.stopCode, "EssentialContainerExited");
  const again = await steady("web");
  const replacement = (await liveTasks("web")).find((t) => !tasks.some((o) => o.taskArn === t.taskArn))!;
  assert.ok(replacement, "a new task replaced the killed one");
  assert.equal(zoneOf.get(replacement.containerInstanceArn!), zoneOf.get(victim.containerInstanceArn!), "spread puts it back in the zone that lost one");
  const after = again.events!.map((e) => e.message!);
  assert.ok(after.includes(`(service web) has started 1 tasks: (task ${idOf(replacement.taskArn!)}).`), after.join("\n"));
  assert.equal(after[0], "(service web) has reached a steady state.");
});

test("scale in picks tasks by the service's strategy, scale out adds them back, DeleteService needs force", async () => {
  await assert.rejects(ecs.send(new UpdateServiceCommand({ cluster: "default", service: "web", taskDefinition: "ghost:3" })), { name: "ClientException", message: "TaskDefinition not found." });
  await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "web", desiredCount: 1 }));
  const small = await steady("web");
  assert.match(small.events![1]!.message!, /^\(service web\) has stopped 2 running tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/);
  const stoppedOnes = await ecs.send(new ListTasksCommand({ cluster: "default", serviceName: "web", desiredStatus: "STOPPED" }));
  const { tasks: stopped } = await ecs.send(new DescribeTasksCommand({ cluster: "default", tasks: stoppedOnes.taskArns! }));
  assert.ok(stopped!.some((t) => t.stopCode === "ServiceSchedulerInitiated" && t.stoppedReason === `Scaling activity initiated by (deployment ${small.deployments![0]!.id})`));

  await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "web", desiredCount: 3 }));
  await steady("web");
  assert.deepEqual((await liveTasks("web")).map((t) => zoneOf.get(t.containerInstanceArn!)).sort(), ["us-east-1a", "us-east-1b", "us-east-1c"]);

  await assert.rejects(
    ecs.send(new DeleteServiceCommand({ cluster: "default", service: "web" })),
    (e: Error) => e.name === "InvalidParameterException" && e.message === "The service cannot be stopped while it is scaled above 0.",
  );
  await remove("web");
  assert.deepEqual(await liveTasks("web"), []);
  assert.deepEqual((await ecs.send(new ListServicesCommand({ cluster: "default" }))).serviceArns, []);
  await assert.rejects(ecs.send(new UpdateServiceCommand({ cluster: "default", service: "web", desiredCount: 1 })), (e: Error) => e.name === "ServiceNotActiveException");
  await assert.rejects(ecs.send(new UpdateServiceCommand({ cluster: "default", service: "ghost", desiredCount: 1 })), (e: Error) => e.name === "ServiceNotFoundException");
});

test("binpack packs a service onto one instance", async () => {
  await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "packed", taskDefinition: "app", desiredCount: 4, placementStrategy: [{ type: "binpack", field: "memory" }] }));
  await steady("packed");
  const tasks = await liveTasks("packed");
  assert.equal(tasks.length, 4);
  assert.equal(new Set(tasks.map((t) => t.containerInstanceArn)).size, 1, "32 MiB tasks all fit on the first instance chosen");
  await remove("packed");
});

test("memberOf and distinctInstance: tasks only where allowed, and an event when there is no room", async () => {
  await assert.rejects(
    ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "bad", taskDefinition: "app", desiredCount: 1, placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.availability-zone ==" }] })),
    (e: Error) => e.name === "InvalidParameterException" && /column \d+/.test(e.message),
  );
  await ecs.send(new CreateServiceCommand({
    cluster: "default", serviceName: "pinned", taskDefinition: "app", desiredCount: 3,
    placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]" }, { type: "distinctInstance" }],
  }));
  const unplaced = await waitFor("the placement failure event", async () => (await messages("pinned")).find((m) => /was unable to place a task/.test(m)));
  assert.match(unplaced, /^\(service pinned\) was unable to place a task because no container instance met all of its requirements\. The closest matching \(container-instance [0-9a-f]{32}\) is missing an attribute required by your task\. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide\.$/);
  await waitFor("two tasks running", async () => (await describe("pinned")).runningCount === 2);
  const tasks = await liveTasks("pinned");
  assert.deepEqual(tasks.map((t) => zoneOf.get(t.containerInstanceArn!)).sort(), ["us-east-1a", "us-east-1b"]);
  assert.equal(new Set(tasks.map((t) => t.containerInstanceArn)).size, 2);
  await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "pinned", desiredCount: 2 }));
  await steady("pinned");
  await remove("pinned");
});

test("a rolling update from revision 1 to 2, observed step by step, never breaks minimumHealthyPercent or maximumPercent", async () => {
  await ecs.send(new CreateServiceCommand({
    cluster: "default", serviceName: "roller", taskDefinition: "roll:1", desiredCount: 4,
    deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 150 },
  }));
  const first = await steady("roller");
  // desiredCount 4: at least ceil(4 x 50%) = 2 RUNNING, at most floor(4 x 150%) = 6 RUNNING or PENDING.
  const samples: Array<{ byRevision: Record<string, number>; running: number; total: number }> = [];
  let observing = true;
  const observer = (async () => {
    while (observing) {
      const s = await describe("roller");
      const byRevision: Record<string, number> = {};
      for (const d of s.deployments!) byRevision[d.taskDefinition!.split(":").pop()!] = (byRevision[d.taskDefinition!.split(":").pop()!] ?? 0) + d.runningCount!;
      samples.push({ byRevision, running: s.runningCount!, total: s.runningCount! + s.pendingCount! });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const { service } = await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "roller", taskDefinition: "roll:2" }));
  assert.deepEqual(service!.deployments!.map((d) => [d.status, d.taskDefinition!.split("/").pop(), d.rolloutState]), [["PRIMARY", "roll:2", "IN_PROGRESS"], ["ACTIVE", "roll:1", "COMPLETED"]]);
  const done = await waitFor("roll:2 completed", async () => {
    const s = await steady("roller");
    return s.taskDefinition!.endsWith("roll:2") ? s : undefined;
  });
  observing = false;
  await observer;

  assert.ok(samples.length > 10, `${samples.length} samples`);
  for (const s of samples) {
    assert.ok(s.running >= 2, `below minimumHealthyPercent: ${JSON.stringify(s)}`);
    assert.ok(s.total <= 6, `above maximumPercent: ${JSON.stringify(s)}`);
  }
  assert.ok(samples.some((s) => (s.byRevision["1"] ?? 0) > 0 && (s.byRevision["2"] ?? 0) > 0), "both revisions ran side by side");
  const tasks = await liveTasks("roller");
  assert.deepEqual(tasks.map((t) => t.taskDefinitionArn!.split("/").pop()), ["roll:2", "roll:2", "roll:2", "roll:2"]);
  const newId = done.deployments![0]!.id!;
  assert.notEqual(newId, first.deployments![0]!.id);
  assert.ok((await messages("roller")).includes(`(service roller) (deployment ${newId}) deployment completed.`));
});

test("a crashing revision trips the circuit breaker and rolls back (update-service with the AWS CLI)", async () => {
  const before = await describe("roller");
  const good = before.deployments![0]!;
  const samples: Array<Service["deployments"]> = [];
  const updated = await berth.aws("ecs", "update-service", "--cluster", "default", "--service", "roller", "--task-definition", "roll:3",
    "--deployment-configuration", "minimumHealthyPercent=50,maximumPercent=200,deploymentCircuitBreaker={enable=true,rollback=true}");
  assert.deepEqual(updated.service.deploymentConfiguration, { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 50 });
  const bad = updated.service.deployments[0];
  const failed = await waitFor("the failed deployment", async () => {
    const s = await describe("roller");
    samples.push(s.deployments);
    return s.deployments!.find((d) => d.id === bad.id && d.rolloutState === "FAILED") ? s : undefined;
  }, 120_000);
  const failedDeployment = failed.deployments!.find((d) => d.id === bad.id)!;
  assert.equal(failedDeployment.status, "ACTIVE");
  assert.equal(failedDeployment.rolloutStateReason, "ECS deployment circuit breaker: tasks failed to start.");
  assert.ok(failedDeployment.failedTasks! >= 3, `failedTasks ${failedDeployment.failedTasks}`);
  const primary = failed.deployments![0]!;
  assert.equal(primary.id, good.id, "the last completed deployment is PRIMARY again");
  assert.ok(primary.taskDefinition!.endsWith("roll:2"));

  const back = await steady("roller", 120_000);
  assert.ok(back.taskDefinition!.endsWith("roll:2"));
  assert.equal(back.deployments![0]!.id, good.id);
  assert.equal(back.deployments![0]!.rolloutState, "COMPLETED");
  const events = back.events!.map((e) => e.message!);
  const failedAt = events.indexOf(`(service roller) (deployment ${bad.id}) deployment failed: tasks failed to start.`);
  const rollbackAt = events.indexOf(`(service roller) rolling back to deployment ${good.id}.`);
  assert.ok(failedAt > 0 && rollbackAt >= 0 && rollbackAt < failedAt, events.slice(0, 12).join("\n"));
  assert.deepEqual((await liveTasks("roller")).map((t) => t.taskDefinitionArn!.split("/").pop()), ["roll:2", "roll:2", "roll:2", "roll:2"]);
  await remove("roller");
});

test("draining an instance moves a REPLICA service's tasks off it within the deployment bounds", async () => {
  await ecs.send(new CreateServiceCommand({
    cluster: "default", serviceName: "drained", taskDefinition: "app", desiredCount: 3,
    placementStrategy: [{ type: "spread", field: "instanceId" }],
  }));
  await steady("drained");
  const before = await liveTasks("drained");
  assert.equal(before.filter((t) => t.containerInstanceArn === instances[0]).length, 1);

  await ecs.send(new UpdateContainerInstancesStateCommand({ cluster: "default", containerInstances: [instances[0]!], status: "DRAINING" }));
  let fewest = Infinity;
  await waitFor("the drained instance is emptied", async () => {
    const live = await liveTasks("drained");
    // minimumHealthyPercent 100: never fewer than 3 running while tasks move.
    fewest = Math.min(fewest, live.filter((t) => t.lastStatus === "RUNNING").length);
    return live.length === 3 && live.every((t) => t.lastStatus === "RUNNING" && t.containerInstanceArn !== instances[0]) ? true : undefined;
  }, 90_000);
  assert.ok(fewest >= 3, `running tasks fell to ${fewest}`);
  const { containerInstances } = await ecs.send(new DescribeContainerInstancesCommand({ cluster: "default", containerInstances: [instances[0]!] }));
  assert.equal(containerInstances![0]!.runningTasksCount, 0);
  await ecs.send(new UpdateContainerInstancesStateCommand({ cluster: "default", containerInstances: [instances[0]!], status: "ACTIVE" }));
  await remove("drained");
});

test("DAEMON: one task per ACTIVE instance, following instances as they are drained and come back", async () => {
  await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "agent", taskDefinition: "app", schedulingStrategy: "DAEMON" }));
  const svc = await steady("agent");
  assert.equal(svc.desiredCount, 3, JSON.stringify(svc));
  assert.deepEqual(svc.deploymentConfiguration, { deploymentCircuitBreaker: { enable: false, rollback: false }, maximumPercent: 100, minimumHealthyPercent: 0 });
  assert.deepEqual((await liveTasks("agent")).map((t) => t.containerInstanceArn).sort(), [...instances].sort());

  await ecs.send(new UpdateContainerInstancesStateCommand({ cluster: "default", containerInstances: [instances[2]!], status: "DRAINING" }));
  await waitFor("the daemon leaves the drained instance", async () => {
    const s = await describe("agent");
    const tasks = await liveTasks("agent");
    return s.desiredCount === 2 && tasks.length === 2 && tasks.every((t) => t.containerInstanceArn !== instances[2]);
  });
  await ecs.send(new UpdateContainerInstancesStateCommand({ cluster: "default", containerInstances: [instances[2]!], status: "ACTIVE" }));
  await steady("agent");
  const before = await liveTasks("agent");
  assert.equal(before.length, 3);

  // forceNewDeployment replaces every daemon task in place: the old one stops, then the new one starts.
  const { service } = await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "agent", forceNewDeployment: true }));
  assert.equal(service!.deployments!.length, 2);
  const redeployed = await waitFor("the new daemon deployment", async () => {
    const s = await steady("agent");
    return s.deployments![0]!.id === service!.deployments![0]!.id ? s : undefined;
  });
  const after = await liveTasks("agent");
  assert.deepEqual(after.map((t) => t.containerInstanceArn).sort(), [...instances].sort());
  assert.ok(after.every((t) => t.startedBy === redeployed.deployments![0]!.id && !before.some((b) => b.taskArn === t.taskArn)));
  await assert.rejects(ecs.send(new UpdateServiceCommand({ cluster: "default", service: "agent", desiredCount: 5 })), (e: Error) => e.name === "InvalidParameterException");
  // A daemon has no desired count to bring to 0: it is deleted without force.
  await ecs.send(new DeleteServiceCommand({ cluster: "default", service: "agent" }));
  await waitFor("agent INACTIVE", async () => (await describe("agent")).status === "INACTIVE");
});

test("Fargate services: tasks as RunTask makes them, capacity providers, propagated tags, clientToken", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "fg", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
    containerDefinitions: [container({ memory: undefined })], tags: [{ key: "from", value: "definition" }],
  }));
  const request = {
    cluster: "default", serviceName: "fg", taskDefinition: "fg", desiredCount: 1, capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }],
    networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } }, propagateTags: "SERVICE" as const, tags: [{ key: "from", value: "service" }], clientToken: "fg-1",
  };
  // A strategy may name only providers the cluster has associated, FARGATE_SPOT included.
  await assert.rejects(ecs.send(new CreateServiceCommand(request)), (e: Error) => e.name === "InvalidParameterException" && /not associated with the cluster/.test(e.message));
  await ecs.send(new PutClusterCapacityProvidersCommand({ cluster: "default", capacityProviders: ["FARGATE", "FARGATE_SPOT"], defaultCapacityProviderStrategy: [] }));
  const { service } = await ecs.send(new CreateServiceCommand(request));
  assert.equal(service!.launchType, undefined);
  assert.deepEqual(service!.capacityProviderStrategy, [{ capacityProvider: "FARGATE_SPOT", weight: 1, base: 0 }]);
  assert.equal(service!.platformVersion, "LATEST");
  const again = await ecs.send(new CreateServiceCommand(request));
  assert.equal(again.service!.serviceArn, service!.serviceArn, "the same clientToken answers with the same service");
  await assert.rejects(ecs.send(new CreateServiceCommand({ ...request, desiredCount: 2 })), (e: Error) => e.name === "ConflictException");
  await assert.rejects(ecs.send(new CreateServiceCommand({ ...request, clientToken: "fg-2" })), (e: Error) => e.name === "InvalidParameterException" && e.message === "Creation of service was not idempotent.");

  await steady("fg");
  const [task] = await liveTasks("fg");
  assert.equal(task!.launchType, "FARGATE");
  assert.equal(task!.capacityProviderName, "FARGATE_SPOT");
  assert.equal(task!.attachments?.[0]?.type, "ElasticNetworkInterface");
  const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: "default", tasks: [task!.taskArn!], include: ["TAGS"] }));
  assert.deepEqual(tasks![0]!.tags, [{ key: "from", value: "service" }]);
  const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: ["default"], include: ["STATISTICS"] }));
  assert.equal(clusters![0]!.statistics!.find((s) => s.name === "activeFargateServiceCount")?.value, "1");
  await ecs.send(new TagResourceCommand({ resourceArn: service!.serviceArn!, tags: [{ key: "added", value: "later" }] }));
  const listed = await ecs.send(new ListTagsForResourceCommand({ resourceArn: service!.serviceArn! }));
  assert.deepEqual(listed.tags, [{ key: "from", value: "service" }, { key: "added", value: "later" }]);
  await remove("fg");
});

test("recorded as ECS shows them: availabilityZoneRebalancing (ENABLED by default, an update deploys nothing) and a deployment's EBS volume configuration", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "ebs", networkMode: "bridge", volumes: [{ name: "data", configuredAtLaunch: true }], containerDefinitions: [container()],
  }));
  const volumeConfigurations = [{ name: "data", managedEBSVolume: { roleArn: "arn:aws:iam::000000000000:role/ebs", sizeInGiB: 1 } }];
  const { service } = await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "recorded", taskDefinition: "ebs", desiredCount: 0, volumeConfigurations }));
  assert.equal(service!.availabilityZoneRebalancing, "ENABLED");
  assert.deepEqual(service!.deployments![0]!.volumeConfigurations, volumeConfigurations);
  const rebalancing = (await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "recorded", availabilityZoneRebalancing: "DISABLED" }))).service!;
  assert.equal(rebalancing.availabilityZoneRebalancing, "DISABLED");
  assert.equal(rebalancing.deployments!.length, 1, "no new deployment");
  // Without a value an update keeps it; a new volume configuration is a new deployment.
  const volumes = (await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "recorded", volumeConfigurations: [] }))).service!;
  assert.deepEqual([volumes.availabilityZoneRebalancing, volumes.deployments!.length, volumes.deployments![0]!.volumeConfigurations], ["DISABLED", 2, []]);
  // A DAEMON service, in a cluster without instances (so it runs nothing).
  await ecs.send(new CreateClusterCommand({ clusterName: "no-instances" }));
  const daemon = (await ecs.send(new CreateServiceCommand({ cluster: "no-instances", serviceName: "recorded-daemon", taskDefinition: "app", schedulingStrategy: "DAEMON" }))).service!;
  assert.equal(daemon.availabilityZoneRebalancing, "DISABLED", "only REPLICA services rebalance");
  await ecs.send(new DeleteServiceCommand({ cluster: "no-instances", service: "recorded-daemon", force: true }));
  await ecs.send(new DeleteServiceCommand({ cluster: "default", service: "recorded", force: true }));
});

test("the scheduler survives a restart: the service keeps its count and replaces a task killed afterwards", async () => {
  await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "durable", taskDefinition: "app", desiredCount: 2 }));
  const before = await steady("durable");
  await berth.stop();
  berth = await BerthProcess.start({ args: ARGS, dataDir });
  ecs = berth.ecs();
  const after = await describe("durable");
  assert.equal(after.deployments![0]!.id, before.deployments![0]!.id);
  assert.equal(after.runningCount, 2, "the running tasks were adopted, not replaced");
  const [victim] = await liveTasks("durable");
  await run("docker", ["kill", victim!.containers![0]!.runtimeId!]);
  await waitForTask(ecs, "default", victim!.taskArn!, "STOPPED");
  await steady("durable");
  assert.equal((await liveTasks("durable")).length, 2);
  await remove("durable");
});
