import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateCapacityProviderCommand, CreateClusterCommand, CreateServiceCommand, DeleteCapacityProviderCommand, DeleteServiceCommand, DescribeContainerInstancesCommand,
  ListContainerInstancesCommand, UpdateCapacityProviderCommand, UpdateServiceCommand, DescribeCapacityProvidersCommand, DescribeServicesCommand, DescribeTasksCommand,
  ListTasksCommand, PutClusterCapacityProvidersCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand,
  type ECSClient, type Task,
} from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

let berth: BerthProcess;
let ecs: ECSClient;
const CLUSTER = "cp";
const network = { awsvpcConfiguration: { subnets: ["subnet-1"] } };
const STRATEGY = [{ capacityProvider: "FARGATE", base: 1, weight: 1 }, { capacityProvider: "FARGATE_SPOT", weight: 3 }];

before(async () => {
  await ensureTestImage();
  // Pool instances of 256 MiB: two 128 MiB tasks each.
  berth = await BerthProcess.start({ args: ["--instance-cpu", "1024", "--instance-memory", "256", "--capacity-provider-pool-max-size", "3"] });
  ecs = berth.ecs();
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "spot", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
    containerDefinitions: [{ name: "app", image: TEST_IMAGE, essential: true, stopTimeout: 1, command: ["sleep", "600"] }],
  }));
});
after(async () => {
  await berth.dispose();
});

async function tasksOf(cluster: string, filter: { serviceName?: string; desiredStatus?: "RUNNING" | "STOPPED" } = {}): Promise<Task[]> {
  const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster, ...filter }));
  if (taskArns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))).tasks ?? [];
}
const tally = (tasks: Task[]) => {
  const out: Record<string, number> = {};
  for (const t of tasks) out[t.capacityProviderName!] = (out[t.capacityProviderName!] ?? 0) + 1;
  return out;
};
const isError = (name: string) => (e: Error) => e.name === name;

test("DescribeCapacityProviders: FARGATE and FARGATE_SPOT built in, pages, MISSING failures, and the AWS CLI", async () => {
  const all = await ecs.send(new DescribeCapacityProvidersCommand({}));
  assert.deepEqual(all.capacityProviders!.map((p) => [p.name, p.status, p.capacityProviderArn]), [
    ["FARGATE", "ACTIVE", "arn:aws:ecs:us-east-1:000000000000:capacity-provider/FARGATE"],
    ["FARGATE_SPOT", "ACTIVE", "arn:aws:ecs:us-east-1:000000000000:capacity-provider/FARGATE_SPOT"],
  ]);
  const first = await ecs.send(new DescribeCapacityProvidersCommand({ maxResults: 1 }));
  assert.equal(first.capacityProviders!.length, 1);
  const second = await ecs.send(new DescribeCapacityProvidersCommand({ maxResults: 1, nextToken: first.nextToken }));
  assert.equal(second.capacityProviders![0]!.name, "FARGATE_SPOT");
  assert.equal(second.nextToken, undefined);
  const some = await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ["FARGATE_SPOT", "nope"], include: ["TAGS"] }));
  assert.deepEqual(some.capacityProviders!.map((p) => [p.name, p.tags]), [["FARGATE_SPOT", []]]);
  assert.deepEqual(some.failures, [{ arn: "arn:aws:ecs:us-east-1:000000000000:capacity-provider/nope", reason: "MISSING" }]);
  const cli = await berth.aws("ecs", "describe-capacity-providers", "--capacity-providers", "FARGATE");
  assert.equal(cli.capacityProviders[0].name, "FARGATE");
});

test("a cluster's default strategy (base 1 weight 1 + weight 3) splits a service of 5 tasks as ECS does", async () => {
  // Validation first: nothing it refuses is stored.
  await assert.rejects(ecs.send(new CreateClusterCommand({ clusterName: CLUSTER, capacityProviders: ["FARGATE"], defaultCapacityProviderStrategy: STRATEGY })), isError("InvalidParameterException"));
  await assert.rejects(ecs.send(new CreateClusterCommand({ clusterName: CLUSTER, capacityProviders: ["nope"] })), isError("InvalidParameterException"));
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  await assert.rejects(
    ecs.send(new PutClusterCapacityProvidersCommand({ cluster: CLUSTER, capacityProviders: ["FARGATE", "FARGATE_SPOT"], defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", base: 1, weight: 1 }, { capacityProvider: "FARGATE_SPOT", base: 1, weight: 1 }] })),
    isError("InvalidParameterException"),
  );
  // The AWS CLI sets the providers and the default strategy.
  const put = await berth.aws(
    "ecs", "put-cluster-capacity-providers", "--cluster", CLUSTER, "--capacity-providers", "FARGATE", "FARGATE_SPOT",
    "--default-capacity-provider-strategy", "capacityProvider=FARGATE,base=1,weight=1", "capacityProvider=FARGATE_SPOT,weight=3",
  );
  assert.deepEqual(put.cluster.capacityProviders, ["FARGATE", "FARGATE_SPOT"]);
  assert.deepEqual(put.cluster.defaultCapacityProviderStrategy, [{ capacityProvider: "FARGATE", base: 1, weight: 1 }, { capacityProvider: "FARGATE_SPOT", base: 0, weight: 3 }]);

  const { service } = await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: "web", taskDefinition: "spot", desiredCount: 5, networkConfiguration: network }));
  assert.deepEqual(service!.capacityProviderStrategy, put.cluster.defaultCapacityProviderStrategy);
  const running = await waitFor("5 tasks RUNNING", async () => {
    const tasks = (await tasksOf(CLUSTER, { serviceName: "web" })).filter((t) => t.lastStatus === "RUNNING");
    return tasks.length === 5 ? tasks : undefined;
  }, 120_000);
  assert.deepEqual(tally(running), { FARGATE: 2, FARGATE_SPOT: 3 });
  assert.ok(running.every((t) => t.launchType === "FARGATE"));

  // A provider a service uses cannot leave the cluster.
  await assert.rejects(
    ecs.send(new PutClusterCapacityProvidersCommand({ cluster: CLUSTER, capacityProviders: ["FARGATE"], defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }] })),
    (e: Error) => e.name === "ResourceInUseException" && e.message === "The specified capacity provider is in use and cannot be removed.",
  );
});

test("RunTask splits by its own strategy, and by the cluster's default without one", async () => {
  const own = await ecs.send(new RunTaskCommand({
    cluster: CLUSTER, taskDefinition: "spot", count: 4, networkConfiguration: network,
    capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }, { capacityProvider: "FARGATE", weight: 1 }],
  }));
  assert.deepEqual(tally(own.tasks!), { FARGATE: 2, FARGATE_SPOT: 2 });
  const byDefault = await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: "spot", count: 1, networkConfiguration: network }));
  assert.equal(byDefault.tasks![0]!.capacityProviderName, "FARGATE", "the base goes first");
  for (const t of [...own.tasks!, ...byDefault.tasks!]) await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: t.taskArn! }));
  // Only providers the cluster has associated, FARGATE included.
  await ecs.send(new CreateClusterCommand({ clusterName: "bare" }));
  await assert.rejects(
    ecs.send(new RunTaskCommand({ cluster: "bare", taskDefinition: "spot", networkConfiguration: network, capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }] })),
    (e: Error) => e.name === "InvalidParameterException" && e.message.startsWith("The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster."),
  );
  assert.deepEqual(await tasksOf("bare"), [], "nothing started");
});

test("a Spot interruption through /_berth/spot/interrupt stops the task with SpotInterruption and the service replaces it", async () => {
  const before = (await tasksOf(CLUSTER, { serviceName: "web" })).filter((t) => t.lastStatus === "RUNNING");
  const victim = before.find((t) => t.capacityProviderName === "FARGATE_SPOT")!;
  const onDemand = before.find((t) => t.capacityProviderName === "FARGATE")!;
  const post = (body: unknown) => fetch(`${berth.endpoint}/_berth/spot/interrupt`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  // Only FARGATE_SPOT tasks can be interrupted.
  assert.equal((await post({ taskArn: onDemand.taskArn })).status, 400);
  const res = await post({ taskArn: victim.taskArn });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { taskArn: victim.taskArn, desiredStatus: "STOPPED", stopCode: "SpotInterruption", stoppedReason: "Your Spot Task was interrupted." });

  const stopped = await waitFor("the interrupted task STOPPED", async () => {
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [victim.taskArn!] }));
    return tasks![0]!.lastStatus === "STOPPED" ? tasks![0]! : undefined;
  });
  assert.equal(stopped.stopCode, "SpotInterruption");
  assert.equal(stopped.stoppedReason, "Your Spot Task was interrupted.");
  const replaced = await waitFor("the service back at 5 RUNNING with a new task", async () => {
    const live = (await tasksOf(CLUSTER, { serviceName: "web" })).filter((t) => t.lastStatus === "RUNNING");
    return live.length === 5 && !live.some((t) => t.taskArn === victim.taskArn) ? live : undefined;
  }, 120_000);
  // The replacement keeps the split: the missing task was a FARGATE_SPOT one.
  assert.deepEqual(tally(replaced), { FARGATE: 2, FARGATE_SPOT: 3 });
  const fresh = replaced.find((t) => !before.some((b) => b.taskArn === t.taskArn))!;
  const { services } = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ["web"] }));
  assert.ok(services![0]!.events!.some((e) => e.message === `(service web) has started 1 tasks: (task ${fresh.taskArn!.split("/").pop()}).`));

  await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: "web", force: true }));
  await waitFor("web INACTIVE", async () => (await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ["web"] }))).services![0]!.status === "INACTIVE", 120_000);
});

const ASG_ARN = "arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:5b1c6d0e-1111-2222-3333-444455556666:autoScalingGroupName/berth-pool";

test("an Auto Scaling group provider: create, update, describe, and the checks ECS makes", async () => {
  await assert.rejects(ecs.send(new CreateCapacityProviderCommand({ name: "fargate-pool", autoScalingGroupProvider: { autoScalingGroupArn: ASG_ARN } })), isError("InvalidParameterException"));
  for (const bad of ["arn:aws:s3:::not-a-group", "arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:x", "a:b", " padded"]) {
    await assert.rejects(ecs.send(new CreateCapacityProviderCommand({ name: "pool", autoScalingGroupProvider: { autoScalingGroupArn: bad } })), isError("InvalidParameterException"), bad);
  }
  await assert.rejects(
    ecs.send(new CreateCapacityProviderCommand({ name: "pool", autoScalingGroupProvider: { autoScalingGroupArn: ASG_ARN, managedTerminationProtection: "ENABLED" } })),
    isError("InvalidParameterException"),
  );
  const { capacityProvider } = await ecs.send(new CreateCapacityProviderCommand({
    name: "pool", tags: [{ key: "team", value: "a" }],
    // Managed scaling starts DISABLED so that the test sees tasks wait for capacity.
    autoScalingGroupProvider: { autoScalingGroupArn: ASG_ARN, managedScaling: { status: "DISABLED", targetCapacity: 100, minimumScalingStepSize: 1, maximumScalingStepSize: 10, instanceWarmupPeriod: 0 } },
  }));
  assert.equal(capacityProvider!.status, "ACTIVE");
  assert.equal(capacityProvider!.type, "EC2_AUTOSCALING");
  assert.equal(capacityProvider!.autoScalingGroupProvider!.managedTerminationProtection, "DISABLED");
  assert.deepEqual(capacityProvider!.tags, [{ key: "team", value: "a" }]);
  await assert.rejects(ecs.send(new CreateCapacityProviderCommand({ name: "pool2", autoScalingGroupProvider: { autoScalingGroupArn: ASG_ARN } })), isError("InvalidParameterException"));

  const { capacityProviders } = await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ["pool"], include: ["TAGS"] }));
  assert.equal(capacityProviders![0]!.autoScalingGroupProvider!.autoScalingGroupArn, ASG_ARN);
  assert.deepEqual(capacityProviders![0]!.tags, [{ key: "team", value: "a" }]);
  const all = await ecs.send(new DescribeCapacityProvidersCommand({}));
  assert.deepEqual(all.capacityProviders!.map((p) => p.name), ["FARGATE", "FARGATE_SPOT", "pool"]);
});

test("an Auto Scaling group named instead of by ARN: the AWS CLI creates the provider, which shows the group's ARN", async () => {
  // The group the ARN above names, by name: already used by "pool".
  await assert.rejects(ecs.send(new CreateCapacityProviderCommand({ name: "by-name", autoScalingGroupProvider: { autoScalingGroupArn: "berth-pool" } })), isError("InvalidParameterException"));
  const { capacityProvider } = await berth.aws("ecs", "create-capacity-provider", "--name", "by-name", "--auto-scaling-group-provider", "autoScalingGroupArn=other-pool");
  const arn = capacityProvider.autoScalingGroupProvider.autoScalingGroupArn;
  assert.match(arn, /^arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:autoScalingGroupName\/other-pool$/);
  const { capacityProviders } = await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ["by-name"] }));
  assert.equal(capacityProviders![0]!.autoScalingGroupProvider!.autoScalingGroupArn, arn);
  // The same group again, by its ARN or its name, is in use.
  for (const again of [arn, "other-pool"]) {
    await assert.rejects(ecs.send(new CreateCapacityProviderCommand({ name: "by-name-2", autoScalingGroupProvider: { autoScalingGroupArn: again } })), isError("InvalidParameterException"));
  }
  await ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: "by-name" }));
  const gone = await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ["by-name"] }));
  assert.equal(gone.capacityProviders![0]!.status, "INACTIVE");
});

test("managed scaling: tasks wait in PROVISIONING, instances are added, the tasks run; at 0 the idle instances go", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "pooled", networkMode: "bridge",
    containerDefinitions: [{ name: "app", image: TEST_IMAGE, memory: 128, essential: true, stopTimeout: 1, command: ["sleep", "600"] }],
  }));
  await ecs.send(new CreateClusterCommand({ clusterName: "asg", capacityProviders: ["pool"], defaultCapacityProviderStrategy: [{ capacityProvider: "pool", weight: 1 }] }));
  await assert.rejects(
    ecs.send(new RunTaskCommand({ cluster: "asg", taskDefinition: "pooled", capacityProviderStrategy: [{ capacityProvider: "pool", weight: 1 }, { capacityProvider: "FARGATE", weight: 1 }] })),
    isError("InvalidParameterException"),
  );
  // distinctInstance holds when the capacity scaler places the waiting tasks, later.
  await ecs.send(new CreateServiceCommand({ cluster: "asg", serviceName: "pooled", taskDefinition: "pooled", desiredCount: 3, placementConstraints: [{ type: "distinctInstance" }] }));
  // No instance yet and managed scaling off: the tasks wait, unplaced.
  const waiting = await waitFor("3 tasks PROVISIONING", async () => {
    const tasks = await tasksOf("asg", { serviceName: "pooled" });
    return tasks.length === 3 && tasks.every((t) => t.lastStatus === "PROVISIONING" && !t.containerInstanceArn) ? tasks : undefined;
  });
  assert.ok(waiting.every((t) => t.capacityProviderName === "pool" && t.launchType === "EC2"));

  const updated = await ecs.send(new UpdateCapacityProviderCommand({ name: "pool", autoScalingGroupProvider: { managedScaling: { status: "ENABLED" }, managedTerminationProtection: "ENABLED" } }));
  assert.equal(updated.capacityProvider!.updateStatus, "UPDATE_COMPLETE");
  assert.equal(updated.capacityProvider!.autoScalingGroupProvider!.managedScaling!.maximumScalingStepSize, 10, "members not given keep their value");
  const running = await waitFor("3 tasks RUNNING on pool instances", async () => {
    const tasks = await tasksOf("asg", { serviceName: "pooled" });
    return tasks.length === 3 && tasks.every((t) => t.lastStatus === "RUNNING") ? tasks : undefined;
  }, 120_000);
  // 256 MiB instances would hold two 128 MiB tasks, but distinctInstance asks for one per instance.
  const listed = await ecs.send(new ListContainerInstancesCommand({ cluster: "asg", status: "ACTIVE" }));
  assert.equal(listed.containerInstanceArns!.length, 3);
  assert.equal(new Set(running.map((t) => t.containerInstanceArn)).size, 3, "one task per instance");
  const { containerInstances } = await ecs.send(new DescribeContainerInstancesCommand({ cluster: "asg", containerInstances: listed.containerInstanceArns! }));
  assert.ok(containerInstances!.every((i) => i.capacityProviderName === "pool"));
  assert.ok(running.every((t) => listed.containerInstanceArns!.includes(t.containerInstanceArn!)));

  // In use: neither deleted nor removed from the cluster.
  await assert.rejects(ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: "pool" })), isError("ResourceInUseException"));
  await assert.rejects(ecs.send(new PutClusterCapacityProvidersCommand({ cluster: "asg", capacityProviders: [], defaultCapacityProviderStrategy: [] })), isError("ResourceInUseException"));

  await ecs.send(new UpdateServiceCommand({ cluster: "asg", service: "pooled", desiredCount: 0 }));
  await waitFor("the pool emptied", async () => {
    const { containerInstanceArns = [] } = await ecs.send(new ListContainerInstancesCommand({ cluster: "asg", status: "ACTIVE" }));
    return containerInstanceArns.length === 0;
  }, 120_000);

  await ecs.send(new DeleteServiceCommand({ cluster: "asg", service: "pooled" }));
  await waitFor("pooled INACTIVE", async () => (await ecs.send(new DescribeServicesCommand({ cluster: "asg", services: ["pooled"] }))).services![0]!.status === "INACTIVE", 60_000);
  await ecs.send(new PutClusterCapacityProvidersCommand({ cluster: "asg", capacityProviders: [], defaultCapacityProviderStrategy: [] }));
  const deleted = await ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: "pool" }));
  assert.equal(deleted.capacityProvider!.status, "DELETE_IN_PROGRESS");
  const after = await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ["pool"] }));
  assert.equal(after.capacityProviders![0]!.status, "INACTIVE");
});
