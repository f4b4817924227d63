import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ContinueServiceDeploymentCommand, CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServiceDeploymentsCommand, DescribeServicesCommand,
  DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand, type DeploymentConfiguration, type DeploymentLifecycleHook, type ECSClient, type ServiceDeployment,
} from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { blueGreenAlb, forwardWeights } from "./blue-green-kit.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), "berth-lifecycle-hooks-"));
const ARGS = ["--load-balancer-health-check-speedup", "5"];
let berth: BerthProcess;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
const defs: Record<string, string> = {};
let alb: Awaited<ReturnType<typeof blueGreenAlb>>;

const LAMBDA = "arn:aws:lambda:us-east-1:000000000000:function:smoke-tests";
const ROLE = "arn:aws:iam::000000000000:role/ecs-hooks";
const HOOKS: DeploymentLifecycleHook[] = [
  { hookTargetArn: LAMBDA, roleArn: ROLE, lifecycleStages: ["POST_SCALE_UP", "POST_PRODUCTION_TRAFFIC_SHIFT"], hookDetails: { suite: "smoke" } },
  { targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"], timeoutConfiguration: { timeoutInMinutes: 60, action: "ROLLBACK" } },
];

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ARGS, dataDir });
  ecs = berth.ecs();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  await ecs.send(new CreateClusterCommand({ clusterName: "default" }));
  for (const v of ["v1", "v2", "v3"]) {
    defs[v] = (await ecs.send(new RegisterTaskDefinitionCommand({
      family: "hooked", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512",
      containerDefinitions: [{
        name: "web", image: TEST_IMAGE, essential: true, stopTimeout: 1, entryPoint: ["sh", "-c"], portMappings: [{ containerPort: 8080, protocol: "tcp" }],
        command: [`mkdir -p /www && echo ok > /www/health && echo ${v} > /www/index.html && exec httpd -f -p 8080 -h /www`],
      }],
    }))).taskDefinition!.taskDefinitionArn!;
  }
  alb = await blueGreenAlb(elb, "hooked", { testRule: true });
});
after(async () => {
  elb?.destroy();
  try {
    await berth.dispose();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const loadBalancers = () => [{
  targetGroupArn: alb.blue, containerName: "web", containerPort: 8080,
  advancedConfiguration: { alternateTargetGroupArn: alb.green, productionListenerRule: alb.production, testListenerRule: alb.testRule },
}];
const network = { awsvpcConfiguration: { subnets: ["subnet-1"] } };
const describeDeployment = async (arn: string): Promise<ServiceDeployment> => (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments![0]!;
const reaches = (arn: string, status: string, timeoutMs = 180_000) =>
  waitFor(`${arn} ${status}`, async () => {
    const d = await describeDeployment(arn);
    return d.status === status ? d : undefined;
  }, timeoutMs);
const atStage = (arn: string, stage: string) =>
  waitFor(`${arn} at ${stage}`, async () => {
    const d = await describeDeployment(arn);
    return d.lifecycleStage === stage && d.lifecycleHookDetails?.length ? d : undefined;
  }, 180_000);

interface Invocation { invocationId: string; hookId: string; functionArn: string; lifecycleStage: string; status: string; payload: Record<string, any> }
/** Berth's endpoint for Lambda hooks: the invocations awaiting an answer. */
async function invocations(serviceArn: string): Promise<Invocation[]> {
  const res = await fetch(`${berth.endpoint}/_berth/ecs/lifecycle-hook-invocations?serviceArn=${encodeURIComponent(serviceArn)}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { invocations: Invocation[] }).invocations;
}
const invoked = (serviceArn: string, stage: string, not?: string) =>
  waitFor(`an invocation at ${stage}`, async () => (await invocations(serviceArn)).find((i) => i.lifecycleStage === stage && i.invocationId !== not), 180_000);
/** Answers an invocation as the Lambda function would return. */
const answer = (invocationId: string, body: unknown) =>
  fetch(`${berth.endpoint}/_berth/ecs/lifecycle-hook-invocations/${encodeURIComponent(invocationId)}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });

const rejects = async (what: Promise<unknown>, name: string, message?: RegExp) => {
  await assert.rejects(what, (err: Error) => {
    assert.equal(err.name, name, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
};

test("lifecycle hooks: bad configurations are refused with AWS's exceptions and change nothing", async () => {
  const create = (deploymentConfiguration: DeploymentConfiguration) => ecs.send(new CreateServiceCommand({
    serviceName: "refused", taskDefinition: defs.v1, desiredCount: 1, launchType: "FARGATE", networkConfiguration: network, loadBalancers: loadBalancers(), deploymentConfiguration,
  }));
  const bg = (lifecycleHooks: DeploymentLifecycleHook[]) => create({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 0, lifecycleHooks });
  await rejects(create({ lifecycleHooks: [HOOKS[0]!] }), "InvalidParameterException", /BLUE_GREEN, LINEAR and CANARY/);
  await rejects(bg([{ roleArn: ROLE, lifecycleStages: ["POST_SCALE_UP"] }]), "InvalidParameterException", /hookTargetArn must be specified/);
  await rejects(bg([{ hookTargetArn: "arn:aws:sqs:us-east-1:000000000000:q", roleArn: ROLE, lifecycleStages: ["POST_SCALE_UP"] }]), "InvalidParameterException", /not a valid Lambda function ARN/);
  await rejects(bg([{ hookTargetArn: LAMBDA, lifecycleStages: ["POST_SCALE_UP"] }]), "InvalidParameterException", /roleArn must be specified/);
  await rejects(bg([{ hookTargetArn: LAMBDA, roleArn: ROLE, lifecycleStages: [] }]), "InvalidParameterException", /lifecycleStages must be specified/);
  await rejects(bg([{ targetType: "PAUSE", lifecycleStages: ["PRODUCTION_TRAFFIC_SHIFT"] }]), "InvalidParameterException", /PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT/);
  await rejects(bg([{ targetType: "PAUSE", hookTargetArn: LAMBDA, lifecycleStages: ["POST_SCALE_UP"] }]), "InvalidParameterException", /not supported for PAUSE/);
  // Values outside the model's enums and ranges: the protocol layer's validation.
  await rejects(bg([{ hookTargetArn: LAMBDA, roleArn: ROLE, lifecycleStages: ["BAKE_TIME" as never] }]), "InvalidParameterException", /lifecycleStages/);
  await rejects(bg([{ targetType: "PAUSE", lifecycleStages: ["POST_SCALE_UP"], timeoutConfiguration: { timeoutInMinutes: 0 } }]), "InvalidParameterException", /timeoutInMinutes/);
  const { services } = await ecs.send(new DescribeServicesCommand({ services: ["refused"] }));
  assert.deepEqual(services, [], "nothing was created");
  await rejects(ecs.send(new ContinueServiceDeploymentCommand({
    serviceDeploymentArn: "arn:aws:ecs:us-east-1:000000000000:service-deployment/default/none/AAAAAAAAAAAAAAAAAAAAAA", hookId: "ecs-pause-x",
  })), "ServiceDeploymentNotFoundException");
  const notJson = await answer("ecs-lambda-nothing.1", "not json");
  assert.equal(notJson.status, 400);
  const unknown = await answer("ecs-lambda-nothing.1", { hookStatus: "SUCCEEDED" });
  assert.equal(unknown.status, 404);
});

test("lifecycle hooks: Lambda hooks answered through Berth and a pause hook continued hold a blue/green deployment at each stage; a pause survives kill -9", async () => {
  const { service } = await ecs.send(new CreateServiceCommand({
    serviceName: "hooked", taskDefinition: defs.v1, desiredCount: 1, launchType: "FARGATE", networkConfiguration: network, loadBalancers: loadBalancers(),
    deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 0 },
  }));
  const serviceArn = service!.serviceArn!;
  const first = await reaches(service!.currentServiceDeployment!, "SUCCESSFUL");

  // UpdateService takes the hooks; DescribeServices shows them as given, with the defaults ECS fills in.
  const updated = (await ecs.send(new UpdateServiceCommand({ service: "hooked", taskDefinition: defs.v2, deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 0, lifecycleHooks: HOOKS } }))).service!;
  assert.deepEqual(updated.deploymentConfiguration!.lifecycleHooks, HOOKS);
  const arn = updated.currentServiceDeployment!;
  const shown = (await ecs.send(new DescribeServicesCommand({ services: ["hooked"] }))).services![0]!;
  assert.deepEqual(shown.deploymentConfiguration!.lifecycleHooks, HOOKS);
  assert.deepEqual((await describeDeployment(arn)).deploymentConfiguration!.lifecycleHooks, HOOKS);

  // POST_SCALE_UP: green runs, the Lambda hook is invoked with ECS's event.
  const call = await invoked(serviceArn, "POST_SCALE_UP");
  const held = await atStage(arn, "POST_SCALE_UP");
  const target = held.targetServiceRevision!.arn!;
  assert.equal(call.functionArn, LAMBDA);
  // Before TEST_TRAFFIC_SHIFT the test rule still sends test traffic where the first deployment left it.
  assert.deepEqual(call.payload, {
    executionDetails: {
      testTrafficWeights: { [first.targetServiceRevision!.arn!]: 100 },
      productionTrafficWeights: { [first.targetServiceRevision!.arn!]: 100 },
      serviceArn,
      targetServiceRevisionArn: target,
    },
    executionId: call.hookId,
    lifecycleStage: "POST_SCALE_UP",
    resourceArn: arn,
    hookDetails: { suite: "smoke" },
  });
  assert.deepEqual(held.lifecycleHookDetails!.map((h) => [h.hookId, h.targetType, h.targetArn, h.status, h.timeoutAction]), [[call.hookId, "AWS_LAMBDA", LAMBDA, "IN_PROGRESS", "ROLLBACK"]]);
  assert.ok(held.lifecycleHookDetails![0]!.expiresAt! > new Date(), "a hook expires 24 hours after it started by default");

  // IN_PROGRESS: ECS invokes the function again after callBackDelay, with the hookDetails it returned.
  const again = await answer(call.invocationId, { hookStatus: "IN_PROGRESS", callBackDelay: 1, hookDetails: { round: 2 } });
  assert.equal(again.status, 200);
  const second = await invoked(serviceArn, "POST_SCALE_UP", call.invocationId);
  assert.equal(second.hookId, call.hookId);
  assert.deepEqual(second.payload.hookDetails, { round: 2 });
  assert.equal((await answer(call.invocationId, { hookStatus: "SUCCEEDED" })).status, 409, "a superseded invocation cannot be answered");
  assert.equal((await answer(second.invocationId, { hookStatus: "SUCCEEDED" })).status, 200);

  // POST_TEST_TRAFFIC_SHIFT: the pause hook awaits ContinueServiceDeployment; production stays on blue.
  const paused = await atStage(arn, "POST_TEST_TRAFFIC_SHIFT");
  const pause = paused.lifecycleHookDetails![0]!;
  assert.match(pause.hookId!, /^ecs-pause-[A-Za-z0-9_-]{43}$/);
  assert.deepEqual([pause.targetType, pause.status, pause.timeoutAction, pause.targetArn], ["PAUSE", "AWAITING_ACTION", "ROLLBACK", undefined]);
  await rejects(ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: "ecs-pause-unknown" })), "InvalidParameterException", /not found/);
  await rejects(ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: call.hookId })), "ClientException", /AWS_LAMBDA/);

  await berth.kill9();
  berth = await BerthProcess.start({ args: ARGS, dataDir });
  ecs = berth.ecs();
  elb.destroy();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  // Several decisions after the restart, the deployment is still held where it was.
  await new Promise((r) => setTimeout(r, 3000));
  const still = await describeDeployment(arn);
  assert.equal(still.status, "IN_PROGRESS");
  assert.equal(still.lifecycleStage, "POST_TEST_TRAFFIC_SHIFT");
  assert.equal(still.lifecycleHookDetails![0]!.status, "AWAITING_ACTION");
  assert.deepEqual(await forwardWeights(elb, alb.production), { [alb.blue]: 100, [alb.green]: 0 });

  assert.deepEqual(await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: pause.hookId!, action: "CONTINUE" })).then((o) => o.serviceDeploymentArn), arn);
  await rejects(ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: pause.hookId! })), "ClientException", /SUCCEEDED, not AWAITING_ACTION/);

  // POST_PRODUCTION_TRAFFIC_SHIFT: production is on green; the Lambda hook runs again, a new execution.
  const post = await invoked(serviceArn, "POST_PRODUCTION_TRAFFIC_SHIFT");
  assert.notEqual(post.hookId, call.hookId);
  assert.deepEqual(post.payload.executionDetails.productionTrafficWeights, { [target]: 100 });
  assert.deepEqual(await forwardWeights(elb, alb.production), { [alb.blue]: 0, [alb.green]: 100 });
  assert.equal((await describeDeployment(arn)).status, "IN_PROGRESS", "blue is not cleaned up before the hook succeeded");
  assert.equal((await answer(post.invocationId, { hookStatus: "SUCCEEDED" })).status, 200);
  const done = await reaches(arn, "SUCCESSFUL");
  assert.deepEqual(done.lifecycleHookDetails!.map((h) => [h.hookId, h.status]), [[post.hookId, "SUCCEEDED"]]);
  await rejects(ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: pause.hookId! })), "ClientException", /SUCCESSFUL/);

  // The AWS CLI sees the completed deployment.
  const { stdout } = await run("/usr/bin/aws", ["ecs", "describe-services", "--services", "hooked", "--endpoint-url", berth.endpoint, "--output", "json"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" },
  });
  const cli = JSON.parse(stdout) as { services: Array<{ taskDefinition: string; deployments: Array<{ rolloutState: string }> }> };
  assert.equal(cli.services[0]!.taskDefinition, defs.v2);
  assert.deepEqual(cli.services[0]!.deployments.map((d) => d.rolloutState), ["COMPLETED"]);
});

test("lifecycle hooks: a Lambda hook answering FAILED rolls the deployment back; ContinueServiceDeployment ROLLBACK does too", async () => {
  const serviceArn = "arn:aws:ecs:us-east-1:000000000000:service/default/hooked";
  const arn = (await ecs.send(new UpdateServiceCommand({ service: "hooked", taskDefinition: defs.v3 }))).service!.currentServiceDeployment!;
  const call = await invoked(serviceArn, "POST_SCALE_UP");
  const failed = await answer(call.invocationId, { hookStatus: "FAILED" });
  assert.deepEqual(await failed.json(), { hookId: call.hookId, status: "FAILED" });
  const back = await reaches(arn, "ROLLBACK_SUCCESSFUL");
  assert.equal((await answer(call.invocationId, { hookStatus: "SUCCEEDED" })).status, 409, "an answered invocation cannot be answered again");
  assert.match(back.statusReason!, /lifecycle hook .* returned FAILED at POST_SCALE_UP/);
  assert.ok(back.rollback?.serviceRevisionArn);
  let svc = (await ecs.send(new DescribeServicesCommand({ services: ["hooked"] }))).services![0]!;
  assert.equal(svc.taskDefinition, defs.v2, "the service runs the revision it rolled back to");
  assert.deepEqual(await forwardWeights(elb, alb.production), { [alb.blue]: 0, [alb.green]: 100 }, "production traffic never left v2");

  // A pause hook answered ROLLBACK: a Lambda answering anything but a hookStatus fails the hook the same way.
  const arn2 = (await ecs.send(new UpdateServiceCommand({ service: "hooked", taskDefinition: defs.v3 }))).service!.currentServiceDeployment!;
  const call2 = await invoked(serviceArn, "POST_SCALE_UP");
  assert.equal((await answer(call2.invocationId, { hookStatus: "SUCCEEDED" })).status, 200);
  const paused = await atStage(arn2, "POST_TEST_TRAFFIC_SHIFT");
  await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn2, hookId: paused.lifecycleHookDetails![0]!.hookId!, action: "ROLLBACK" }));
  const back2 = await reaches(arn2, "ROLLBACK_SUCCESSFUL");
  assert.match(back2.statusReason!, /rolled back by ContinueServiceDeployment/);
  svc = (await ecs.send(new DescribeServicesCommand({ services: ["hooked"] }))).services![0]!;
  assert.equal(svc.taskDefinition, defs.v2);
  assert.deepEqual(await invocations(serviceArn), [], "no invocation is left awaiting an answer");

  await ecs.send(new DeleteServiceCommand({ service: "hooked", force: true }));
  await waitFor("hooked INACTIVE", async () => (await ecs.send(new DescribeServicesCommand({ services: ["hooked"] }))).services![0]!.status === "INACTIVE", 60_000);
});

test("lifecycle hooks: a LINEAR deployment pauses before every production traffic step", async () => {
  const lin = await blueGreenAlb(elb, "linear");
  const { service } = await ecs.send(new CreateServiceCommand({
    serviceName: "stepped", taskDefinition: defs.v1, desiredCount: 1, launchType: "FARGATE", networkConfiguration: network,
    loadBalancers: [{ targetGroupArn: lin.blue, containerName: "web", containerPort: 8080, advancedConfiguration: { alternateTargetGroupArn: lin.green, productionListenerRule: lin.production } }],
    deploymentConfiguration: { strategy: "LINEAR", bakeTimeInMinutes: 0, linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 0 } },
  }));
  await reaches(service!.currentServiceDeployment!, "SUCCESSFUL");
  const arn = (await ecs.send(new UpdateServiceCommand({
    service: "stepped", taskDefinition: defs.v2,
    deploymentConfiguration: { strategy: "LINEAR", bakeTimeInMinutes: 0, linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 0 }, lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["PRE_PRODUCTION_TRAFFIC_SHIFT"] }] },
  }))).service!.currentServiceDeployment!;
  const holds: string[] = [];
  for (const weights of [{ [lin.blue]: 100, [lin.green]: 0 }, { [lin.blue]: 500, [lin.green]: 500 }]) {
    // PRE_PRODUCTION_TRAFFIC_SHIFT is held under ServiceDeploymentLifecycleStage's PRODUCTION_TRAFFIC_SHIFT.
    const held = await waitFor("a pause before the next step", async () => {
      const d = await describeDeployment(arn);
      const h = d.lifecycleHookDetails?.[0];
      return h?.status === "AWAITING_ACTION" && !holds.includes(h.hookId!) ? d : undefined;
    }, 180_000);
    assert.equal(held.lifecycleStage, "PRODUCTION_TRAFFIC_SHIFT");
    const hookId = held.lifecycleHookDetails![0]!.hookId!;
    holds.push(hookId);
    assert.deepEqual(await forwardWeights(elb, lin.production), weights, "no step is taken while the pause holds");
    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId }));
  }
  await reaches(arn, "SUCCESSFUL");
  assert.deepEqual(await forwardWeights(elb, lin.production), { [lin.blue]: 0, [lin.green]: 100 });
  await ecs.send(new DeleteServiceCommand({ service: "stepped", force: true }));
  await waitFor("stepped INACTIVE", async () => (await ecs.send(new DescribeServicesCommand({ services: ["stepped"] }))).services![0]!.status === "INACTIVE", 60_000);
});

test("lifecycle hooks: a pause at PRE_SCALE_UP holds a blue/green deployment before any green task starts", async () => {
  const pre = await blueGreenAlb(elb, "prescale");
  const lbs = [{ targetGroupArn: pre.blue, containerName: "web", containerPort: 8080, advancedConfiguration: { alternateTargetGroupArn: pre.green, productionListenerRule: pre.production } }];
  const { service } = await ecs.send(new CreateServiceCommand({
    serviceName: "prescale", taskDefinition: defs.v1, desiredCount: 1, launchType: "FARGATE", networkConfiguration: network, loadBalancers: lbs,
    deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 0 },
  }));
  await reaches(service!.currentServiceDeployment!, "SUCCESSFUL");
  const arn = (await ecs.send(new UpdateServiceCommand({
    service: "prescale", taskDefinition: defs.v2,
    deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 0, lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["PRE_SCALE_UP"] }] },
  }))).service!.currentServiceDeployment!;
  const held = await atStage(arn, "PRE_SCALE_UP");
  assert.equal(held.lifecycleHookDetails![0]!.status, "AWAITING_ACTION");
  const revisions = async () => {
    const { taskArns = [] } = await ecs.send(new ListTasksCommand({ serviceName: "prescale" }));
    const { tasks = [] } = taskArns.length ? await ecs.send(new DescribeTasksCommand({ tasks: taskArns })) : { tasks: [] };
    return tasks.map((t) => t.taskDefinitionArn);
  };
  // The scheduler decides every second; give it several decisions to (wrongly) start a green task.
  await new Promise((r) => setTimeout(r, 3000));
  assert.deepEqual(await revisions(), [defs.v1], "no green task while the pause holds");
  assert.deepEqual(await forwardWeights(elb, pre.production), { [pre.blue]: 100, [pre.green]: 0 });
  await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: held.lifecycleHookDetails![0]!.hookId! }));
  await reaches(arn, "SUCCESSFUL");
  assert.deepEqual(await forwardWeights(elb, pre.production), { [pre.blue]: 0, [pre.green]: 100 });
  await waitFor("only green tasks", async () => ((await revisions()).every((r) => r === defs.v2) ? true : undefined), 60_000);
  await ecs.send(new DeleteServiceCommand({ service: "prescale", force: true }));
  await waitFor("prescale INACTIVE", async () => (await ecs.send(new DescribeServicesCommand({ services: ["prescale"] }))).services![0]!.status === "INACTIVE", 60_000);
});

test("lifecycle hooks: test traffic moves to green at TEST_TRAFFIC_SHIFT, not before; a rollback runs its PRODUCTION_TRAFFIC_SHIFT and TEST_TRAFFIC_SHIFT hooks; an overtaken deployment's test traffic goes back to blue", async () => {
  const tt = await blueGreenAlb(elb, "shifted", { testRule: true });
  const lbs = [{ targetGroupArn: tt.blue, containerName: "web", containerPort: 8080, advancedConfiguration: { alternateTargetGroupArn: tt.green, productionListenerRule: tt.production, testListenerRule: tt.testRule } }];
  const test = () => forwardWeights(elb, tt.testRule!);
  const production = () => forwardWeights(elb, tt.production);
  const { service } = await ecs.send(new CreateServiceCommand({
    serviceName: "shifted", taskDefinition: defs.v1, desiredCount: 1, launchType: "FARGATE", networkConfiguration: network, loadBalancers: lbs,
    deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 0 },
  }));
  const serviceArn = service!.serviceArn!;
  const first = await reaches(service!.currentServiceDeployment!, "SUCCESSFUL");
  const blueRevision = first.targetServiceRevision!.arn!;
  // The kit's test rule starts on green: the first deployment's TEST_TRAFFIC_SHIFT moved it to its own (blue) group.
  assert.deepEqual(await test(), { [tt.blue]: 100, [tt.green]: 0 });

  const hooks: DeploymentLifecycleHook[] = [
    { targetType: "PAUSE", lifecycleStages: ["POST_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT"] },
    { hookTargetArn: LAMBDA, roleArn: ROLE, lifecycleStages: ["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"] },
  ];
  const arn = (await ecs.send(new UpdateServiceCommand({
    service: "shifted", taskDefinition: defs.v2, deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 0, lifecycleHooks: hooks },
  }))).service!.currentServiceDeployment!;

  // POST_SCALE_UP: green runs, held by the pause; the test rule has not moved ("there is no test traffic" to green).
  const scaled = await atStage(arn, "POST_SCALE_UP");
  const greenRevision = scaled.targetServiceRevision!.arn!;
  assert.deepEqual(await test(), { [tt.blue]: 100, [tt.green]: 0 }, "test traffic stays on blue before TEST_TRAFFIC_SHIFT");
  assert.deepEqual(await production(), { [tt.blue]: 100, [tt.green]: 0 });
  await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: scaled.lifecycleHookDetails![0]!.hookId! }));

  // TEST_TRAFFIC_SHIFT: test traffic is on green while the Lambda hook holds; production is not.
  const testShift = await invoked(serviceArn, "TEST_TRAFFIC_SHIFT");
  assert.equal((await describeDeployment(arn)).lifecycleStage, "TEST_TRAFFIC_SHIFT");
  assert.deepEqual(await test(), { [tt.blue]: 0, [tt.green]: 100 });
  assert.deepEqual(await production(), { [tt.blue]: 100, [tt.green]: 0 });
  assert.deepEqual(testShift.payload.executionDetails, {
    testTrafficWeights: { [greenRevision]: 100 }, productionTrafficWeights: { [blueRevision]: 100 }, serviceArn, targetServiceRevisionArn: greenRevision,
  });
  assert.equal((await answer(testShift.invocationId, { hookStatus: "SUCCEEDED" })).status, 200);

  // POST_TEST_TRAFFIC_SHIFT: green can be tested through the test rule; production still on blue.
  const tested = await atStage(arn, "POST_TEST_TRAFFIC_SHIFT");
  assert.deepEqual(await test(), { [tt.blue]: 0, [tt.green]: 100 });
  assert.deepEqual(await production(), { [tt.blue]: 100, [tt.green]: 0 });
  await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: tested.lifecycleHookDetails![0]!.hookId! }));

  // PRODUCTION_TRAFFIC_SHIFT: production is on green; its hook fails, and the deployment rolls back.
  const prodShift = await invoked(serviceArn, "PRODUCTION_TRAFFIC_SHIFT");
  assert.deepEqual(await production(), { [tt.blue]: 0, [tt.green]: 100 });
  assert.equal((await answer(prodShift.invocationId, { hookStatus: "FAILED" })).status, 200);

  // The rollback's PRODUCTION_TRAFFIC_SHIFT hook: production is back on blue, the target revision is blue's.
  const backProd = await invoked(serviceArn, "PRODUCTION_TRAFFIC_SHIFT", prodShift.invocationId);
  assert.notEqual(backProd.hookId, prodShift.hookId, "a new execution");
  assert.equal(backProd.payload.lifecycleStage, "PRODUCTION_TRAFFIC_SHIFT");
  assert.deepEqual(backProd.payload.executionDetails, {
    testTrafficWeights: { [greenRevision]: 100 }, productionTrafficWeights: { [blueRevision]: 100 }, serviceArn, targetServiceRevisionArn: blueRevision,
  });
  assert.equal(backProd.payload.resourceArn, arn);
  assert.deepEqual(await production(), { [tt.blue]: 100, [tt.green]: 0 });
  assert.deepEqual(await test(), { [tt.blue]: 0, [tt.green]: 100 }, "test traffic moves back only at the rollback's TEST_TRAFFIC_SHIFT");
  const rolling = await describeDeployment(arn);
  assert.equal(rolling.status, "ROLLBACK_IN_PROGRESS");
  assert.deepEqual(rolling.lifecycleHookDetails!.map((h) => [h.hookId, h.status]), [[backProd.hookId, "IN_PROGRESS"]]);
  assert.equal((await answer(backProd.invocationId, { hookStatus: "SUCCEEDED" })).status, 200);

  // The rollback's TEST_TRAFFIC_SHIFT hook: test traffic is back on blue; green is still there until it succeeds.
  const backTest = await invoked(serviceArn, "TEST_TRAFFIC_SHIFT", testShift.invocationId);
  assert.notEqual(backTest.hookId, testShift.hookId);
  assert.deepEqual(backTest.payload.executionDetails, {
    testTrafficWeights: { [blueRevision]: 100 }, productionTrafficWeights: { [blueRevision]: 100 }, serviceArn, targetServiceRevisionArn: blueRevision,
  });
  assert.deepEqual(await test(), { [tt.blue]: 100, [tt.green]: 0 });
  assert.equal((await describeDeployment(arn)).status, "ROLLBACK_IN_PROGRESS");
  assert.equal((await answer(backTest.invocationId, { hookStatus: "SUCCEEDED" })).status, 200);

  const back = await reaches(arn, "ROLLBACK_SUCCESSFUL");
  assert.match(back.statusReason!, /returned FAILED at PRODUCTION_TRAFFIC_SHIFT/);
  assert.equal((await ecs.send(new DescribeServicesCommand({ services: ["shifted"] }))).services![0]!.taskDefinition, defs.v1);
  assert.deepEqual(await invocations(serviceArn), [], "no invocation is left awaiting an answer");

  // A deployment overtaken after its test traffic shift: the next one starts with test traffic back on blue.
  const again = (await ecs.send(new UpdateServiceCommand({ service: "shifted", taskDefinition: defs.v2 }))).service!.currentServiceDeployment!;
  await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: again, hookId: (await atStage(again, "POST_SCALE_UP")).lifecycleHookDetails![0]!.hookId! }));
  assert.equal((await answer((await invoked(serviceArn, "TEST_TRAFFIC_SHIFT")).invocationId, { hookStatus: "SUCCEEDED" })).status, 200);
  await atStage(again, "POST_TEST_TRAFFIC_SHIFT");
  assert.deepEqual(await test(), { [tt.blue]: 0, [tt.green]: 100 });
  const newest = (await ecs.send(new UpdateServiceCommand({ service: "shifted", taskDefinition: defs.v3 }))).service!.currentServiceDeployment!;
  await atStage(newest, "POST_SCALE_UP");
  assert.deepEqual(await test(), { [tt.blue]: 100, [tt.green]: 0 });
  assert.deepEqual(await production(), { [tt.blue]: 100, [tt.green]: 0 });
  await ecs.send(new DeleteServiceCommand({ service: "shifted", force: true }));
  await waitFor("shifted INACTIVE", async () => (await ecs.send(new DescribeServicesCommand({ services: ["shifted"] }))).services![0]!.status === "INACTIVE", 60_000);
});
