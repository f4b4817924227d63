import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  CreateClusterCommand, RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
  type ContainerDefinition, type ECSClient, type RegisterTaskDefinitionCommandInput, type Task,
} from "@aws-sdk/client-ecs";
import { CreateRepositoryCommand, SetRepositoryPolicyCommand } from "@aws-sdk/client-ecr";
import * as IAM from "@aws-sdk/client-iam";
import { CloudWatchLogsClient, CreateLogGroupCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DockerCli } from "./docker-cli.js";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { ecr, registryPassword } from "./registry-kit.js";
import { waitFor, waitForTask } from "./wait.js";

/**
 * Issue 13, part 6: with iamEnforcement, a task's execution role gates what ECS does with it —
 * pulling images from Berth's registry, resolving secrets, delivering awslogs output — each
 * action on the real resource's ARN, and a refusal fails the task with the ECS agent's words.
 * The role here allows one repository, secrets named db-*, parameters under /app/ and the log
 * group /ecs/app; every task differs from the allowed one in a single resource.
 */

const run = promisify(execFile);
const ACCOUNT = "000000000000";
const REGION = "us-east-1";
const ECR_HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const EXEC_ROLE = `arn:aws:iam::${ACCOUNT}:role/exec`;
const NO_LOGIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/exec-no-login`;
const RETRIEVAL = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed";
const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const ECS_TASKS_TRUST = doc([{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }]);

let berth: BerthProcess;
let ecs: ECSClient;
let logs: CloudWatchLogsClient;
let host: string;
let dbSecretArn: string;
let otherSecretArn: string;
const cli = new DockerCli();

const session = (taskArn: string, role = "exec") => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${taskArn.split("/").pop()}`;
const denied = (taskArn: string, action: string, resource: string, role = "exec") =>
  `User: ${session(taskArn, role)} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

const container = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: "app", image: `${ECR_HOST}/allowed:1`, essential: true, entryPoint: ["sh", "-c"], command: ['echo "db=$DB_PASSWORD key=$API_KEY"'], stopTimeout: 1, ...extra,
});

/** A Fargate task (no image cache to fall back on) of a one-container definition; resolves when it has stopped. */
async function runStopped(family: string, extra: Partial<ContainerDefinition> = {}, task: Partial<RegisterTaskDefinitionCommandInput> = {}): Promise<Task> {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family, requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", executionRoleArn: EXEC_ROLE,
    containerDefinitions: [container(extra)], ...task,
  }));
  const { tasks, failures } = await ecs.send(new RunTaskCommand({
    cluster: "exec", taskDefinition: family, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
  }));
  assert.deepEqual(failures, []);
  return waitForTask(ecs, "exec", tasks![0]!.taskArn!, "STOPPED", 120_000);
}

function assertFailedToStart(t: Task, reason: string) {
  assert.equal(t.stopCode, "TaskFailedToStart", t.stoppedReason);
  assert.equal(t.stoppedReason, reason);
}

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--iam-enforcement"] });
  ecs = berth.ecs();
  logs = new CloudWatchLogsClient({ endpoint: berth.endpoint, region: REGION, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  host = new URL(berth.endpoint).host;
  await ecs.send(new CreateClusterCommand({ clusterName: "exec" }));
  await ecs.send(new RegisterContainerInstanceCommand({ cluster: "exec" }));
  // Four repositories holding the test image: the role's policy allows pulls from one, the
  // repository policy of another grants the role pull, the third refuses it (no policy allows
  // it), the fourth's policy denies the role what its own policy allows.
  for (const name of ["allowed", "denied", "granted", "fenced"]) {
    await ecr(berth).send(new CreateRepositoryCommand({ repositoryName: name }));
    await cli.run("tag", TEST_IMAGE, `${host}/${name}:1`);
  }
  await cli.login(host, await registryPassword(berth));
  for (const name of ["allowed", "denied", "granted", "fenced"]) await cli.run("push", `${host}/${name}:1`);
  await ecr(berth).send(new SetRepositoryPolicyCommand({
    repositoryName: "granted", policyText: doc([{ Effect: "Allow", Principal: { AWS: EXEC_ROLE }, Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"] }]),
  }));
  await ecr(berth).send(new SetRepositoryPolicyCommand({
    repositoryName: "fenced", policyText: doc([{ Effect: "Deny", Principal: { AWS: EXEC_ROLE }, Action: "ecr:BatchGetImage" }]),
  }));

  dbSecretArn = (await berth.aws("secretsmanager", "create-secret", "--name", "db-main", "--secret-string", JSON.stringify({ password: "s3cr3t" }))).ARN;
  otherSecretArn = (await berth.aws("secretsmanager", "create-secret", "--name", "other", "--secret-string", "x")).ARN;
  await berth.aws("ssm", "put-parameter", "--name", "/app/api-key", "--type", "SecureString", "--value", "k3y");
  await berth.aws("ssm", "put-parameter", "--name", "/other/api-key", "--type", "SecureString", "--value", "k3y");
  await logs.send(new CreateLogGroupCommand({ logGroupName: "/ecs/app" }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: "/ecs/other" }));

  const iam = new IAM.IAMClient({ endpoint: berth.endpoint, region: REGION, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const scoped = [
    { Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: [`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/allowed`, `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/fenced`] },
    { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db-*` },
    { Effect: "Allow", Action: "ssm:GetParameters", Resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/app/*` },
    { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/app:*` },
  ];
  for (const [name, statements] of [["exec", [{ Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" }, ...scoped]], ["exec-no-login", scoped]] as const) {
    await iam.send(new IAM.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: ECS_TASKS_TRUST }));
    await iam.send(new IAM.PutRolePolicyCommand({ RoleName: name, PolicyName: "execution", PolicyDocument: doc([...statements]) }));
  }
});

after(async () => {
  try {
    await berth.dispose();
  } finally {
    const left = await cli.imagesUnder(host).catch(() => []);
    if (left.length) await run("docker", ["rmi", "-f", ...left]).catch(() => undefined);
    cli.dispose();
  }
});

const SECRETS = { secrets: [{ name: "DB_PASSWORD", valueFrom: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db-main:password::` }, { name: "API_KEY", valueFrom: "/app/api-key" }] };
const AWSLOGS = (group: string) => ({ logConfiguration: { logDriver: "awslogs" as const, options: { "awslogs-group": group, "awslogs-region": REGION, "awslogs-stream-prefix": "ecs" } } });

test("a role that allows each resource pulls the image, resolves the secrets and delivers the output", async () => {
  const t = await runStopped("allowed", { ...SECRETS, ...AWSLOGS("/ecs/app") });
  assert.equal(t.stopCode, "EssentialContainerExited", t.stoppedReason);
  assert.equal(t.containers?.[0]?.exitCode, 0);
  const stream = `ecs/app/${t.taskArn!.split("/").pop()}`;
  const events = await waitFor("the output in CloudWatch Logs", async () => {
    const out = await logs.send(new GetLogEventsCommand({ logGroupName: "/ecs/app", logStreamName: stream }));
    return out.events?.length ? out.events : undefined;
  });
  assert.deepEqual(events.map((e) => e.message), ["db=s3cr3t key=k3y"]);
});

test("a repository the role may not pull from: CannotPullContainerError with the registry's AccessDenied", async () => {
  const t = await runStopped("pull-denied", { image: `${ECR_HOST}/denied:1` });
  const reason = `CannotPullContainerError: Error response from daemon: pull access denied for ${ECR_HOST}/denied, repository does not exist or may require 'docker login': denied: ${denied(t.taskArn!, "ecr:BatchGetImage", `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/denied`)}`;
  assertFailedToStart(t, reason);
  assert.equal(t.containers?.[0]?.reason, reason);
});

test("a repository policy that denies the role: the registry refuses the pull made with the role's session", async () => {
  // The task's registry password is issued to its execution role's session: the registry's own
  // authorization of the pull, repository policy included, is what refuses it.
  const t = await runStopped("pull-fenced", { image: `${ECR_HOST}/fenced:1` });
  const repository = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/fenced`;
  const reason = `CannotPullContainerError: Error response from daemon: pull access denied for ${ECR_HOST}/fenced, repository does not exist or may require 'docker login': denied: User: ${session(t.taskArn!)} is not authorized to perform: ecr:BatchGetImage on resource: ${repository} with an explicit deny in a resource-based policy`;
  assertFailedToStart(t, reason);
});

test("a repository whose policy grants the role pull: the task pulls it, the role's own policy naming other repositories", async () => {
  const t = await runStopped("pull-granted", { image: `${ECR_HOST}/granted:1` });
  assert.equal(t.stopCode, "EssentialContainerExited", t.stoppedReason);
  assert.equal(t.containers?.[0]?.exitCode, 0);
});

test("a role without ecr:GetAuthorizationToken cannot get the registry login", async () => {
  const t = await runStopped("no-login", {}, { executionRoleArn: NO_LOGIN_ROLE });
  assertFailedToStart(t, `${RETRIEVAL}: unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: ${denied(t.taskArn!, "ecr:GetAuthorizationToken", "*", "exec-no-login")}`);
});

test("a secret or a parameter the role may not read fails the task, naming the full ARNs", async () => {
  const secret = await runStopped("secret-denied", { secrets: [{ name: "DB_PASSWORD", valueFrom: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:other` }] });
  // The partial ARN of the definition is authorized as the secret's full ARN (with its suffix).
  assertFailedToStart(secret, `${RETRIEVAL}: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:other from secrets manager: AccessDeniedException: ${denied(secret.taskArn!, "secretsmanager:GetSecretValue", otherSecretArn)}`);
  assert.match(otherSecretArn, /:secret:other-[A-Za-z0-9]{6}$/);
  assert.match(dbSecretArn, /:secret:db-main-/);
  const parameter = await runStopped("parameter-denied", { secrets: [{ name: "API_KEY", valueFrom: "/other/api-key" }] });
  assertFailedToStart(parameter, `${RETRIEVAL}: unable to retrieve secrets from ssm: service call has been retried 1 time(s): AccessDeniedException: ${denied(parameter.taskArn!, "ssm:GetParameters", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/other/api-key`)}`);
});

test("a secret whose resource policy denies the role fails the task, though the role's own policy allows it", async () => {
  const fenced = (await berth.aws("secretsmanager", "create-secret", "--name", "db-fenced", "--secret-string", "x")).ARN as string;
  await berth.aws("secretsmanager", "put-resource-policy", "--secret-id", fenced, "--resource-policy",
    doc([{ Effect: "Deny", Principal: { AWS: EXEC_ROLE }, Action: "secretsmanager:GetSecretValue", Resource: "*" }]));
  const t = await runStopped("secret-fenced", { secrets: [{ name: "DB_PASSWORD", valueFrom: fenced }] });
  assertFailedToStart(t, `${RETRIEVAL}: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${fenced} from secrets manager: AccessDeniedException: User: ${session(t.taskArn!)} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${fenced} with an explicit deny in a resource-based policy`);
});

test("a log group the role may not write to fails the container as the awslogs driver does", async () => {
  const t = await runStopped("logs-denied", AWSLOGS("/ecs/other"));
  const id = t.taskArn!.split("/").pop();
  assertFailedToStart(t, `ResourceInitializationError: failed to validate logger args: failed to create Cloudwatch log stream: AccessDeniedException: ${denied(t.taskArn!, "logs:CreateLogStream", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/other:log-stream:ecs/app/${id}`)} : exit status 1`);
  // awslogs-create-group asks for logs:CreateLogGroup first, on the group's ARN.
  const created = await runStopped("create-group-denied", { logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/app", "awslogs-region": REGION, "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true" } } });
  assert.ok(created.stoppedReason?.includes(denied(created.taskArn!, "logs:CreateLogGroup", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/app:log-stream:`)), created.stoppedReason);
});

test("a role that does not exist refuses everything with STS's words", async () => {
  const missing = `arn:aws:iam::${ACCOUNT}:role/nobody`;
  const t = await runStopped("no-role", {}, { executionRoleArn: missing });
  assertFailedToStart(t, `${RETRIEVAL}: unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: User: ecs-tasks.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: ${missing}`);
});
