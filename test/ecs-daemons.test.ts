import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  CreateCapacityProviderCommand, CreateClusterCommand, DeregisterContainerInstanceCommand, CreateDaemonCommand, DeleteDaemonCommand, DeleteDaemonTaskDefinitionCommand,
  DescribeDaemonCommand, DescribeDaemonDeploymentsCommand, DescribeDaemonRevisionsCommand, DescribeDaemonTaskDefinitionCommand,
  DescribeTasksCommand, ListDaemonDeploymentsCommand, ListDaemonsCommand, ListDaemonTaskDefinitionsCommand, PutClusterCapacityProvidersCommand,
  RegisterContainerInstanceCommand, RegisterDaemonTaskDefinitionCommand, StopTaskCommand, UpdateDaemonCommand, TagResourceCommand, ListTagsForResourceCommand, type ECSClient,
} from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const run = promisify(execFile);
const CLUSTER = "daemons";
const ASG_ARN = "arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:5b1c6d0e-1111-2222-3333-444455556666:autoScalingGroupName/daemon-pool";

let berth: BerthProcess;
let ecs: ECSClient;
let providerArn: string;
const instances: string[] = [];

const isError = (name: string, message?: RegExp) => (err: unknown) => {
  assert.equal((err as Error).name, name);
  if (message) assert.match((err as Error).message, message);
  return true;
};

/** The running containers of this Berth, each as the task it belongs to, and which of them it runs. */
async function runningContainers(): Promise<Array<{ taskArn: string; image: string; command: string }>> {
  const { stdout } = await run("docker", ["ps", "--no-trunc", "--filter", `label=berth.instance=${berth.berthId}`, "--format", '{{.Label "berth.task-arn"}}\t{{.Image}}\t{{.Command}}']);
  return stdout.trim().split("\n").filter(Boolean).map((l) => {
    const [taskArn, image, command] = l.split("\t");
    return { taskArn: taskArn!, image: image!, command: command! };
  });
}

async function registerDefinition(message: string): Promise<string> {
  const { daemonTaskDefinitionArn } = await ecs.send(new RegisterDaemonTaskDefinitionCommand({
    family: "node-agent",
    memory: "64",
    containerDefinitions: [{ name: "agent", image: TEST_IMAGE, memory: 32, stopTimeout: 1, entryPoint: ["sh", "-c"], command: [`echo ${message}; sleep 3600`] }],
  }));
  return daemonTaskDefinitionArn!;
}

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start();
  ecs = berth.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  providerArn = (await ecs.send(new CreateCapacityProviderCommand({ name: "daemon-pool", autoScalingGroupProvider: { autoScalingGroupArn: ASG_ARN } }))).capacityProvider!.capacityProviderArn!;
  await ecs.send(new PutClusterCapacityProvidersCommand({ cluster: CLUSTER, capacityProviders: ["daemon-pool"], defaultCapacityProviderStrategy: [] }));
  for (let i = 0; i < 2; i++) instances.push((await ecs.send(new RegisterContainerInstanceCommand({ cluster: CLUSTER }))).containerInstance!.containerInstanceArn!);
});

after(async () => {
  await berth.dispose();
});

test("daemon task definitions: registered in revisions, described, listed and deleted; bad input is refused", async () => {
  const first = await registerDefinition("one");
  const second = await registerDefinition("two");
  assert.match(first, /:daemon-task-definition\/node-agent:\d+$/);
  assert.equal(Number(second.split(":").pop()), Number(first.split(":").pop()) + 1);

  const { daemonTaskDefinition } = await ecs.send(new DescribeDaemonTaskDefinitionCommand({ daemonTaskDefinition: "node-agent" }));
  assert.equal(daemonTaskDefinition!.daemonTaskDefinitionArn, second);
  assert.equal(daemonTaskDefinition!.status, "ACTIVE");
  assert.equal(daemonTaskDefinition!.containerDefinitions![0]!.image, TEST_IMAGE);
  assert.ok(daemonTaskDefinition!.registeredAt instanceof Date);

  const latest = await ecs.send(new ListDaemonTaskDefinitionsCommand({ familyPrefix: "node-", revision: "LAST_REGISTERED" }));
  assert.deepEqual(latest.daemonTaskDefinitions!.map((d) => d.arn), [second]);

  const extra = await registerDefinition("three");
  assert.equal((await ecs.send(new DeleteDaemonTaskDefinitionCommand({ daemonTaskDefinition: extra }))).daemonTaskDefinitionArn, extra);
  const active = await ecs.send(new ListDaemonTaskDefinitionsCommand({ family: "node-agent" }));
  assert.deepEqual(active.daemonTaskDefinitions!.map((d) => d.arn), [first, second]);
  const descending = await ecs.send(new ListDaemonTaskDefinitionsCommand({ family: "node-agent", sort: "DESC" }));
  assert.deepEqual(descending.daemonTaskDefinitions!.map((d) => d.arn), [second, first]);
  const deleting = await ecs.send(new ListDaemonTaskDefinitionsCommand({ family: "node-agent", status: "DELETE_IN_PROGRESS" }));
  assert.deepEqual(deleting.daemonTaskDefinitions!.map((d) => [d.arn, d.status]), [[extra, "DELETE_IN_PROGRESS"]]);

  await assert.rejects(ecs.send(new RegisterDaemonTaskDefinitionCommand({ family: "bad family!", containerDefinitions: [{ name: "a", image: TEST_IMAGE }] })), isError("ClientException", /Family contains invalid characters/));
  await assert.rejects(ecs.send(new RegisterDaemonTaskDefinitionCommand({ family: "empty", containerDefinitions: [] })), isError("ClientException", /Container list cannot be empty/));
  await assert.rejects(ecs.send(new DescribeDaemonTaskDefinitionCommand({ daemonTaskDefinition: "nothing-here" })), isError("ClientException"));
  await assert.rejects(ecs.send(new DeleteDaemonTaskDefinitionCommand({ daemonTaskDefinition: "node-agent" })), isError("ClientException"));
  assert.deepEqual((await ecs.send(new ListDaemonTaskDefinitionsCommand({ family: "empty", status: "ALL" }))).daemonTaskDefinitions, []);
});

test("a daemon runs one task on each instance, is replaced task by task on update with its deployments and revisions, and stops on delete", async () => {
  const v1 = await registerDefinition("version-one");
  const v2 = await registerDefinition("version-two");

  // Bad input changes nothing.
  await assert.rejects(ecs.send(new CreateDaemonCommand({ daemonName: "agent", clusterArn: "nowhere", daemonTaskDefinitionArn: v1, capacityProviderArns: [providerArn] })), isError("ClusterNotFoundException"));
  await assert.rejects(ecs.send(new CreateDaemonCommand({ daemonName: "agent", clusterArn: CLUSTER, daemonTaskDefinitionArn: v1, capacityProviderArns: ["FARGATE"] })), isError("InvalidParameterException"));
  await assert.rejects(ecs.send(new CreateDaemonCommand({ daemonName: "agent", clusterArn: CLUSTER, daemonTaskDefinitionArn: "node-agent:999", capacityProviderArns: [providerArn] })), isError("ClientException"));
  await assert.rejects(ecs.send(new CreateDaemonCommand({ daemonName: "bad name", clusterArn: CLUSTER, daemonTaskDefinitionArn: v1, capacityProviderArns: [providerArn] })), isError("InvalidParameterException"));
  assert.deepEqual((await ecs.send(new ListDaemonsCommand({ clusterArn: CLUSTER }))).daemonSummariesList, []);
  await assert.rejects(ecs.send(new ListDaemonsCommand({ clusterArn: "nowhere" })), isError("ClusterNotFoundException"));
  await assert.rejects(ecs.send(new DescribeDaemonCommand({ daemonArn: "arn:aws:ecs:us-east-1:000000000000:daemon/daemons/none" })), isError("DaemonNotFoundException"));
  await assert.rejects(ecs.send(new DescribeDaemonCommand({ daemonArn: "not-an-arn" })), isError("DaemonNotFoundException"));

  const request = { daemonName: "agent", clusterArn: CLUSTER, daemonTaskDefinitionArn: v1, capacityProviderArns: [providerArn], tags: [{ key: "team", value: "ops" }], clientToken: "create-agent-1" };
  const created = await ecs.send(new CreateDaemonCommand(request));
  assert.equal(created.status, "ACTIVE");
  // The same clientToken: the same answer, no second daemon; with other parameters: a conflict.
  const again = await ecs.send(new CreateDaemonCommand(request));
  assert.deepEqual([again.daemonArn, again.deploymentArn, again.createdAt!.getTime()], [created.daemonArn, created.deploymentArn, created.createdAt!.getTime()]);
  await assert.rejects(ecs.send(new CreateDaemonCommand({ ...request, daemonTaskDefinitionArn: v2 })), isError("ConflictException"));
  const daemonArn = created.daemonArn!;
  await assert.rejects(ecs.send(new CreateDaemonCommand({ daemonName: "agent", clusterArn: CLUSTER, daemonTaskDefinitionArn: v1, capacityProviderArns: [providerArn] })), isError("InvalidParameterException"));
  assert.deepEqual((await ecs.send(new ListDaemonsCommand({ clusterArn: CLUSTER }))).daemonSummariesList!.map((d) => d.daemonArn), [daemonArn]);
  await ecs.send(new TagResourceCommand({ resourceArn: daemonArn, tags: [{ key: "tier", value: "node" }] }));
  assert.deepEqual((await ecs.send(new ListTagsForResourceCommand({ resourceArn: daemonArn }))).tags, [{ key: "team", value: "ops" }, { key: "tier", value: "node" }]);

  // One running container per instance, each of a task on a different instance.
  const firstTasks = await waitFor("one daemon container per instance", async () => {
    const containers = (await runningContainers()).filter((c) => c.command.includes("version-one"));
    return containers.length === 2 ? containers.map((c) => c.taskArn) : undefined;
  });
  const described = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: firstTasks }));
  assert.deepEqual(described.tasks!.map((t) => t.containerInstanceArn).sort(), [...instances].sort());
  assert.ok(described.tasks!.every((t) => t.taskDefinitionArn === v1 && t.group === "daemon:agent"));

  const firstDeployment = await waitFor("the create deployment succeeds", async () => {
    const d = (await ecs.send(new DescribeDaemonDeploymentsCommand({ daemonDeploymentArns: [created.deploymentArn!] }))).daemonDeployments![0]!;
    return d.status === "SUCCESSFUL" ? d : undefined;
  });
  assert.equal(firstDeployment.targetDaemonRevision!.totalRunningInstanceCount, 2);
  const daemon = (await ecs.send(new DescribeDaemonCommand({ daemonArn }))).daemon!;
  assert.equal(daemon.currentRevisions!.length, 1);
  assert.equal(daemon.currentRevisions![0]!.totalRunningCount, 2);
  assert.deepEqual(daemon.currentRevisions![0]!.capacityProviders, [{ arn: providerArn, runningCount: 2 }]);
  const firstRevision = daemon.currentRevisions![0]!.arn!;

  // An update replaces both tasks with tasks of the new revision.
  const updated = await ecs.send(new UpdateDaemonCommand({ daemonArn, daemonTaskDefinitionArn: v2, capacityProviderArns: [providerArn], propagateTags: "DAEMON", deploymentConfiguration: { drainPercent: 50 } }));
  assert.notEqual(updated.deploymentArn, created.deploymentArn);
  const secondTasks = await waitFor("the update's containers replace the first ones", async () => {
    const containers = await runningContainers();
    const olds = containers.filter((c) => c.command.includes("version-one"));
    const news = containers.filter((c) => c.command.includes("version-two"));
    return olds.length === 0 && news.length === 2 ? news.map((c) => c.taskArn) : undefined;
  });
  assert.ok(secondTasks.every((t) => !firstTasks.includes(t)));
  const replaced = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: firstTasks }));
  assert.ok(replaced.tasks!.every((t) => t.desiredStatus === "STOPPED"));
  const now = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: secondTasks, include: ["TAGS"] }));
  assert.deepEqual(now.tasks!.map((t) => t.containerInstanceArn).sort(), [...instances].sort());
  // drainPercent 50 of two instances: one at a time, the second replaced once the first new task ran.
  const [earlier, later] = [...now.tasks!].sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime());
  assert.ok(later!.createdAt!.getTime() >= earlier!.startedAt!.getTime(), "the second instance was drained only after the first one's new task started");
  // propagateTags DAEMON: the new revision's tasks carry the daemon's tags; the first ones did not.
  assert.ok(now.tasks!.every((t) => t.tags!.some((tag) => tag.key === "tier" && tag.value === "node")));
  assert.deepEqual((await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: firstTasks, include: ["TAGS"] }))).tasks!.map((t) => t.tags ?? []), [[], []]);

  const second = await waitFor("the update deployment succeeds", async () => {
    const d = (await ecs.send(new DescribeDaemonDeploymentsCommand({ daemonDeploymentArns: [updated.deploymentArn!, "arn:aws:ecs:us-east-1:000000000000:daemon-deployment/daemons/agent/missing"] })));
    return d.daemonDeployments![0]!.status === "SUCCESSFUL" ? d : undefined;
  });
  assert.deepEqual(second.failures!.map((f) => f.reason), ["MISSING"]);
  const deployment = second.daemonDeployments![0]!;
  assert.deepEqual(deployment.sourceDaemonRevisions!.map((r) => r.arn), [firstRevision]);
  assert.equal(deployment.sourceDaemonRevisions![0]!.totalRunningInstanceCount, 0);
  const secondRevision = deployment.targetDaemonRevision!.arn!;
  assert.equal(deployment.deploymentConfiguration!.drainPercent, 50);
  assert.ok(deployment.finishedAt! >= deployment.startedAt!);
  assert.equal(deployment.targetDaemonRevision!.totalRunningInstanceCount, 2);

  const listed = await ecs.send(new ListDaemonDeploymentsCommand({ daemonArn }));
  assert.deepEqual(listed.daemonDeployments!.map((d) => [d.daemonDeploymentArn, d.status, d.targetDaemonRevisionArn]), [
    [updated.deploymentArn, "SUCCESSFUL", secondRevision],
    [created.deploymentArn, "SUCCESSFUL", firstRevision],
  ]);
  const revisions = await ecs.send(new DescribeDaemonRevisionsCommand({ daemonRevisionArns: [firstRevision, secondRevision] }));
  assert.deepEqual(revisions.daemonRevisions!.map((r) => [r.daemonTaskDefinitionArn, r.propagateTags]), [[v1, "NONE"], [v2, "DAEMON"]]);
  assert.deepEqual(revisions.daemonRevisions![1]!.containerImages, [{ containerName: "agent", image: TEST_IMAGE }]);

  // A third instance gets its task too.
  const third = (await ecs.send(new RegisterContainerInstanceCommand({ cluster: CLUSTER }))).containerInstance!.containerInstanceArn!;
  const onThird = await waitFor("the new instance runs the daemon", async () => {
    const arns = (await runningContainers()).filter((c) => c.command.includes("version-two")).map((c) => c.taskArn);
    if (arns.length !== 3) return undefined;
    return (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns }))).tasks!.find((t) => t.containerInstanceArn === third);
  });
  assert.equal(onThird.taskDefinitionArn, v2);
  // An instance that leaves has its daemon task stopped; the others keep theirs.
  await ecs.send(new DeregisterContainerInstanceCommand({ cluster: CLUSTER, containerInstance: third, force: true }));
  await waitFor("the departed instance's daemon task stops", async () => {
    const t = (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [onThird.taskArn!] }))).tasks![0]!;
    return t.lastStatus === "STOPPED" ? t : undefined;
  });
  assert.equal((await ecs.send(new DescribeDaemonCommand({ daemonArn }))).daemon!.currentRevisions![0]!.totalRunningCount, 2);

  // A daemon task that stops is started again on its instance (after a pause).
  const victim = now.tasks![0]!;
  await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: victim.taskArn!, reason: "testing the daemon" }));
  const successor = await waitFor("a new daemon task on the stopped task's instance", async () => {
    const arns = (await runningContainers()).map((c) => c.taskArn).filter((a) => a !== victim.taskArn);
    if (arns.length === 0) return undefined;
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns }))).tasks!;
    return tasks.find((t) => t.containerInstanceArn === victim.containerInstanceArn && t.lastStatus === "RUNNING");
  });
  assert.equal(successor.taskDefinitionArn, v2);
  assert.equal((await runningContainers()).length, 2);

  // Deleting stops every task and, once they have stopped, the daemon is gone.
  const deleted = await ecs.send(new DeleteDaemonCommand({ daemonArn }));
  assert.equal(deleted.status, "DELETE_IN_PROGRESS");
  await assert.rejects(ecs.send(new UpdateDaemonCommand({ daemonArn, daemonTaskDefinitionArn: v1, capacityProviderArns: [providerArn] })), isError("DaemonNotActiveException"));
  await waitFor("the daemon's containers stop", async () => ((await runningContainers()).length === 0 ? true : undefined));
  await waitFor("the daemon is gone", async () => {
    try {
      await ecs.send(new DescribeDaemonCommand({ daemonArn }));
      return undefined;
    } catch (err) {
      assert.equal((err as Error).name, "DaemonNotFoundException");
      return true;
    }
  });
  const deletion = (await ecs.send(new DescribeDaemonDeploymentsCommand({ daemonDeploymentArns: [deleted.deploymentArn!] }))).daemonDeployments![0]!;
  assert.equal(deletion.status, "SUCCESSFUL");
  assert.deepEqual((await ecs.send(new ListDaemonsCommand({ clusterArn: CLUSTER }))).daemonSummariesList, []);
});

test("after kill -9 a daemon carries on: its task is adopted, not doubled, and an update still replaces it; a reset forgets it", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "berth-daemon-restart-"));
  let server = await BerthProcess.start({ dataDir });
  try {
    let client = server.ecs();
    await client.send(new CreateClusterCommand({ clusterName: "kept" }));
    const provider = (await client.send(new CreateCapacityProviderCommand({ name: "kept-pool", autoScalingGroupProvider: { autoScalingGroupArn: ASG_ARN.replace("daemon-pool", "kept-pool") } }))).capacityProvider!.capacityProviderArn!;
    await client.send(new PutClusterCapacityProvidersCommand({ cluster: "kept", capacityProviders: ["kept-pool"], defaultCapacityProviderStrategy: [] }));
    await client.send(new RegisterContainerInstanceCommand({ cluster: "kept" }));
    const def = (await client.send(new RegisterDaemonTaskDefinitionCommand({ family: "kept", containerDefinitions: [{ name: "a", image: TEST_IMAGE, memory: 32, stopTimeout: 1, entryPoint: ["sh", "-c"], command: ["sleep 3600"] }] }))).daemonTaskDefinitionArn!;
    const { daemonArn } = await client.send(new CreateDaemonCommand({ daemonName: "kept", clusterArn: "kept", daemonTaskDefinitionArn: def, capacityProviderArns: [provider] }));
    const containersOf = async (s: BerthProcess) => {
      const { stdout } = await run("docker", ["ps", "--filter", `label=berth.instance=${s.berthId}`, "--format", '{{.Label "berth.task-arn"}}']);
      return stdout.trim().split("\n").filter(Boolean);
    };
    const [before] = await waitFor("the daemon's container", async () => ((await containersOf(server)).length === 1 ? containersOf(server) : undefined));

    await server.kill9();
    server = await BerthProcess.start({ dataDir });
    client = server.ecs();
    await waitFor("the task is adopted RUNNING", async () => {
      const t = (await client.send(new DescribeTasksCommand({ cluster: "kept", tasks: [before!] }))).tasks![0];
      return t?.lastStatus === "RUNNING" ? true : undefined;
    });
    const daemon = await waitFor("DescribeDaemon counts the adopted task", async () => {
      const d = (await client.send(new DescribeDaemonCommand({ daemonArn }))).daemon!;
      return d.currentRevisions![0]!.totalRunningCount === 1 ? d : undefined;
    });
    assert.equal(daemon.status, "ACTIVE");
    assert.deepEqual(await containersOf(server), [before]);

    await client.send(new UpdateDaemonCommand({ daemonArn, daemonTaskDefinitionArn: def, capacityProviderArns: [provider] }));
    await waitFor("the update replaces the task", async () => {
      const now = await containersOf(server);
      return now.length === 1 && now[0] !== before ? true : undefined;
    });
    // A reset forgets daemons and their task definitions, and the scheduler starts nothing again.
    await server.reset();
    assert.deepEqual((await client.send(new ListDaemonsCommand({}))).daemonSummariesList, []);
    assert.deepEqual((await client.send(new ListDaemonTaskDefinitionsCommand({ status: "ALL" }))).daemonTaskDefinitions, []);
    await assert.rejects(client.send(new DescribeDaemonCommand({ daemonArn })), isError("DaemonNotFoundException"));
    assert.deepEqual(await containersOf(server), []);
  } finally {
    await server.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
