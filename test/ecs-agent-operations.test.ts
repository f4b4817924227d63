import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  ClusterNotFoundException, CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand,
  DescribeServicesCommand, DiscoverPollEndpointCommand, InvalidParameterException, ListContainerInstancesCommand,
  ListServicesByNamespaceCommand, NamespaceNotFoundException, NoUpdateAvailableException, RegisterTaskDefinitionCommand, RunTaskCommand,
  StopTaskCommand, SubmitAttachmentStateChangesCommand, SubmitContainerStateChangeCommand, SubmitTaskStateChangeCommand, UpdateContainerAgentCommand,
  type ECSClient, type ServiceConnectConfiguration,
} from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitForTask } from "./wait.js";

let berth: BerthProcess;
let ecs: ECSClient;

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--instances", "1", "--instance-cpu", "1024", "--instance-memory", "512"] });
  ecs = berth.ecs();
});
after(async () => {
  await berth.dispose();
});

test("DiscoverPollEndpoint names this server for the agent, telemetry and Service Connect", async () => {
  const found = await ecs.send(new DiscoverPollEndpointCommand({ cluster: "default" }));
  const url = `${berth.endpoint.replace(/\/$/, "")}/`;
  assert.deepEqual({ ...found, $metadata: undefined }, { $metadata: undefined, endpoint: url, telemetryEndpoint: url, serviceConnectEndpoint: url });
  await assert.rejects(ecs.send(new DiscoverPollEndpointCommand({ cluster: "nowhere" })), ClusterNotFoundException);
  const cli = await berth.aws("ecs", "discover-poll-endpoint");
  assert.equal(cli.endpoint, url);
});

test("state changes an agent submits are acknowledged for tasks that exist, refused for others", async () => {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "acked", networkMode: "bridge",
    containerDefinitions: [{ name: "app", image: TEST_IMAGE, memory: 32, essential: true, stopTimeout: 1, command: ["sleep", "600"] }],
  }));
  const { tasks: [task] = [] } = await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "acked" }));
  const arn = task!.taskArn!;
  const taskAck = await ecs.send(new SubmitTaskStateChangeCommand({ cluster: "default", task: arn, status: "RUNNING" }));
  assert.equal(taskAck.acknowledgment, "ACK");
  const containerAck = await ecs.send(new SubmitContainerStateChangeCommand({ cluster: "default", task: arn, containerName: "app", status: "RUNNING" }));
  assert.equal(containerAck.acknowledgment, "ACK");
  const attachmentAck = await ecs.send(new SubmitAttachmentStateChangesCommand({ cluster: "default", attachments: [{ attachmentArn: "arn:aws:ecs:us-east-1:000000000000:attachment/x", status: "ATTACHED" }] }));
  assert.equal(attachmentAck.acknowledgment, "ACK");

  const missing = "0123456789abcdef0123456789abcdef";
  await assert.rejects(ecs.send(new SubmitTaskStateChangeCommand({ cluster: "default", task: missing, status: "RUNNING" })), InvalidParameterException);
  await assert.rejects(ecs.send(new SubmitContainerStateChangeCommand({ cluster: "default", task: missing, containerName: "app" })), InvalidParameterException);
  await assert.rejects(ecs.send(new SubmitTaskStateChangeCommand({ cluster: "nowhere", task: arn })), ClusterNotFoundException);
  // A submitted state is acknowledged, not taken: the task's own agent says what it is.
  await ecs.send(new SubmitTaskStateChangeCommand({ cluster: "default", task: arn, status: "STOPPED", reason: "told so" }));
  const running = await waitForTask(ecs, "default", arn, "RUNNING");
  assert.equal(running.desiredStatus, "RUNNING");
  await ecs.send(new StopTaskCommand({ cluster: "default", task: arn }));
  await waitForTask(ecs, "default", arn, "STOPPED");
});

test("UpdateContainerAgent: no update available for Berth's agent; unknown instances are refused", async () => {
  const { containerInstanceArns: [instance] = [] } = await ecs.send(new ListContainerInstancesCommand({ cluster: "default" }));
  await assert.rejects(ecs.send(new UpdateContainerAgentCommand({ cluster: "default", containerInstance: instance! })), (e: unknown) => {
    assert.ok(e instanceof NoUpdateAvailableException);
    assert.equal(e.message, "There is no update available for your container agent.");
    return true;
  });
  await assert.rejects(ecs.send(new UpdateContainerAgentCommand({ cluster: "default", containerInstance: "0123456789abcdef0123456789abcdef" })), InvalidParameterException);
});

test("ListServicesByNamespace: a namespace clusters name lists the services using it; an unknown one is NamespaceNotFoundException", async () => {
  await ecs.send(new CreateClusterCommand({ clusterName: "meshed", serviceConnectDefaults: { namespace: "local" } }));
  const listed = await ecs.send(new ListServicesByNamespaceCommand({ namespace: "local" }));
  assert.deepEqual(listed.serviceArns, []);
  await assert.rejects(ecs.send(new ListServicesByNamespaceCommand({ namespace: "elsewhere" })), NamespaceNotFoundException);

  // Services that turn Service Connect on: the cluster's default namespace, or one they name.
  const service = (serviceName: string, serviceConnectConfiguration?: ServiceConnectConfiguration) =>
    ecs.send(new CreateServiceCommand({ cluster: "meshed", serviceName, taskDefinition: "acked", desiredCount: 0, serviceConnectConfiguration }));
  const a = (await service("a", { enabled: true })).service!;
  assert.deepEqual(a.deployments![0]!.serviceConnectConfiguration, { enabled: true, namespace: "local" }, "the cluster's default namespace");
  const b = (await service("b", { enabled: true, namespace: "elsewhere" })).service!;
  await service("c");
  await service("d", { enabled: false, namespace: "local" });
  const page = async (namespace: string) => (await ecs.send(new ListServicesByNamespaceCommand({ namespace }))).serviceArns;
  assert.deepEqual(await page("local"), [a.serviceArn]);
  assert.deepEqual(await page("elsewhere"), [b.serviceArn]);
  // Enabled with no namespace in a cluster without defaults is refused, and creates nothing.
  await assert.rejects(ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: "lost", taskDefinition: "acked", desiredCount: 0, serviceConnectConfiguration: { enabled: true } })),
    InvalidParameterException);
  assert.deepEqual((await ecs.send(new DescribeServicesCommand({ cluster: "default", services: ["lost"] }))).failures?.map((f) => f.reason), ["MISSING"]);
  // An update that moves the service deploys, and the namespace lists it from then on (AWS CLI).
  const moved = await berth.aws("ecs", "update-service", "--cluster", "meshed", "--service", "b", "--service-connect-configuration", "enabled=true,namespace=local");
  assert.equal(moved.service.deployments.length, 2, "a new deployment");
  assert.deepEqual(moved.service.deployments[0].serviceConnectConfiguration, { enabled: true, namespace: "local" });
  assert.deepEqual(await page("local"), [a.serviceArn, b.serviceArn]);
  // The new service revision shows it too.
  const current = (await ecs.send(new DescribeServicesCommand({ cluster: "meshed", services: ["b"] }))).services![0]!.currentServiceDeployment!;
  const deployment = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [current] }))).serviceDeployments![0]!;
  const revisions = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [deployment.targetServiceRevision!.arn!] }));
  assert.deepEqual(revisions.serviceRevisions?.[0]?.serviceConnectConfiguration, { enabled: true, namespace: "local" });
  for (const s of ["a", "b", "c", "d"]) await ecs.send(new DeleteServiceCommand({ cluster: "meshed", service: s, force: true }));
});
