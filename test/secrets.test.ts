import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import {
  CreateClusterCommand, RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, DescribeTaskDefinitionCommand,
  RunTaskCommand, StopTaskCommand, DescribeTasksCommand, ListTasksCommand, DescribeClustersCommand,
  ClientException, InvalidParameterException, type ECSClient, type RegisterTaskDefinitionCommandInput,
  type ContainerDefinition, type RunTaskCommandInput, type Task,
} from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitForTask } from "./wait.js";

/**
 * Secrets and environment values (issue 8, finding 6). A task that needs a secret, registry
 * credentials or an environment file fails to start as on ECS when it cannot fetch them, with
 * no container created; and no environment value ever reaches a stoppedReason, a container
 * reason, an error message or a log line. Every value planted here carries one random token;
 * the last test greps the server's whole log and every API answer (but those that echo the
 * definition or the overrides, as ECS's do) for it.
 */

const run = promisify(execFile);
const token = randomBytes(8).toString("hex");
const plant = (what: string) => `planted${what}${token}`;

const ASM = "arn:aws:secretsmanager:us-east-1:000000000000:secret:db-password-AbCdEf";
const SSM = "/prod/api-token";
const FARGATE_NET = { awsvpcConfiguration: { subnets: ["subnet-1"] } };

let berth: BerthProcess;
let ecs: ECSClient;
/** API answers that must not hold any planted value (overrides removed: ECS echoes them). */
const answers: unknown[] = [];

const withoutOverrides = (tasks: Task[] | undefined) => (tasks ?? []).map(({ overrides: _o, ...rest }) => rest);

const container = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: "app", image: TEST_IMAGE, essential: true, memory: 64, entryPoint: ["sh", "-c"], command: ["exec sleep 300"], stopTimeout: 1, ...extra,
});

async function register(family: string, extra: Partial<ContainerDefinition> = {}, task: Partial<RegisterTaskDefinitionCommandInput> = {}) {
  await ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [container(extra)], ...task }));
}

async function runOne(input: Omit<RunTaskCommandInput, "cluster">): Promise<Task> {
  const out = await ecs.send(new RunTaskCommand({ cluster: "sec", ...input }));
  answers.push({ tasks: withoutOverrides(out.tasks), failures: out.failures });
  assert.deepEqual(out.failures, []);
  return out.tasks![0]!;
}

async function stopped(taskArn: string): Promise<Task> {
  const t = await waitForTask(ecs, "sec", taskArn, "STOPPED");
  answers.push(withoutOverrides([t]));
  return t;
}

/** Containers the engine has for a task, in any state. */
async function engineContainers(taskArn: string): Promise<string[]> {
  const { stdout } = await run("docker", ["ps", "-a", "-q", "--filter", `label=berth.task-arn=${taskArn}`]);
  return stdout.split("\n").filter(Boolean);
}

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--log-level", "trace"] });
  ecs = berth.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: "sec" }));
  await ecs.send(new RegisterContainerInstanceCommand({ cluster: "sec" }));
});
after(async () => {
  await berth.dispose();
});

test("a definition with secrets registers, and its task fails to start without creating a container", async () => {
  await register("with-asm", { secrets: [{ name: "DB_PASSWORD", valueFrom: ASM }], environment: [{ name: "DB_USER", value: plant("User") }] });
  const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "with-asm" }));
  assert.deepEqual(taskDefinition?.containerDefinitions?.[0]?.secrets, [{ name: "DB_PASSWORD", valueFrom: ASM }]);

  const task = await runOne({ taskDefinition: "with-asm" });
  const t = await stopped(task.taskArn!);
  assert.equal(t.stopCode, "TaskFailedToStart");
  assert.equal(
    t.stoppedReason,
    `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${ASM} from secrets manager: Berth does not serve AWS Secrets Manager yet`,
  );
  assert.equal(t.containers?.[0]?.lastStatus, "STOPPED");
  assert.equal(t.containers?.[0]?.runtimeId, undefined);
  assert.equal(t.startedAt, undefined);
  assert.deepEqual(await engineContainers(task.taskArn!), []);
});

test("a Fargate task with a Parameter Store secret fails alike, with no network namespace either", async () => {
  await register("with-ssm", { secrets: [{ name: "API_TOKEN", valueFrom: SSM }], memory: undefined }, { requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512" });
  const task = await runOne({ taskDefinition: "with-ssm", launchType: "FARGATE", networkConfiguration: FARGATE_NET });
  const t = await stopped(task.taskArn!);
  assert.equal(t.stopCode, "TaskFailedToStart");
  assert.match(t.stoppedReason ?? "", /^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: .*\/prod\/api-token.*Berth does not serve AWS Systems Manager Parameter Store yet$/);
  assert.deepEqual(await engineContainers(task.taskArn!), []);
});

test("registry credentials and an environment file given as an override fail the task alike", async () => {
  await register("with-registry-auth", { repositoryCredentials: { credentialsParameter: ASM } });
  const auth = await stopped((await runOne({ taskDefinition: "with-registry-auth" })).taskArn!);
  assert.match(auth.stoppedReason ?? "", /^ResourceInitializationError: .*unable to retrieve secret from asm: .*db-password-AbCdEf/);

  await register("plain", { environment: [{ name: "PLAIN", value: plant("Plain") }] });
  const files = await runOne({ taskDefinition: "plain", overrides: { containerOverrides: [{ name: "app", environmentFiles: [{ type: "s3", value: "arn:aws:s3:::config-bucket/app.env" }] }] } });
  const t = await stopped(files.taskArn!);
  assert.equal(t.stopCode, "TaskFailedToStart");
  assert.equal(t.stoppedReason, "ResourceInitializationError: unable to download env file with key app.env from bucket config-bucket, error: Berth does not serve Amazon S3 yet");
  assert.deepEqual(await engineContainers(files.taskArn!), []);
});

test("an environment entry without a name is refused before it reaches the engine, without echoing its value", async () => {
  await assert.rejects(register("blank-name", { environment: [{ name: "", value: plant("Blank") }] }), (err: unknown) => {
    assert.ok(err instanceof ClientException, String(err));
    assert.equal(err.message, "Environment variable name cannot be null or blank.");
    answers.push(err.message);
    return true;
  });
  await assert.rejects(runOne({ taskDefinition: "plain", overrides: { containerOverrides: [{ name: "app", environment: [{ name: " ", value: plant("OverrideBlank") }] }] } }), (err: unknown) => {
    assert.ok(err instanceof InvalidParameterException, String(err));
    assert.equal(err.message, "Environment variable name cannot be null or blank.");
    answers.push(err.message);
    return true;
  });
});

test("a value the engine refuses (and quotes) fails the task without the value in any reason", async () => {
  // ECS accepts any value; the container runtime refuses a NUL byte and quotes the whole entry.
  await register("nul-value", { environment: [{ name: "TOKEN", value: `${plant("Nul")}\u0000${plant("AfterNul")}` }] });
  const fromDefinition = await stopped((await runOne({ taskDefinition: "nul-value" })).taskArn!);
  const fromOverride = await stopped((await runOne({ taskDefinition: "plain", overrides: { containerOverrides: [{ name: "app", environment: [{ name: "EXTRA", value: `${plant("Override")}\u0000x` }] }] } })).taskArn!);
  for (const t of [fromDefinition, fromOverride]) {
    assert.equal(t.stopCode, "TaskFailedToStart");
    // The engine did quote the value: it is there, blanked out.
    assert.match(t.stoppedReason ?? "", /^CannotStartContainerError: Error response from daemon: .*null.*\*\*\*/);
    assert.equal(t.containers?.[0]?.reason, t.stoppedReason);
    assert.ok(!t.stoppedReason!.includes(token), t.stoppedReason);
  }
});

test("a task's environment values reach its container and nothing else: not a log line, not an answer", async () => {
  await register("runs", { environment: [{ name: "API_KEY", value: plant("Running") }] });
  const task = await runOne({ taskDefinition: "runs", overrides: { containerOverrides: [{ name: "app", environment: [{ name: "EXTRA", value: plant("RunningOverride") }] }] } });
  const running = await waitForTask(ecs, "sec", task.taskArn!, "RUNNING");
  answers.push(withoutOverrides([running]));
  // The values are really there (so the grep below can fail): in the container, and echoed by ECS where ECS echoes them.
  const [id] = await engineContainers(task.taskArn!);
  const { stdout } = await run("docker", ["inspect", "--format", "{{json .Config.Env}}", id!]);
  assert.ok(stdout.includes(`API_KEY=${plant("Running")}`) && stdout.includes(`EXTRA=${plant("RunningOverride")}`), stdout);
  assert.ok(JSON.stringify(running.overrides).includes(token));
  const stop = await ecs.send(new StopTaskCommand({ cluster: "sec", task: task.taskArn!, reason: "done" }));
  answers.push(withoutOverrides([stop.task!]));
  await stopped(task.taskArn!);

  const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: "sec", desiredStatus: "STOPPED" }));
  assert.ok((taskArns?.length ?? 0) >= 7, `${taskArns?.length} stopped tasks`);
  const described = await ecs.send(new DescribeTasksCommand({ cluster: "sec", tasks: taskArns! }));
  answers.push(taskArns, withoutOverrides(described.tasks), described.failures);
  answers.push(await ecs.send(new DescribeClustersCommand({ clusters: ["sec"], include: ["STATISTICS"] })));

  const log = berth.output.join("\n");
  assert.ok(log.includes("task failed to start"), "the server logged the failed launches");
  const leaks = berth.output.filter((line) => line.includes(token));
  assert.deepEqual(leaks, [], "planted values in the server's log");
  const answerText = JSON.stringify(answers);
  assert.ok(answerText.includes("ResourceInitializationError") && answerText.includes("CannotStartContainerError"));
  assert.ok(!answerText.includes(token), `planted values in API answers: ${answerText.slice(Math.max(0, answerText.indexOf(token) - 200), answerText.indexOf(token) + 50)}`);
});
