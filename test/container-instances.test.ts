import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateClusterCommand, DeleteAttributesCommand, DeregisterContainerInstanceCommand, DescribeClustersCommand,
  DescribeContainerInstancesCommand, ListAttributesCommand, ListContainerInstancesCommand, ListTasksCommand, PutAttributesCommand,
  RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, UpdateContainerInstancesStateCommand,
  DeleteClusterCommand, type ContainerInstance, type ECSClient, type Resource,
} from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { httpGet, waitFor, waitForTask } from "./wait.js";

/**
 * Three small instances, so that running out of memory takes a few tasks. Instance 1 publishes on
 * 127.0.1.1, not the default 127.0.0.1: another test's load balancer may hold 127.0.0.1:80 (its
 * localhost front) while this file's port-80 tasks run.
 */
const ARGS = ["--instances", "3", "--instance-cpu", "1024", "--instance-memory", "512", "--host-ip", "127.0.1.1"];
const dataDir = mkdtempSync(join(tmpdir(), "berth-instances-"));
let berth: BerthProcess;
let ecs: ECSClient;
/** The virtual instances in registration order (instance 1, 2, 3). */
let arns: string[] = [];

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ARGS, dataDir });
  ecs = berth.ecs();
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "hog", networkMode: "bridge",
    containerDefinitions: [{ name: "s", image: TEST_IMAGE, cpu: 256, memory: 200, command: ["sleep", "600"], stopTimeout: 1 }],
  }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "cpu-hog", networkMode: "bridge", cpu: "2048", memory: "64",
    containerDefinitions: [{ name: "s", image: TEST_IMAGE, command: ["sleep", "600"], stopTimeout: 1 }],
  }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "web80", networkMode: "bridge",
    containerDefinitions: [{
      name: "web", image: TEST_IMAGE, memory: 64, stopTimeout: 1,
      // The page names the container (its hostname is the container id), so each address can be traced to its task.
      entryPoint: ["sh", "-c"], command: ["mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www"],
      portMappings: [{ containerPort: 80, hostPort: 80 }],
    }],
  }));
});
after(async () => {
  try {
    await berth.dispose();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const describe = async (refs = arns, cluster = "default") =>
  (await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: refs }))).containerInstances!;
const resource = (list: Resource[] | undefined, name: string) => list?.find((r) => r.name === name);
const attr = (i: ContainerInstance, name: string) => i.attributes?.find((a) => a.name === name)?.value;

/** Stops every task of the cluster and waits until all are STOPPED. */
async function stopAll(cluster = "default") {
  const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster }));
  for (const task of taskArns) await ecs.send(new StopTaskCommand({ cluster, task }));
  for (const task of taskArns) await waitForTask(ecs, cluster, task, "STOPPED");
}

async function runAll(taskDefinition: string, count: number, cluster = "default") {
  const out = await ecs.send(new RunTaskCommand({ cluster, taskDefinition, count }));
  const running = await Promise.all(out.tasks!.map((t) => waitForTask(ecs, cluster, t.taskArn!, "RUNNING")));
  return { running, failures: out.failures ?? [] };
}

test("berth up --instances 3 registers three instances in the cluster default, described as ECS describes them", async () => {
  const listed = await ecs.send(new ListContainerInstancesCommand({ cluster: "default" }));
  arns = listed.containerInstanceArns!;
  assert.equal(arns.length, 3);
  for (const arn of arns) assert.match(arn, /^arn:aws:ecs:us-east-1:000000000000:container-instance\/default\/[0-9a-f]{32}$/);

  const { containerInstances, failures } = await ecs.send(new DescribeContainerInstancesCommand({
    cluster: "default", containerInstances: [...arns, "0123456789abcdef0123456789abcdef"], include: ["TAGS", "CONTAINER_INSTANCE_HEALTH"],
  }));
  assert.deepEqual(failures, [{ arn: "arn:aws:ecs:us-east-1:000000000000:container-instance/default/0123456789abcdef0123456789abcdef", reason: "MISSING" }]);
  assert.deepEqual(containerInstances!.map((i) => i.containerInstanceArn), arns);
  for (const i of containerInstances!) {
    assert.equal(i.status, "ACTIVE");
    assert.equal(i.agentConnected, true);
    assert.match(i.ec2InstanceId ?? "", /^i-[0-9a-f]{17}$/);
    assert.equal(i.runningTasksCount, 0);
    assert.equal(i.pendingTasksCount, 0);
    assert.ok(i.registeredAt instanceof Date);
    assert.equal(i.capacityProviderName, undefined);
    assert.deepEqual(i.tags, []);
    assert.equal(i.healthStatus?.overallStatus, "OK");
    assert.match(i.versionInfo?.agentVersion ?? "", /^\d+\.\d+\.\d+$/);
    assert.match(i.versionInfo?.dockerVersion ?? "", /^DockerVersion: \d+/);
    assert.deepEqual(resource(i.registeredResources, "CPU"), { name: "CPU", type: "INTEGER", doubleValue: 0, longValue: 0, integerValue: 1024 });
    assert.equal(resource(i.registeredResources, "MEMORY")?.integerValue, 512);
    assert.deepEqual(resource(i.registeredResources, "PORTS")?.stringSetValue, ["22", "2375", "2376", "51678", "51679"]);
    assert.deepEqual(resource(i.registeredResources, "PORTS_UDP")?.stringSetValue, []);
    assert.deepEqual(i.remainingResources, i.registeredResources, "nothing runs yet");
    assert.equal(attr(i, "ecs.instance-type"), "t3.large");
    assert.equal(attr(i, "ecs.os-type"), "linux");
    assert.match(attr(i, "ecs.cpu-architecture") ?? "", /^(x86_64|arm64)$/);
    assert.match(attr(i, "ecs.ami-id") ?? "", /^ami-[0-9a-f]{17}$/);
    assert.ok(i.attributes?.some((a) => a.name === "ecs.capability.task-eni" && a.value === undefined), "capabilities carry no value");
    assert.ok(i.attributes?.some((a) => a.name === "com.amazonaws.ecs.capability.docker-remote-api.1.24"));
  }
  assert.deepEqual(containerInstances!.map((i) => attr(i, "ecs.availability-zone")), ["us-east-1a", "us-east-1b", "us-east-1c"], "zones round-robin");

  const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: ["default"] }));
  assert.equal(clusters?.[0]?.registeredContainerInstancesCount, 3);
  await assert.rejects(ecs.send(new DeleteClusterCommand({ cluster: "default" })), (e: Error) => e.name === "ClusterContainsContainerInstancesException");

  // Paging, status and the cluster query language.
  const first = await ecs.send(new ListContainerInstancesCommand({ cluster: "default", maxResults: 2 }));
  const rest = await ecs.send(new ListContainerInstancesCommand({ cluster: "default", maxResults: 2, nextToken: first.nextToken }));
  assert.deepEqual([...first.containerInstanceArns!, ...rest.containerInstanceArns!], arns);
  assert.equal(rest.nextToken, undefined);
  assert.deepEqual((await ecs.send(new ListContainerInstancesCommand({ cluster: "default", status: "DRAINING" }))).containerInstanceArns, []);
  const inB = await ecs.send(new ListContainerInstancesCommand({ cluster: "default", filter: "attribute:ecs.availability-zone == us-east-1b" }));
  assert.deepEqual(inB.containerInstanceArns, [arns[1]]);
  await assert.rejects(ecs.send(new ListContainerInstancesCommand({ cluster: "default", filter: "attribute:ecs.availability-zone ==" })), (e: Error) => e.name === "InvalidParameterException");

  // The AWS CLI sees the same.
  const cli = await berth.aws("ecs", "describe-container-instances", "--cluster", "default", "--container-instances", arns[0]!);
  assert.equal(cli.containerInstances[0].containerInstanceArn, arns[0]);
  assert.equal(cli.containerInstances[0].remainingResources.find((r: Resource) => r.name === "MEMORY").integerValue, 512);
  assert.equal(typeof cli.containerInstances[0].registeredAt, "string");
});

test("PutAttributes, ListAttributes and DeleteAttributes on container instances", async () => {
  const id = arns[1]!.split("/").pop()!;
  const put = await ecs.send(new PutAttributesCommand({
    cluster: "default",
    attributes: [{ name: "stack", value: "prod", targetId: arns[0] }, { name: "stack", value: "test", targetId: id, targetType: "container-instance" }],
  }));
  assert.deepEqual(put.attributes, [
    { name: "stack", value: "prod", targetType: "container-instance", targetId: arns[0] },
    { name: "stack", value: "test", targetType: "container-instance", targetId: arns[1] },
  ]);
  await berth.aws("ecs", "put-attributes", "--cluster", "default", "--attributes", JSON.stringify([{ name: "gpu", targetId: arns[2] }]));

  const stacks = await ecs.send(new ListAttributesCommand({ cluster: "default", targetType: "container-instance", attributeName: "stack" }));
  assert.deepEqual(stacks.attributes?.map((a) => [a.targetId, a.value]), [[arns[0], "prod"], [arns[1], "test"]]);
  const prod = await ecs.send(new ListAttributesCommand({ cluster: "default", targetType: "container-instance", attributeName: "stack", attributeValue: "prod" }));
  assert.deepEqual(prod.attributes?.map((a) => a.targetId), [arns[0]]);
  const linux = await ecs.send(new ListAttributesCommand({ cluster: "default", targetType: "container-instance", attributeName: "ecs.os-type", attributeValue: "linux" }));
  assert.equal(linux.attributes?.length, 3);
  const paged = await ecs.send(new ListAttributesCommand({ cluster: "default", targetType: "container-instance", maxResults: 5 }));
  assert.equal(paged.attributes?.length, 5);
  assert.ok(paged.nextToken);
  const [withGpu] = await describe([arns[2]!]);
  assert.ok(withGpu!.attributes?.some((a) => a.name === "gpu" && a.value === undefined));
  const filtered = await ecs.send(new ListContainerInstancesCommand({ cluster: "default", filter: "attribute:stack exists" }));
  assert.deepEqual(filtered.containerInstanceArns, [arns[0], arns[1]]);

  await ecs.send(new DeleteAttributesCommand({ cluster: "default", attributes: [{ name: "stack", targetId: arns[1] }, { name: "gpu", targetId: arns[2] }] }));
  const after = await ecs.send(new ListAttributesCommand({ cluster: "default", targetType: "container-instance", attributeName: "stack" }));
  assert.deepEqual(after.attributes?.map((a) => a.targetId), [arns[0]]);

  // What ECS refuses, and nothing changes.
  const eleven = Array.from({ length: 10 }, (_, i) => ({ name: `k${i}`, value: "v", targetId: arns[0] }));
  await assert.rejects(ecs.send(new PutAttributesCommand({ cluster: "default", attributes: eleven })), (e: Error) => e.name === "AttributeLimitExceededException");
  await assert.rejects(
    ecs.send(new PutAttributesCommand({ cluster: "default", attributes: [{ name: "x", value: "y", targetId: "0123456789abcdef0123456789abcdef", targetType: "container-instance" }] })),
    (e: Error) => e.name === "TargetNotFoundException",
  );
  await assert.rejects(ecs.send(new PutAttributesCommand({ cluster: "default", attributes: [{ name: "bad name!", targetId: arns[0] }] })), (e: Error) => e.name === "InvalidParameterException");
  await assert.rejects(ecs.send(new PutAttributesCommand({ cluster: "default", attributes: [{ name: "ecs.os-type", value: "windows", targetId: arns[0] }] })), (e: Error) => e.name === "InvalidParameterException");
  await assert.rejects(ecs.send(new ListAttributesCommand({ cluster: "default", targetType: "container-instance", attributeValue: "prod" })), (e: Error) => e.name === "InvalidParameterException");
  const [unchanged] = await describe([arns[0]!]);
  assert.deepEqual(unchanged!.attributes?.filter((a) => !a.name!.startsWith("ecs.") && !a.name!.startsWith("com.amazonaws.")), [{ name: "stack", value: "prod" }]);
  assert.equal(attr(unchanged!, "ecs.os-type"), "linux");
  await ecs.send(new DeleteAttributesCommand({ cluster: "default", attributes: [{ name: "stack", targetId: arns[0] }] }));
});

test("EC2 tasks are placed on instances until memory runs out, then RunTask answers failures[]", async () => {
  // 512 MiB per instance and 200 MiB per task: two tasks on each of the three instances.
  const { running, failures } = await runAll("hog", 6);
  assert.deepEqual(failures, []);
  const byInstance = new Map<string, number>();
  for (const t of running) byInstance.set(t.containerInstanceArn!, (byInstance.get(t.containerInstanceArn!) ?? 0) + 1);
  assert.deepEqual([...byInstance.entries()].sort(), arns.map((a) => [a, 2]).sort());
  const described = await describe();
  for (const t of running) {
    const host = described.find((i) => i.containerInstanceArn === t.containerInstanceArn)!;
    assert.equal(t.availabilityZone, attr(host, "ecs.availability-zone"), "the task runs in its instance's zone");
  }
  for (const i of described) {
    assert.equal(i.runningTasksCount, 2);
    assert.equal(i.pendingTasksCount, 0);
    assert.equal(resource(i.remainingResources, "CPU")?.integerValue, 1024 - 2 * 256);
    assert.equal(resource(i.remainingResources, "MEMORY")?.integerValue, 512 - 2 * 200);
  }
  const onFirst = await ecs.send(new ListTasksCommand({ cluster: "default", containerInstance: arns[0] }));
  assert.deepEqual(onFirst.taskArns?.sort(), running.filter((t) => t.containerInstanceArn === arns[0]).map((t) => t.taskArn).sort());

  const full = await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "hog" }));
  assert.deepEqual(full.tasks, []);
  assert.deepEqual(full.failures, arns.map((arn) => ({ arn, reason: "RESOURCE:MEMORY" })));
  const tooBig = await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "cpu-hog" }));
  assert.deepEqual(tooBig.failures, arns.map((arn) => ({ arn, reason: "RESOURCE:CPU" })));
  // With the AWS CLI too.
  const cli = await berth.aws("ecs", "run-task", "--cluster", "default", "--task-definition", "hog", "--launch-type", "EC2");
  assert.deepEqual(cli.tasks, []);
  assert.equal(cli.failures[0].reason, "RESOURCE:MEMORY");

  await stopAll();
  for (const i of await describe()) {
    assert.equal(i.runningTasksCount, 0);
    assert.deepEqual(i.remainingResources, i.registeredResources, "a STOPPED task holds nothing");
  }
});

test("a DRAINING instance gets no new tasks", async () => {
  const { containerInstances } = await ecs.send(new UpdateContainerInstancesStateCommand({ cluster: "default", containerInstances: [arns[0]!], status: "DRAINING" }));
  assert.equal(containerInstances?.[0]?.status, "DRAINING");
  assert.deepEqual((await ecs.send(new ListContainerInstancesCommand({ cluster: "default", status: "DRAINING" }))).containerInstanceArns, [arns[0]]);

  const { running, failures } = await runAll("hog", 4);
  assert.deepEqual(failures, []);
  assert.ok(running.every((t) => t.containerInstanceArn !== arns[0]), "nothing lands on the draining instance");
  const more = await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "hog" }));
  assert.deepEqual(more.failures, [{ arn: arns[0], reason: "DRAINING" }, { arn: arns[1], reason: "RESOURCE:MEMORY" }, { arn: arns[2], reason: "RESOURCE:MEMORY" }]);
  await assert.rejects(
    ecs.send(new UpdateContainerInstancesStateCommand({ cluster: "default", containerInstances: [arns[0]!], status: "REGISTERING" })),
    (e: Error) => e.name === "InvalidParameterException",
  );

  await ecs.send(new UpdateContainerInstancesStateCommand({ cluster: "default", containerInstances: [arns[0]!], status: "ACTIVE" }));
  const back = await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "hog" }));
  assert.equal(back.tasks?.[0]?.containerInstanceArn, arns[0], "an ACTIVE instance takes tasks again");
  await stopAll();
});

test("two tasks with static host port 80 run on two instances and answer on their instance addresses", async () => {
  // Instance 1 publishes on hostIp (127.0.1.1 here); instances 2 and 3 on 127.0.1.2 and 127.0.1.3.
  const { running, failures } = await runAll("web80", 3);
  assert.deepEqual(failures, []);
  assert.deepEqual(running.map((t) => t.containerInstanceArn).sort(), [...arns].sort(), "port 80 is taken on each instance in turn");
  const addresses = ["127.0.1.1", "127.0.1.2", "127.0.1.3"];
  for (const t of running) {
    const i = arns.indexOf(t.containerInstanceArn!);
    const binding = t.containers?.[0]?.networkBindings?.[0];
    assert.deepEqual(binding, { bindIP: addresses[i], containerPort: 80, hostPort: 80, protocol: "tcp" });
    const page = await waitFor(`web on ${addresses[i]}`, () => httpGet(`http://${addresses[i]}:80/`));
    assert.equal(page.status, 200);
    assert.equal(page.body.trim(), t.containers![0]!.runtimeId!.slice(0, 12), "each address answers with its own task");
  }
  const [first] = await describe([arns[0]!]);
  assert.deepEqual(resource(first!.remainingResources, "PORTS")?.stringSetValue, ["22", "2375", "2376", "51678", "51679", "80"]);
  const fourth = await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "web80" }));
  assert.deepEqual(fourth.failures, arns.map((arn) => ({ arn, reason: "RESOURCE:PORTS" })));
  await stopAll();
});

test("deregistering an instance is refused while tasks run, and allowed with force", async () => {
  // An instance registered through the API, as the ECS agent registers one, in its own cluster.
  await ecs.send(new CreateClusterCommand({ clusterName: "solo" }));
  await assert.rejects(ecs.send(new RunTaskCommand({ cluster: "solo", taskDefinition: "hog" })), (e: Error) => e.name === "InvalidParameterException" && /No Container Instances/.test(e.message));
  const registered = await berth.aws("ecs", "register-container-instance", "--cluster", "solo",
    "--instance-identity-document", JSON.stringify({ instanceId: "i-0abc1234def567890", availabilityZone: "us-east-1c", instanceType: "m5.large", privateIp: "127.0.1.77" }),
    "--tags", "key=team,value=core");
  const solo = registered.containerInstance;
  assert.equal(solo.ec2InstanceId, "i-0abc1234def567890");
  assert.deepEqual(solo.tags, [{ key: "team", value: "core" }]);
  assert.ok(solo.attributes.some((a: { name: string; value?: string }) => a.name === "ecs.instance-type" && a.value === "m5.large"));
  // Registering the same EC2 instance again is the same container instance.
  const again = await ecs.send(new RegisterContainerInstanceCommand({ cluster: "solo", instanceIdentityDocument: JSON.stringify({ instanceId: "i-0abc1234def567890", privateIp: "127.0.1.77" }) }));
  assert.equal(again.containerInstance?.containerInstanceArn, solo.containerInstanceArn);

  const { running } = await runAll("hog", 1, "solo");
  assert.equal(running[0]!.containerInstanceArn, solo.containerInstanceArn);
  assert.equal(running[0]!.availabilityZone, "us-east-1c");
  await assert.rejects(
    ecs.send(new DeregisterContainerInstanceCommand({ cluster: "solo", containerInstance: solo.containerInstanceArn })),
    (e: Error) => e.name === "InvalidParameterException" && e.message === "Found running tasks on the instance.",
  );
  const { containerInstance } = await ecs.send(new DeregisterContainerInstanceCommand({ cluster: "solo", containerInstance: solo.containerInstanceArn, force: true }));
  assert.equal(containerInstance?.status, "INACTIVE");
  assert.deepEqual((await ecs.send(new ListContainerInstancesCommand({ cluster: "solo" }))).containerInstanceArns, []);
  assert.equal((await describe([solo.containerInstanceArn], "solo"))[0]?.status, "INACTIVE");
  assert.equal((await ecs.send(new DescribeClustersCommand({ clusters: ["solo"] }))).clusters?.[0]?.registeredContainerInstancesCount, 0);
  // The orphaned task keeps running and can still be stopped.
  await stopAll("solo");
  await ecs.send(new DeleteClusterCommand({ cluster: "solo" }));
});

test("an identity document with a VPC private address: recorded and shown, the ports published on Berth's address", async () => {
  await ecs.send(new CreateClusterCommand({ clusterName: "vpc" }));
  const registered = await berth.aws("ecs", "register-container-instance", "--cluster", "vpc",
    "--instance-identity-document", JSON.stringify({ instanceId: "i-0fedcba9876543210", availabilityZone: "us-east-1a", privateIp: "10.0.1.5", region: "us-east-1" }));
  const instance = registered.containerInstance as ContainerInstance;
  assert.equal(attr(instance, "berth.private-ip"), "10.0.1.5");
  // Berth's attribute, like ECS's own, cannot be removed or set by hand.
  await assert.rejects(ecs.send(new DeleteAttributesCommand({ cluster: "vpc", attributes: [{ name: "berth.private-ip", targetId: instance.containerInstanceArn }] })),
    (e: Error) => e.name === "InvalidParameterException");
  // Registering again without the address keeps it, as an EC2 instance keeps its own.
  const again = await ecs.send(new RegisterContainerInstanceCommand({ cluster: "vpc", instanceIdentityDocument: JSON.stringify({ instanceId: "i-0fedcba9876543210" }) }));
  assert.equal(again.containerInstance?.containerInstanceArn, instance.containerInstanceArn);
  assert.equal(attr(again.containerInstance!, "berth.private-ip"), "10.0.1.5");

  // 10.0.1.5 is not on this machine: the task's port is published on hostIp, where it answers.
  const { running: [task] } = await runAll("web80", 1, "vpc");
  assert.equal(task!.containerInstanceArn, instance.containerInstanceArn);
  assert.deepEqual(task!.containers![0]!.networkBindings?.map((b) => [b.bindIP, b.hostPort]), [["127.0.1.1", 80]]);
  const page = await waitFor("the task's page", () => httpGet("http://127.0.1.1:80/"));
  assert.equal(page.body.trim(), task!.containers![0]!.runtimeId!.slice(0, 12));
  await stopAll("vpc");
  await ecs.send(new DeregisterContainerInstanceCommand({ cluster: "vpc", containerInstance: instance.containerInstanceArn, force: true }));
  await ecs.send(new DeleteClusterCommand({ cluster: "vpc" }));
});

test("a restart keeps the same instances: same ARNs and EC2 ids, no duplicates", async () => {
  const before = await describe();
  await berth.stop();
  berth = await BerthProcess.start({ args: ARGS, dataDir });
  ecs = berth.ecs();
  const { containerInstanceArns } = await ecs.send(new ListContainerInstancesCommand({ cluster: "default" }));
  assert.deepEqual(containerInstanceArns, arns);
  const after = await describe();
  assert.deepEqual(after.map((i) => [i.ec2InstanceId, i.registeredAt?.getTime(), attr(i, "ecs.availability-zone"), i.agentConnected]),
    before.map((i) => [i.ec2InstanceId, i.registeredAt?.getTime(), attr(i, "ecs.availability-zone"), true]));
  assert.equal((await ecs.send(new DescribeClustersCommand({ clusters: ["default"] }))).clusters?.[0]?.registeredContainerInstancesCount, 3);
  // And the instances still place tasks.
  const { running } = await runAll("hog", 1);
  assert.ok(arns.includes(running[0]!.containerInstanceArn!));
  await stopAll();
});
