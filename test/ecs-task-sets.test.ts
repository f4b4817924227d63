import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import Docker from "dockerode";
import {
  CreateClusterCommand, CreateServiceCommand, CreateTaskSetCommand, DeleteServiceCommand, DeleteTaskSetCommand, DescribeServicesCommand, DescribeTaskSetsCommand,
  DescribeTasksCommand, ListTagsForResourceCommand, ListTasksCommand, TagResourceCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand, UpdateServicePrimaryTaskSetCommand, UpdateTaskSetCommand,
  type ContainerDefinition, type ECSClient, type TaskSet,
} from "@aws-sdk/client-ecs";
import {
  ElasticLoadBalancingV2Client, CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeTargetHealthCommand,
  ModifyTargetGroupAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * Task sets of services with the EXTERNAL deployment controller (and the first task set of a
 * CODE_DEPLOY service): each runs ceil(desiredCount x scale%) real containers, registered in its
 * own target group; traffic moves by scale and UpdateServicePrimaryTaskSet; DeleteTaskSet drains.
 */
let berth: BerthProcess;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
let lbArn: string;
const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const network = { awsvpcConfiguration: { subnets: ["subnet-1"] } };

/** busybox httpd on 8080. */
const web: ContainerDefinition = {
  name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1,
  entryPoint: ["sh", "-c"], command: ["mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"],
  portMappings: [{ containerPort: 8080, protocol: "tcp" }],
};

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start();
  ecs = berth.ecs();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  await ecs.send(new CreateClusterCommand({ clusterName: "default" }));
  for (const family of ["blue", "green"]) {
    await ecs.send(new RegisterTaskDefinitionCommand({ family, requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [web] }));
  }
  lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: "sets", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!.LoadBalancerArn!;
});
after(async () => {
  elb?.destroy();
  await berth?.dispose();
});

async function targetGroup(name: string, port: number): Promise<string> {
  const arn = (await elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: "ip" }))).TargetGroups![0]!.TargetGroupArn!;
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "1" }] }));
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTP", Port: port, DefaultActions: [{ Type: "forward", TargetGroupArn: arn }] }));
  return arn;
}

/** The ARNs of a task set's tasks that are desired RUNNING (ECS sets startedBy to the task set's id). */
async function tasksOf(set: TaskSet): Promise<string[]> {
  return (await ecs.send(new ListTasksCommand({ startedBy: set.id, desiredStatus: "RUNNING" }))).taskArns ?? [];
}
/** Running "web" Docker containers of a task set's tasks (not their awsvpc pause containers): what really runs. */
async function containersOf(set: TaskSet): Promise<number> {
  return containersOfTasks(await tasksOf(set));
}
async function containersOfTasks(taskArns: readonly string[]): Promise<number> {
  const arns = new Set(taskArns);
  const running = await docker.listContainers({ filters: { label: ["berth.task-arn", "berth.container-name=web"] } });
  return running.filter((c) => arns.has(c.Labels["berth.task-arn"] ?? "")).length;
}
const registered = async (tg: string) => (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions!.filter((t) => t.TargetHealth?.State !== "draining");
const describeSets = async (service: string) => (await ecs.send(new DescribeTaskSetsCommand({ cluster: "default", service }))).taskSets!;
const setById = async (service: string, id: string) => (await describeSets(service)).find((s) => s.id === id);

/** Waits until the task set runs exactly `n` containers, each task RUNNING and registered in `tg`, and says STEADY_STATE. */
async function settles(service: string, set: TaskSet, n: number, tg: string) {
  let seen: unknown;
  await waitFor(`${set.id} running ${n}`, async () => {
    const now = await setById(service, set.id!);
    const containers = await containersOf(set);
    const arns = await tasksOf(set);
    const tasks = arns.length ? (await ecs.send(new DescribeTasksCommand({ tasks: arns }))).tasks! : [];
    const ips = new Set(tasks.map((t) => t.attachments?.[0]?.details?.find((d) => d.name === "privateIPv4Address")?.value));
    const targets = (await registered(tg)).filter((t) => ips.has(t.Target!.Id));
    seen = { set: now, containers, tasks: tasks.map((t) => t.lastStatus), targets: targets.length };
    const steady = now?.runningCount === n && now.pendingCount === 0 && now.stabilityStatus === "STEADY_STATE";
    return steady && containers === n && arns.length === n && targets.length === n ? true : undefined;
  }, 90_000).catch((err: Error) => {
    throw new Error(`${err.message}; last seen ${JSON.stringify(seen)}`);
  });
}

test("task set operations refuse bad input with ECS's errors and change nothing", async () => {
  await ecs.send(new CreateServiceCommand({ serviceName: "rolling", taskDefinition: "blue", desiredCount: 0, launchType: "FARGATE", networkConfiguration: network }));
  await assert.rejects(ecs.send(new CreateTaskSetCommand({ cluster: "default", service: "rolling", taskDefinition: "blue", launchType: "FARGATE", networkConfiguration: network })),
    { name: "InvalidParameterException", message: "Amazon ECS only supports task set management on services configured to use external deployment controllers." });
  await assert.rejects(ecs.send(new DescribeTaskSetsCommand({ cluster: "default", service: "rolling" })), { name: "InvalidParameterException" });

  // ECS's own deployment strategies are not an external controller's; nor are service-level load balancers.
  await assert.rejects(ecs.send(new CreateServiceCommand({ serviceName: "ext-bg", desiredCount: 1, deploymentController: { type: "EXTERNAL" }, deploymentConfiguration: { strategy: "BLUE_GREEN" } })),
    { name: "InvalidParameterException", message: "The BLUE_GREEN deployment strategy is only supported with the ECS deployment controller." });
  await assert.rejects(ecs.send(new CreateServiceCommand({
    serviceName: "ext-lb", desiredCount: 1, deploymentController: { type: "EXTERNAL" },
    loadBalancers: [{ targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/x/0123456789abcdef", containerName: "web", containerPort: 8080 }],
  })), { name: "InvalidParameterException" });
  const none = await ecs.send(new DescribeServicesCommand({ services: ["ext-bg", "ext-lb"] }));
  assert.deepEqual(none.failures!.map((f) => f.reason), ["MISSING", "MISSING"]);

  await ecs.send(new CreateServiceCommand({ serviceName: "ext-bad", desiredCount: 1, deploymentController: { type: "EXTERNAL" } }));
  const base = { cluster: "default", service: "ext-bad", launchType: "FARGATE" as const, networkConfiguration: network };
  await assert.rejects(ecs.send(new CreateTaskSetCommand({ ...base, taskDefinition: "blue", scale: { value: 150, unit: "PERCENT" } })), { name: "InvalidParameterException" });
  await assert.rejects(ecs.send(new CreateTaskSetCommand({ ...base, taskDefinition: "nope" })), { name: "ClientException", message: "TaskDefinition not found." });
  await assert.rejects(ecs.send(new CreateTaskSetCommand({ ...base, taskDefinition: "blue", scale: { value: 10, unit: "TASKS" as never } })), {
    name: "InvalidParameterException",
    message: "1 validation error detected: Value 'TASKS' at 'scale.unit' failed to satisfy constraint: Member must satisfy enum value set: [PERCENT]",
  });
  await assert.rejects(ecs.send(new CreateTaskSetCommand({ ...base, service: "ghost", taskDefinition: "blue" })), { name: "ServiceNotFoundException" });
  for (const send of [
    () => ecs.send(new UpdateTaskSetCommand({ cluster: "default", service: "ext-bad", taskSet: "ecs-svc/1234567890123456789", scale: { value: 50, unit: "PERCENT" } })),
    () => ecs.send(new DeleteTaskSetCommand({ cluster: "default", service: "ext-bad", taskSet: "ecs-svc/1234567890123456789" })),
    () => ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: "default", service: "ext-bad", primaryTaskSet: "ecs-svc/1234567890123456789" })),
  ]) await assert.rejects(send(), { name: "TaskSetNotFoundException", message: "The specified task set does not exist." });
  await assert.rejects(ecs.send(new UpdateServiceCommand({ service: "ext-bad", taskDefinition: "green" })), { name: "InvalidParameterException" });

  const missing = await ecs.send(new DescribeTaskSetsCommand({ cluster: "default", service: "ext-bad", taskSets: ["ecs-svc/1234567890123456789"] }));
  assert.deepEqual(missing.taskSets, []);
  assert.deepEqual(missing.failures, [{ arn: "ecs-svc/1234567890123456789", reason: "MISSING" }]);
  assert.deepEqual(await describeSets("ext-bad"), []);
  assert.deepEqual((await ecs.send(new ListTasksCommand({ serviceName: "ext-bad" }))).taskArns, []);
  await ecs.send(new DeleteServiceCommand({ service: "ext-bad", force: true }));
  await ecs.send(new DeleteServiceCommand({ service: "rolling", force: true }));
});

test("an EXTERNAL service runs each task set's share in real containers, shifted by scale and primary, and drains a deleted set", async () => {
  const blueTg = await targetGroup("blue", 8101);
  const greenTg = await targetGroup("green", 8102);
  const created = await ecs.send(new CreateServiceCommand({ serviceName: "ext", desiredCount: 2, deploymentController: { type: "EXTERNAL" } }));
  assert.equal(created.service!.deploymentController!.type, "EXTERNAL");
  assert.deepEqual(created.service!.taskSets, []);
  assert.deepEqual(created.service!.deployments, []);

  const lb = (tg: string) => [{ targetGroupArn: tg, containerName: "web", containerPort: 8080 }];
  const blue = (await ecs.send(new CreateTaskSetCommand({
    cluster: "default", service: "ext", taskDefinition: "blue", launchType: "FARGATE", networkConfiguration: network, loadBalancers: lb(blueTg),
    scale: { value: 100, unit: "PERCENT" }, externalId: "blue-1", clientToken: "blue-token", tags: [{ key: "colour", value: "blue" }],
  }))).taskSet!;
  assert.match(blue.id!, /^ecs-svc\/\d{19}$/);
  assert.equal(blue.taskSetArn, `arn:aws:ecs:us-east-1:000000000000:task-set/default/ext/${blue.id}`.replace("000000000000", blue.taskSetArn!.split(":")[4]!));
  assert.equal(blue.status, "ACTIVE");
  assert.equal(blue.computedDesiredCount, 2);
  assert.equal(blue.externalId, "blue-1");
  assert.deepEqual(blue.scale, { value: 100, unit: "PERCENT" });
  // The same client token answers with the same task set and creates nothing more.
  const again = (await ecs.send(new CreateTaskSetCommand({
    cluster: "default", service: "ext", taskDefinition: "blue", launchType: "FARGATE", networkConfiguration: network, loadBalancers: lb(blueTg),
    scale: { value: 100, unit: "PERCENT" }, externalId: "blue-1", clientToken: "blue-token", tags: [{ key: "colour", value: "blue" }],
  }))).taskSet!;
  assert.equal(again.id, blue.id);

  const green = (await ecs.send(new CreateTaskSetCommand({
    cluster: "default", service: "ext", taskDefinition: "green", launchType: "FARGATE", networkConfiguration: network, loadBalancers: lb(greenTg), scale: { value: 0, unit: "PERCENT" },
  }))).taskSet!;
  assert.equal(green.computedDesiredCount, 0);
  const primary = (await ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: "default", service: "ext", primaryTaskSet: blue.taskSetArn }))).taskSet!;
  assert.equal(primary.status, "PRIMARY");

  await settles("ext", blue, 2, blueTg);
  await settles("ext", green, 0, greenTg);
  const tasks = (await ecs.send(new DescribeTasksCommand({ tasks: await tasksOf(blue) }))).tasks!;
  assert.ok(tasks.every((t) => t.startedBy === blue.id && t.group === "service:ext"), JSON.stringify(tasks.map((t) => [t.startedBy, t.group])));
  const described = (await ecs.send(new DescribeServicesCommand({ services: ["ext"] }))).services![0]!;
  assert.deepEqual(described.deployments, []);
  assert.deepEqual(described.taskSets!.map((s) => [s.id, s.status, s.computedDesiredCount, s.runningCount]), [[blue.id, "PRIMARY", 2, 2], [green.id, "ACTIVE", 0, 0]]);
  assert.equal(described.runningCount, 2);
  const tagged = (await ecs.send(new DescribeTaskSetsCommand({ cluster: "default", service: "ext", taskSets: [blue.id!], include: ["TAGS"] }))).taskSets![0]!;
  assert.deepEqual(tagged.tags, [{ key: "colour", value: "blue" }]);
  await ecs.send(new TagResourceCommand({ resourceArn: blue.taskSetArn, tags: [{ key: "stage", value: "prod" }] }));
  assert.deepEqual((await ecs.send(new ListTagsForResourceCommand({ resourceArn: blue.taskSetArn }))).tags, [{ key: "colour", value: "blue" }, { key: "stage", value: "prod" }]);
  await assert.rejects(ecs.send(new TagResourceCommand({ resourceArn: `${blue.taskSetArn!.slice(0, -3)}000`, tags: [{ key: "a", value: "b" }] })), { name: "ResourceNotFoundException" });

  // Green gets half (ceil(2 x 50%) = 1), then everything; then it becomes the primary task set.
  const half = (await ecs.send(new UpdateTaskSetCommand({ cluster: "default", service: "ext", taskSet: green.id, scale: { value: 50, unit: "PERCENT" } }))).taskSet!;
  assert.equal(half.computedDesiredCount, 1);
  await settles("ext", green, 1, greenTg);
  // The AWS CLI drives the same operations.
  const cliSet = await berth.aws("ecs", "update-task-set", "--cluster", "default", "--service", "ext", "--task-set", green.id!, "--scale", "value=100,unit=PERCENT");
  assert.equal(cliSet.taskSet.computedDesiredCount, 2);
  await settles("ext", green, 2, greenTg);
  await settles("ext", blue, 2, blueTg);
  const swapped = await berth.aws("ecs", "update-service-primary-task-set", "--cluster", "default", "--service", "ext", "--primary-task-set", green.id!);
  assert.equal(swapped.taskSet.status, "PRIMARY");
  const listed = await berth.aws("ecs", "describe-task-sets", "--cluster", "default", "--service", "ext");
  assert.deepEqual(listed.taskSets.map((s: TaskSet) => [s.id, s.status]).sort(), [[blue.id, "ACTIVE"], [green.id, "PRIMARY"]].sort());

  // Scaling the service recomputes every task set: ceil(3 x 100%) = 3 each.
  await ecs.send(new UpdateServiceCommand({ service: "ext", desiredCount: 3 }));
  await settles("ext", green, 3, greenTg);
  await settles("ext", blue, 3, blueTg);

  // Deleting a task set still scaled above 0 needs force; then it drains: deregistered, stopped, gone.
  await assert.rejects(ecs.send(new DeleteTaskSetCommand({ cluster: "default", service: "ext", taskSet: blue.id })), { name: "InvalidParameterException" });
  assert.equal((await setById("ext", blue.id!))?.status, "ACTIVE");
  const blueTasks = await tasksOf(blue);
  const deleted = (await ecs.send(new DeleteTaskSetCommand({ cluster: "default", service: "ext", taskSet: blue.taskSetArn, force: true }))).taskSet!;
  assert.equal(deleted.status, "DRAINING");
  assert.equal(deleted.computedDesiredCount, 0);
  await waitFor("blue task set gone", async () => ((await setById("ext", blue.id!)) === undefined ? true : undefined), 90_000);
  assert.equal(blueTasks.length, 3);
  assert.equal(await containersOfTasks(blueTasks), 0);
  const stopped = (await ecs.send(new DescribeTasksCommand({ tasks: blueTasks }))).tasks!;
  assert.ok(stopped.every((t) => t.lastStatus === "STOPPED"), JSON.stringify(stopped.map((t) => t.lastStatus)));
  assert.deepEqual(await registered(blueTg), []);
  await settles("ext", green, 3, greenTg);

  const greenTasks = await tasksOf(green);
  await ecs.send(new DeleteServiceCommand({ service: "ext", force: true }));
  await waitFor("ext inactive", async () => ((await ecs.send(new DescribeServicesCommand({ services: ["ext"] }))).services![0]!.status === "INACTIVE" ? true : undefined), 90_000);
  assert.equal(await containersOfTasks(greenTasks), 0);
});

test("a CODE_DEPLOY service starts with one PRIMARY task set that runs its tasks", async () => {
  const tg = await targetGroup("cd", 8103);
  const svc = (await ecs.send(new CreateServiceCommand({
    serviceName: "cd", taskDefinition: "blue", desiredCount: 1, launchType: "FARGATE", networkConfiguration: network, deploymentController: { type: "CODE_DEPLOY" },
    loadBalancers: [{ targetGroupArn: tg, containerName: "web", containerPort: 8080 }],
  }))).service!;
  assert.deepEqual(svc.deployments, []);
  assert.equal(svc.taskSets!.length, 1);
  const set = svc.taskSets![0]!;
  assert.deepEqual([set.status, set.startedBy, set.computedDesiredCount], ["PRIMARY", "CODE_DEPLOY", 1]);
  await settles("cd", set, 1, tg);
  // Task sets of a CODE_DEPLOY service belong to CodeDeploy: the caller cannot manage them.
  await assert.rejects(ecs.send(new UpdateTaskSetCommand({ cluster: "default", service: "cd", taskSet: set.id, scale: { value: 0, unit: "PERCENT" } })),
    { name: "InvalidParameterException", message: "Amazon ECS only supports task set management on services configured to use external deployment controllers." });
  await ecs.send(new DeleteServiceCommand({ service: "cd", force: true }));
  await waitFor("cd inactive", async () => ((await ecs.send(new DescribeServicesCommand({ services: ["cd"] }))).services![0]!.status === "INACTIVE" ? true : undefined), 90_000);
});
