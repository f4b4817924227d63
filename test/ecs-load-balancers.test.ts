import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DeregisterContainerInstanceCommand, DescribeContainerInstancesCommand, DescribeServicesCommand, DescribeTasksCommand,
  ListContainerInstancesCommand, ListServicesCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, UpdateServiceCommand,
  type ContainerDefinition, type ECSClient, type Task,
} from "@aws-sdk/client-ecs";
import {
  ElasticLoadBalancingV2Client, CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeTargetHealthCommand, RegisterTargetsCommand,
  ModifyTargetGroupAttributesCommand, type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask } from "./wait.js";

/** ECS services behind ELBv2 target groups: validation, registration, draining, events. */
let berth: BerthProcess;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
let lbArn: string;
const network = { awsvpcConfiguration: { subnets: ["subnet-1"] } };

/** busybox httpd on 8080. */
const web = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1,
  entryPoint: ["sh", "-c"], command: ["mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"],
  portMappings: [{ containerPort: 8080, protocol: "tcp" }],
  ...extra,
});

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--instances", "1"] });
  ecs = berth.ecs();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  await ecs.send(new CreateClusterCommand({ clusterName: "default" }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "fweb", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [web()] }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "bweb", networkMode: "bridge", containerDefinitions: [web({ memory: 32, portMappings: [{ containerPort: 8080, hostPort: 0, protocol: "tcp" }] })] }));
  lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: "web", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!.LoadBalancerArn!;
});
after(async () => {
  elb?.destroy();
  await berth?.dispose();
});

/** A target group that a listener forwards to, draining deregistered targets for 2 s. */
async function targetGroup(name: string, type: "ip" | "instance", port: number, listen = true): Promise<string> {
  const arn = (await elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: "HTTP", Port: 80, VpcId: "vpc-1", TargetType: type }))).TargetGroups![0]!.TargetGroupArn!;
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "2" }] }));
  if (listen) await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTP", Port: port, DefaultActions: [{ Type: "forward", TargetGroupArn: arn }] }));
  return arn;
}

const health = async (tg: string): Promise<TargetHealthDescription[]> => (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions!;
const messages = async (name: string) => (await ecs.send(new DescribeServicesCommand({ services: [name] }))).services![0]!.events!.map((e) => e.message!);
/** The service's tasks, whatever their desired status (ListTasks lists one desired status at a time). */
async function tasksOf(name: string): Promise<Task[]> {
  const taskArns: string[] = [];
  for (const desiredStatus of ["RUNNING", "STOPPED"] as const) taskArns.push(...((await ecs.send(new ListTasksCommand({ serviceName: name, desiredStatus }))).taskArns ?? []));
  return taskArns.length ? (await ecs.send(new DescribeTasksCommand({ tasks: taskArns }))).tasks! : [];
}
const ipOf = (t: Task) => t.attachments?.[0]?.details?.find((d) => d.name === "privateIPv4Address")?.value;

test("CreateService validates loadBalancers with ECS's errors and stores nothing", async () => {
  const ipTg = await targetGroup("v-ip", "ip", 81);
  const instanceTg = await targetGroup("v-instance", "instance", 82);
  const lonely = await targetGroup("v-lonely", "ip", 0, false);
  const fargate = { taskDefinition: "fweb", launchType: "FARGATE" as const, networkConfiguration: network };
  const bridge = { taskDefinition: "bweb", launchType: "EC2" as const };
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...fargate, loadBalancers: [{ targetGroupArn: instanceTg, containerName: "web", containerPort: 8080 }] }, /^The provided target group .* has target type instance, which is incompatible with the awsvpc network mode specified in the task definition\.$/],
    [{ ...bridge, loadBalancers: [{ targetGroupArn: ipTg, containerName: "web", containerPort: 8080 }] }, /has target type ip, which is incompatible with the bridge network mode/],
    [{ ...fargate, loadBalancers: [{ targetGroupArn: lonely, containerName: "web", containerPort: 8080 }] }, new RegExp(`^The target group with targetGroupArn ${lonely} does not have an associated load balancer\\.$`)],
    [{ ...fargate, loadBalancers: [{ targetGroupArn: ipTg, containerName: "api", containerPort: 8080 }] }, /^The container api does not exist in the task definition\.$/],
    [{ ...fargate, loadBalancers: [{ targetGroupArn: ipTg, containerName: "web", containerPort: 9090 }] }, /^The container web did not have a container port 9090 defined\.$/],
    [{ ...fargate, loadBalancers: [{ targetGroupArn: ipTg.replace(/[0-9a-f]{16}$/, "0000000000000000"), containerName: "web", containerPort: 8080 }] }, /Unable to find the target group/],
  ];
  for (const [input, message] of cases) {
    await assert.rejects(ecs.send(new CreateServiceCommand({ serviceName: "bad", desiredCount: 1, ...input } as never)),
      (e: Error) => e.name === "InvalidParameterException" && message.test(e.message), JSON.stringify(input));
  }
  assert.deepEqual((await ecs.send(new ListServicesCommand({}))).serviceArns, []);
});

test("an awsvpc service registers each task's IP and container port; scale-in drains a target while its task is DEACTIVATING", async () => {
  const tg = await targetGroup("fargate", "ip", 80);
  const second = await targetGroup("fargate-2", "ip", 83);
  const lbs = [{ targetGroupArn: tg, containerName: "web", containerPort: 8080 }, { targetGroupArn: second, containerName: "web", containerPort: 8080 }];
  const { service } = await ecs.send(new CreateServiceCommand({ serviceName: "fweb", taskDefinition: "fweb", desiredCount: 2, launchType: "FARGATE", networkConfiguration: network, loadBalancers: lbs }));
  assert.deepEqual(service!.loadBalancers, lbs);

  const targets = await waitFor("two targets", async () => ((await health(tg)).length === 2 ? health(tg) : undefined), 60_000);
  const tasks = await tasksOf("fweb");
  assert.deepEqual(targets.map((t) => `${t.Target!.Id}:${t.Target!.Port}`).sort(), tasks.map((t) => `${ipOf(t)}:8080`).sort());
  assert.equal((await health(second)).length, 2, "registered in every target group of the service");
  const events = await waitFor("registration events", async () => {
    const m = await messages("fweb");
    return m.some((x) => x === `(service fweb) registered 1 targets in (target-group ${second})`) ? m : undefined;
  });
  assert.ok(events.some((x) => x.startsWith("(service fweb) registered ") && x.endsWith(` targets in (target-group ${tg})`)), events.join("\n"));

  // A RunTask task of the same definition is never registered.
  const solo = (await ecs.send(new RunTaskCommand({ taskDefinition: "fweb", launchType: "FARGATE", networkConfiguration: network }))).tasks![0]!;
  await waitForTask(ecs, "default", solo.taskArn!, "RUNNING");

  await ecs.send(new UpdateServiceCommand({ service: "fweb", desiredCount: 1 }));
  const leaving = await waitFor("a task DEACTIVATING", async () => (await tasksOf("fweb")).find((t) => t.lastStatus === "DEACTIVATING"));
  assert.equal(leaving.desiredStatus, "STOPPED");
  const drained = (await health(tg)).find((t) => t.Target!.Id === ipOf(leaving))!;
  assert.equal(drained.TargetHealth!.State, "draining");
  await waitForTask(ecs, "default", leaving.taskArn!, "STOPPED");
  assert.deepEqual((await health(tg)).map((t) => t.Target!.Id), (await tasksOf("fweb")).filter((t) => t.lastStatus === "RUNNING").map(ipOf));
  assert.ok((await messages("fweb")).includes(`(service fweb) deregistered 1 targets in (target-group ${tg})`));
  assert.ok(!(await health(tg)).some((t) => t.Target!.Id === ipOf(solo)));

  // StopTask on a service task deregisters it first, too.
  const [last] = (await tasksOf("fweb")).filter((t) => t.lastStatus === "RUNNING");
  await ecs.send(new StopTaskCommand({ task: last!.taskArn! }));
  await waitFor("the stopped task drains", async () => (await tasksOf("fweb")).find((t) => t.taskArn === last!.taskArn && t.lastStatus === "DEACTIVATING"));
  await waitForTask(ecs, "default", last!.taskArn!, "STOPPED");
  await ecs.send(new StopTaskCommand({ task: solo.taskArn! }));
  await ecs.send(new DeleteServiceCommand({ service: "fweb", force: true }));
  await waitFor("fweb INACTIVE", async () => (await ecs.send(new DescribeServicesCommand({ services: ["fweb"] }))).services![0]!.status === "INACTIVE", 60_000);
  await waitForTask(ecs, "default", solo.taskArn!, "STOPPED");
});

test("a bridge service with hostPort 0 registers the instance id and the host port Docker assigned", async () => {
  const tg = await targetGroup("bridge", "instance", 84);
  await ecs.send(new CreateServiceCommand({ serviceName: "bweb", taskDefinition: "bweb", desiredCount: 1, launchType: "EC2", loadBalancers: [{ targetGroupArn: tg, containerName: "web", containerPort: 8080 }] }));
  const [target] = await waitFor("a target", async () => ((await health(tg)).length === 1 ? health(tg) : undefined), 60_000);
  const [task] = (await tasksOf("bweb")).filter((t) => t.lastStatus === "RUNNING");
  const { containerInstances } = await ecs.send(new DescribeContainerInstancesCommand({ containerInstances: (await ecs.send(new ListContainerInstancesCommand({}))).containerInstanceArns! }));
  const ec2 = containerInstances!.find((i) => i.containerInstanceArn === task!.containerInstanceArn)!.ec2InstanceId;
  const hostPort = task!.containers![0]!.networkBindings!.find((b) => b.containerPort === 8080)!.hostPort!;
  assert.notEqual(hostPort, 8080);
  assert.deepEqual({ id: target!.Target!.Id, port: target!.Target!.Port }, { id: ec2, port: hostPort });
  assert.ok((await messages("bweb")).includes(`(service bweb) registered 1 targets in (target-group ${tg})`));

  await ecs.send(new DeleteServiceCommand({ service: "bweb", force: true }));
  await waitFor("bweb INACTIVE", async () => (await ecs.send(new DescribeServicesCommand({ services: ["bweb"] }))).services![0]!.status === "INACTIVE", 60_000);
  assert.deepEqual(await health(tg), []);
});

test("an instance target whose container instance is deregistered is unused with Target.InvalidState", async () => {
  const tg = await targetGroup("gone", "instance", 85);
  const [instance] = (await ecs.send(new DescribeContainerInstancesCommand({ containerInstances: (await ecs.send(new ListContainerInstancesCommand({}))).containerInstanceArns! }))).containerInstances!;
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: instance!.ec2InstanceId!, Port: 9 }] }));
  assert.equal((await health(tg))[0]!.TargetHealth!.State, "initial");
  await ecs.send(new DeregisterContainerInstanceCommand({ containerInstance: instance!.containerInstanceArn!, force: true }));
  assert.deepEqual((await health(tg))[0]!.TargetHealth, { State: "unused", Reason: "Target.InvalidState", Description: "Target is in the stopped state" });
});
