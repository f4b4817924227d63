import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { IAMClient, CreateRoleCommand } from "@aws-sdk/client-iam";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type ECSClient, type Task } from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { ensureSdkImage, SDK_IMAGE } from "./sdk-image.js";
import { waitFor, waitForTask } from "./wait.js";

const run = promisify(execFile);
let berth: BerthProcess;
let ecs: ECSClient;
let roleArn = "";
let untrustedArn = "";

const trust = (service: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

before(async () => {
  await ensureSdkImage();
  // Strict SigV4: a session is accepted only while STS holds it (revocation shows).
  berth = await BerthProcess.start({ args: ["--instances", "1", "--strict-sigv4"] });
  ecs = berth.ecs();
  const iam = new IAMClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  roleArn = (await iam.send(new CreateRoleCommand({ RoleName: "app", AssumeRolePolicyDocument: trust("ecs-tasks.amazonaws.com") }))).Role!.Arn!;
  untrustedArn = (await iam.send(new CreateRoleCommand({ RoleName: "lambda-only", AssumeRolePolicyDocument: trust("lambda.amazonaws.com") }))).Role!.Arn!;
});

after(async () => {
  await berth?.dispose();
});

async function runTask(family: string, mode: "bridge" | "awsvpc" | "host", taskRoleArn: string): Promise<string> {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family, networkMode: mode, taskRoleArn, cpu: "256", memory: "512", requiresCompatibilities: [mode === "awsvpc" ? "FARGATE" : "EC2"],
    containerDefinitions: [{ name: "app", image: SDK_IMAGE, entryPoint: ["sh", "-c"], command: ["node /app/probe.mjs; exec sleep 600"], stopTimeout: 1 }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand(mode === "awsvpc"
    ? { taskDefinition: family, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } }
    : { taskDefinition: family, launchType: "EC2" }));
  return tasks![0]!.taskArn!;
}

async function probe(t: Task): Promise<{ ok: boolean; arn?: string; error?: string }> {
  return waitFor("the SDK probe", async () => {
    const { stdout } = await run("docker", ["logs", t.containers![0]!.runtimeId!]);
    const line = stdout.split("\n").find((l) => l.startsWith("PROBE "));
    return line ? JSON.parse(line.slice(6)) : undefined;
  }, 60_000);
}

for (const mode of ["bridge", "awsvpc", "host"] as const) {
  test(`${mode}: inside the task, an unmodified SDK is the assumed role (strict SigV4, STS's session)`, async () => {
    const arn = await runTask(`iam-${mode}`, mode, roleArn);
    const t = await waitForTask(ecs, "default", arn, "RUNNING");
    const result = await probe(t);
    assert.equal(result.ok, true, result.error);
    assert.equal(result.arn, `arn:aws:sts::000000000000:assumed-role/app/${arn.split("/").pop()}`);
    await ecs.send(new StopTaskCommand({ cluster: "default", task: arn }));
    await waitForTask(ecs, "default", arn, "STOPPED");
  });
}

test("the session works until the task stops, and not a moment after (revoked)", async () => {
  const arn = await runTask("revoke", "bridge", roleArn);
  const t = await waitForTask(ecs, "default", arn, "RUNNING");
  const { stdout } = await run("docker", ["exec", t.containers![0]!.runtimeId!, "sh", "-c", 'wget -q -O - "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"']);
  const doc = JSON.parse(stdout) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  const sts = new STSClient({ endpoint: berth.endpoint, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: doc.AccessKeyId, secretAccessKey: doc.SecretAccessKey, sessionToken: doc.Token } });
  assert.match((await sts.send(new GetCallerIdentityCommand({}))).Arn!, /:assumed-role\/app\//);
  await ecs.send(new StopTaskCommand({ cluster: "default", task: arn }));
  await waitForTask(ecs, "default", arn, "STOPPED");
  await assert.rejects(sts.send(new GetCallerIdentityCommand({})), (err: Error) => err.name === "InvalidClientTokenId");
});

test("a role that does not trust ecs-tasks.amazonaws.com fails the task with STS's refusal", async () => {
  const arn = await runTask("untrusted", "bridge", untrustedArn);
  const t = await waitForTask(ecs, "default", arn, "STOPPED");
  assert.equal(t.stopCode, "TaskFailedToStart");
  assert.equal(t.stoppedReason, `ResourceInitializationError: unable to assume the task role ${untrustedArn}: User: ecs-tasks.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: ${untrustedArn}`);
});
