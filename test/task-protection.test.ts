import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, DescribeTasksCommand, GetTaskProtectionCommand, InvalidParameterException, ListTasksCommand,
  RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, UpdateServiceCommand, UpdateTaskProtectionCommand, ClusterNotFoundException,
  type ECSClient, type Task,
} from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { boto3Json } from "./boto3.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask } from "./wait.js";

let berth: BerthProcess;
let ecs: ECSClient;

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--instances", "1", "--instance-cpu", "1024", "--instance-memory", "512"] });
  ecs = berth.ecs();
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "guarded", networkMode: "bridge",
    containerDefinitions: [{
      name: "app", image: TEST_IMAGE, memory: 32, essential: true, stopTimeout: 1, command: ["sleep", "600"],
      healthCheck: { command: ["CMD-SHELL", "true"], interval: 5, timeout: 2, retries: 1 },
    }],
  }));
});
after(async () => {
  await berth.dispose();
});

async function running(service: string): Promise<Task[]> {
  const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster: "default", serviceName: service }));
  if (taskArns.length === 0) return [];
  const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster: "default", tasks: taskArns }));
  return tasks.filter((t) => t.lastStatus === "RUNNING" && t.desiredStatus === "RUNNING");
}

test("a protected task survives scale-in until its protection is removed; standalone and unknown tasks are failures", async () => {
  await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "guarded", taskDefinition: "guarded", desiredCount: 2 }));
  const [a, b] = await waitFor("two running tasks", async () => {
    const tasks = await running("guarded");
    return tasks.length === 2 ? tasks : undefined;
  }, 90_000);

  // No expiresInMinutes: two hours, as ECS documents.
  const before = Date.now();
  const updated = await ecs.send(new UpdateTaskProtectionCommand({ cluster: "default", tasks: [a!.taskArn!], protectionEnabled: true }));
  assert.deepEqual(updated.failures, []);
  assert.equal(updated.protectedTasks?.length, 1);
  assert.equal(updated.protectedTasks![0]!.taskArn, a!.taskArn);
  assert.equal(updated.protectedTasks![0]!.protectionEnabled, true);
  const expires = updated.protectedTasks![0]!.expirationDate!.getTime();
  assert.ok(expires >= before + 120 * 60_000 - 2000 && expires <= Date.now() + 120 * 60_000 + 2000, `expires in two hours: ${new Date(expires).toISOString()}`);

  // Standalone tasks cannot be protected; unknown ones are MISSING. Both are failures, not errors.
  const { tasks: [standalone] = [] } = await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "guarded" }));
  const missing = "0123456789abcdef0123456789abcdef";
  const mixed = await ecs.send(new UpdateTaskProtectionCommand({ cluster: "default", tasks: [standalone!.taskArn!, missing], protectionEnabled: true, expiresInMinutes: 5 }));
  assert.deepEqual(mixed.protectedTasks, []);
  assert.deepEqual(mixed.failures?.map((f) => f.reason), ["TASK_NOT_VALID", "MISSING"]);
  assert.equal(mixed.failures![0]!.arn, standalone!.taskArn);
  assert.equal(mixed.failures![1]!.arn, `arn:aws:ecs:us-east-1:000000000000:task/default/${missing}`);

  // Bad input changes nothing.
  for (const expiresInMinutes of [0, 2881]) {
    await assert.rejects(ecs.send(new UpdateTaskProtectionCommand({ cluster: "default", tasks: [b!.taskArn!], protectionEnabled: true, expiresInMinutes })), InvalidParameterException);
  }
  await assert.rejects(ecs.send(new GetTaskProtectionCommand({ cluster: "nowhere", tasks: [b!.taskArn!] })), ClusterNotFoundException);

  const got = await ecs.send(new GetTaskProtectionCommand({ cluster: "default", tasks: [a!.taskArn!, b!.taskArn!] }));
  assert.deepEqual(got.protectedTasks?.map((t) => [t.taskArn, t.protectionEnabled]), [[a!.taskArn, true], [b!.taskArn, false]]);
  assert.equal(got.protectedTasks![0]!.expirationDate!.getTime(), expires);

  // Scale in to zero: the unprotected task goes, the protected one stays.
  await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "guarded", desiredCount: 0 }));
  await waitForTask(ecs, "default", b!.taskArn!, "STOPPED", 60_000);
  // The scheduler decides every second; give it several decisions to (wrongly) stop the protected task.
  await new Promise((r) => setTimeout(r, 3000));
  const { tasks: [stillA] = [] } = await ecs.send(new DescribeTasksCommand({ cluster: "default", tasks: [a!.taskArn!] }));
  assert.equal(stillA!.lastStatus, "RUNNING");
  assert.equal(stillA!.desiredStatus, "RUNNING");

  // boto3 sees the same protection; the AWS CLI removes it, and scale-in then stops the task.
  const fromBoto = await boto3Json<{ enabled: boolean[] }>(`
import boto3, json, sys
ecs = boto3.client("ecs", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
r = ecs.get_task_protection(cluster="default", tasks=[sys.argv[2]])
print(json.dumps({"enabled": [t["protectionEnabled"] for t in r["protectedTasks"]]}))
`, berth.endpoint, a!.taskArn!);
  assert.deepEqual(fromBoto.enabled, [true]);
  const off = await berth.aws("ecs", "update-task-protection", "--cluster", "default", "--tasks", a!.taskArn!, "--no-protection-enabled");
  assert.deepEqual(off.protectedTasks, [{ taskArn: a!.taskArn, protectionEnabled: false }]);
  await waitForTask(ecs, "default", a!.taskArn!, "STOPPED", 60_000);

  await ecs.send(new StopTaskCommand({ cluster: "default", task: standalone!.taskArn! }));
  await waitForTask(ecs, "default", standalone!.taskArn!, "STOPPED", 60_000);
  await ecs.send(new DeleteServiceCommand({ cluster: "default", service: "guarded", force: true }));
});

test("a rolling deployment does not stop a protected task of the old deployment: it stays IN_PROGRESS until the protection is lifted", async () => {
  const revision = async (tag: string) => (await ecs.send(new RegisterTaskDefinitionCommand({
    family: "guarded-rollout", networkMode: "bridge",
    containerDefinitions: [{
      name: "app", image: TEST_IMAGE, memory: 32, essential: true, stopTimeout: 1, command: ["sleep", "600"], environment: [{ name: "REVISION", value: tag }],
      healthCheck: { command: ["CMD-SHELL", "true"], interval: 5, timeout: 2, retries: 1 },
    }],
  }))).taskDefinition!.taskDefinitionArn!;
  const [v1, v2] = [await revision("1"), await revision("2")];
  await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "rollout", taskDefinition: v1, desiredCount: 1 }));
  const [old] = await waitFor("the first task running", async () => {
    const tasks = await running("rollout");
    return tasks.length === 1 ? tasks : undefined;
  }, 90_000);
  await ecs.send(new UpdateTaskProtectionCommand({ cluster: "default", tasks: [old!.taskArn!], protectionEnabled: true, expiresInMinutes: 60 }));

  await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "rollout", taskDefinition: v2 }));
  const replacement = await waitFor("the new revision's task running", async () => (await running("rollout")).find((t) => t.taskDefinitionArn === v2), 90_000);
  // The scheduler decides every second; give it several decisions to (wrongly) stop the protected task.
  await new Promise((r) => setTimeout(r, 4000));
  const { tasks: [stillOld] = [] } = await ecs.send(new DescribeTasksCommand({ cluster: "default", tasks: [old!.taskArn!] }));
  assert.deepEqual([stillOld!.lastStatus, stillOld!.desiredStatus], ["RUNNING", "RUNNING"]);
  const deployments = async () => (await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["rollout"] }))).services![0]!.deployments!;
  const primary = (await deployments()).find((d) => d.status === "PRIMARY")!;
  assert.equal(primary.taskDefinition, v2);
  assert.equal(primary.rolloutState, "IN_PROGRESS");
  assert.ok((await deployments()).some((d) => d.status === "ACTIVE" && d.taskDefinition === v1), "the old deployment is still ACTIVE");

  // Lifted (by the AWS CLI): the old task goes and the deployment completes.
  await berth.aws("ecs", "update-task-protection", "--cluster", "default", "--tasks", old!.taskArn!, "--no-protection-enabled");
  await waitForTask(ecs, "default", old!.taskArn!, "STOPPED", 60_000);
  await waitFor("the deployment COMPLETED", async () => {
    const all = await deployments();
    return all.length === 1 && all[0]!.rolloutState === "COMPLETED" ? all : undefined;
  }, 90_000);
  const { tasks: [kept] = [] } = await ecs.send(new DescribeTasksCommand({ cluster: "default", tasks: [replacement.taskArn!] }));
  assert.equal(kept!.lastStatus, "RUNNING");
  await ecs.send(new DeleteServiceCommand({ cluster: "default", service: "rollout", force: true }));
  await waitFor("the service's tasks stopped", async () => ((await running("rollout")).length === 0 ? true : undefined), 60_000);
});

test("protection expires: a protected task kept through scale-in is stopped once its expiry passes", async () => {
  await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "expiring", taskDefinition: "guarded", desiredCount: 1 }));
  const [task] = await waitFor("the task running", async () => {
    const tasks = await running("expiring");
    return tasks.length === 1 ? tasks : undefined;
  }, 90_000);
  const { protectedTasks } = await ecs.send(new UpdateTaskProtectionCommand({ cluster: "default", tasks: [task!.taskArn!], protectionEnabled: true, expiresInMinutes: 1 }));
  const expires = protectedTasks![0]!.expirationDate!;
  await ecs.send(new UpdateServiceCommand({ cluster: "default", service: "expiring", desiredCount: 0 }));
  // The scheduler decides every second; give it several decisions to (wrongly) stop the protected task.
  await new Promise((r) => setTimeout(r, 3000));
  const { tasks: [kept] = [] } = await ecs.send(new DescribeTasksCommand({ cluster: "default", tasks: [task!.taskArn!] }));
  assert.equal(kept!.desiredStatus, "RUNNING");
  // Nobody lifts it: once the minute is over, scale-in takes the task.
  const stopped = await waitForTask(ecs, "default", task!.taskArn!, "STOPPED", 150_000);
  assert.ok(stopped.stoppingAt!.getTime() >= expires.getTime(), `stopped (${stopped.stoppingAt!.toISOString()}) only after the protection expired (${expires.toISOString()})`);
  await ecs.send(new DeleteServiceCommand({ cluster: "default", service: "expiring", force: true }));
});
