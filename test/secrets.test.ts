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
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitForTask } from "./wait.js";

/**
 * Secrets and environment values (issue 8, finding 6; issue 13). A task's `secrets` come from
 * Secrets Manager and Parameter Store at launch; one that cannot have them (a missing secret,
 * json key or parameter, an environment file from S3) fails to start as on ECS, with no
 * container created; and no secret or environment value ever reaches a stoppedReason, a
 * container reason, an error message, a label or a log line. Every value planted here carries
 * one random token; the last test greps the server's whole log and every API answer (but those
 * that echo the definition or the overrides, as ECS's do) for it.
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

/** Definitions with secrets need an execution role (not enforced here: iamEnforcement is off). */
const EXECUTION_ROLE = "arn:aws:iam::000000000000:role/ecsTaskExecutionRole";

async function register(family: string, extra: Partial<ContainerDefinition> = {}, task: Partial<RegisterTaskDefinitionCommandInput> = {}) {
  await ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [container(extra)], executionRoleArn: EXECUTION_ROLE, ...task }));
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

test("a definition with secrets but no executionRoleArn is refused, as ECS refuses it", async () => {
  await assert.rejects(register("no-role", { secrets: [{ name: "DB_PASSWORD", valueFrom: ASM }] }, { executionRoleArn: undefined }), (err: unknown) => {
    assert.ok(err instanceof ClientException);
    assert.equal(err.message, "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.");
    return true;
  });
});

test("a definition with a secret that does not exist registers, and its task fails to start without creating a container", async () => {
  await register("with-asm", { secrets: [{ name: "DB_PASSWORD", valueFrom: ASM }], environment: [{ name: "DB_USER", value: plant("User") }] });
  const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "with-asm" }));
  assert.deepEqual(taskDefinition?.containerDefinitions?.[0]?.secrets, [{ name: "DB_PASSWORD", valueFrom: ASM }]);

  const task = await runOne({ taskDefinition: "with-asm" });
  const t = await stopped(task.taskArn!);
  assert.equal(t.stopCode, "TaskFailedToStart");
  assert.equal(
    t.stoppedReason,
    `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${ASM} from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
  );
  assert.equal(t.containers?.[0]?.lastStatus, "STOPPED");
  assert.equal(t.containers?.[0]?.runtimeId, undefined);
  assert.equal(t.startedAt, undefined);
  assert.deepEqual(await engineContainers(task.taskArn!), []);
});

test("a Fargate task with a parameter that does not exist fails alike, with no network namespace either", async () => {
  await register("with-ssm", { secrets: [{ name: "API_TOKEN", valueFrom: SSM }], memory: undefined }, { requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512" });
  const task = await runOne({ taskDefinition: "with-ssm", launchType: "FARGATE", networkConfiguration: FARGATE_NET });
  const t = await stopped(task.taskArn!);
  assert.equal(t.stopCode, "TaskFailedToStart");
  assert.equal(t.stoppedReason, "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: /prod/api-token");
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

test("another account's secret under AWS's own key fails the task as GetSecretValue refuses it; under a key of the account's own it is read", async () => {
  // A 12-digit access key is that account in open mode: the secret belongs to 111111111111.
  const other = new SecretsManagerClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "111111111111", secretAccessKey: "x" } });
  const managed = await other.send(new CreateSecretCommand({ Name: "shared-managed", SecretString: plant("Managed") }));
  const own = await other.send(new CreateSecretCommand({ Name: "shared-own-key", SecretString: plant("OwnKey"), KmsKeyId: "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab" }));
  other.destroy();

  await register("cross-managed", { secrets: [{ name: "SHARED", valueFrom: managed.ARN }] });
  const refused = await stopped((await runOne({ taskDefinition: "cross-managed" })).taskArn!);
  assert.equal(refused.stopCode, "TaskFailedToStart");
  assert.equal(refused.stoppedReason, `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${managed.ARN} from secrets manager: InvalidRequestException: You can't access a secret from a different AWS account if you encrypt the secret with the default KMS service key.`);

  await register("cross-own-key", { secrets: [{ name: "SHARED", valueFrom: own.ARN }] });
  const task = await runOne({ taskDefinition: "cross-own-key" });
  const running = await waitForTask(ecs, "sec", task.taskArn!, "RUNNING");
  assert.equal(running.lastStatus, "RUNNING", running.stoppedReason);
  await ecs.send(new StopTaskCommand({ cluster: "sec", task: task.taskArn! }));
  await stopped(task.taskArn!);
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

/** What a task's container printed, read with docker logs (the container is the task's only one). */
async function printed(taskArn: string): Promise<string> {
  const [id] = await engineContainers(taskArn);
  const { stdout, stderr } = await run("docker", ["logs", id!]);
  return stdout + stderr;
}

const ACCOUNT_ASM = "arn:aws:secretsmanager:us-east-1:000000000000:secret";
const PRINT = { entryPoint: ["sh", "-c"], command: ['echo "DB_PASSWORD=$DB_PASSWORD API_KEY=$API_KEY OLD=$OLD"; exec sleep 300'] };

test("the issue's scenario: secrets from Secrets Manager (json key) and Parameter Store (SecureString) reach the container", async () => {
  const created = await berth.aws("secretsmanager", "create-secret", "--name", "db", "--secret-string", JSON.stringify({ password: plant("DbPassword"), user: "app" }));
  answers.push(created);
  answers.push(await berth.aws("ssm", "put-parameter", "--name", "/app/api-key", "--type", "SecureString", "--value", plant("ApiKey")));
  answers.push(await berth.aws("secretsmanager", "create-secret", "--name", "registry-login", "--secret-string", JSON.stringify({ username: "me", password: plant("RegistryPassword") })));
  // A second value: the first becomes AWSPREVIOUS, which a valueFrom can name.
  answers.push(await berth.aws("secretsmanager", "put-secret-value", "--secret-id", "db", "--secret-string", JSON.stringify({ password: plant("DbPassword2") })));
  await register("scenario", {
    ...PRINT,
    secrets: [
      { name: "DB_PASSWORD", valueFrom: `${ACCOUNT_ASM}:db:password::` },
      { name: "API_KEY", valueFrom: "/app/api-key" },
      { name: "OLD", valueFrom: `${created.ARN}:password:AWSPREVIOUS:` },
    ],
    repositoryCredentials: { credentialsParameter: `${ACCOUNT_ASM}:registry-login` },
  });
  const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "scenario" }));
  answers.push(described);
  assert.deepEqual(described.taskDefinition?.containerDefinitions?.[0]?.secrets?.map((x) => x.name), ["DB_PASSWORD", "API_KEY", "OLD"]);

  const task = await runOne({ taskDefinition: "scenario" });
  const running = await waitForTask(ecs, "sec", task.taskArn!, "RUNNING");
  answers.push(withoutOverrides([running]));
  let output = "";
  await waitForOutput(task.taskArn!, (o) => (output = o).includes("DB_PASSWORD="));
  assert.equal(output.trim(), `DB_PASSWORD=${plant("DbPassword2")} API_KEY=${plant("ApiKey")} OLD=${plant("DbPassword")}`);
  // Docker has them in the environment (as on ECS); never in a label.
  const [id] = await engineContainers(task.taskArn!);
  const { stdout: labels } = await run("docker", ["inspect", "--format", "{{json .Config.Labels}}", id!]);
  assert.ok(!labels.includes(token), labels);
  answers.push(withoutOverrides((await ecs.send(new DescribeTasksCommand({ cluster: "sec", tasks: [task.taskArn!] }))).tasks));
  answers.push(withoutOverrides([(await ecs.send(new StopTaskCommand({ cluster: "sec", task: task.taskArn!, reason: "done" }))).task!]));
  await stopped(task.taskArn!);
});

async function waitForOutput(taskArn: string, done: (output: string) => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (done(await printed(taskArn))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`the container printed: ${await printed(taskArn)}`);
}

test("a missing json key, a deleted secret and a missing parameter each stop the task with ECS's text", async () => {
  const prefix = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed";
  const cases: Array<[string, string, string]> = [
    ["no-key", `${ACCOUNT_ASM}:db:nope::`, `${prefix}: unable to retrieve secret from asm: service call has been retried 1 time(s): retrieved secret from Secrets Manager did not contain json key nope`],
    ["no-param", "/app/missing", `${prefix}: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: /app/missing`],
    ["no-stage", `${ACCOUNT_ASM}:db:password:AWSPENDING:`, `${prefix}: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${ACCOUNT_ASM}:db from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret value for staging label: AWSPENDING`],
  ];
  for (const [family, valueFrom, reason] of cases) {
    await register(family, { ...PRINT, secrets: [{ name: "DB_PASSWORD", valueFrom }] });
    const t = await stopped((await runOne({ taskDefinition: family })).taskArn!);
    assert.equal(t.stopCode, "TaskFailedToStart");
    assert.equal(t.stoppedReason, reason);
    assert.deepEqual(await engineContainers(t.taskArn!), []);
  }
  // A secret marked for deletion cannot be had either; restored, it can.
  answers.push(await berth.aws("secretsmanager", "delete-secret", "--secret-id", "registry-login", "--recovery-window-in-days", "7"));
  const deleted = await stopped((await runOne({ taskDefinition: "scenario" })).taskArn!);
  assert.equal(deleted.stoppedReason, `${prefix}: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${ACCOUNT_ASM}:registry-login from secrets manager: InvalidRequestException: You can't perform this operation on the secret because it was marked for deletion.`);
  answers.push(await berth.aws("secretsmanager", "restore-secret", "--secret-id", "registry-login"));
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
