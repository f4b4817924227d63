import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { CreateClusterCommand, RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type ECSClient, type Task } from "@aws-sdk/client-ecs";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { DockerCli } from "./docker-cli.js";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { ecr, registryPassword } from "./registry-kit.js";
import { httpGet, waitFor, waitForTask } from "./wait.js";

const run = promisify(execFile);

// Issue 3 item 7: tasks run images pushed to Berth's registry. The image is built and pushed
// with the Docker CLI (throw-away DOCKER_CONFIG), then removed from the engine so that the task
// launch must pull it, with credentials Berth supplies: the engine itself has none.
let berth: BerthProcess;
let ecs: ECSClient;
let host: string;
let work: string;
const marker = randomBytes(8).toString("hex");
const ECR_URI = "000000000000.dkr.ecr.us-east-1.amazonaws.com/web";

const cli = new DockerCli();
const docker = (...args: string[]) => cli.run(...args);

const dockerLogin = (password: string) => cli.login(host, password);

const registryImages = () => cli.imagesUnder(host);

let pushedDigest: string;
let repositoryUri: string;

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start();
  ecs = berth.ecs();
  host = new URL(berth.endpoint).host;
  work = mkdtempSync(join(tmpdir(), "berth-ecs-ecr-"));
  await ecs.send(new CreateClusterCommand({ clusterName: "dev" }));
  const { repository } = await ecr(berth).send(new CreateRepositoryCommand({ repositoryName: "web" }));
  repositoryUri = repository!.repositoryUri!;
  assert.equal(repositoryUri, `${host}/web`);

  // busybox httpd serving a page baked into a layer of its own.
  writeFileSync(join(work, "index.html"), `pushed-${marker}\n`);
  writeFileSync(join(work, "Dockerfile"), `FROM ${TEST_IMAGE}\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n`);
  await docker("build", "-q", "-t", `${host}/web:1`, work);
  await docker("tag", `${host}/web:1`, `${host}/web:2`);
  await dockerLogin(await registryPassword(berth));
  const pushed = await docker("push", `${host}/web:1`);
  pushedDigest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.stdout)?.[1] ?? "";
  assert.ok(pushedDigest, pushed.stdout);
  await docker("push", `${host}/web:2`);
  // Gone from the engine: only a pull from Berth's registry can bring it back.
  await docker("rmi", `${host}/web:1`, `${host}/web:2`);
  assert.deepEqual(await registryImages(), []);
});

after(async () => {
  try {
    await berth.dispose(); // stops and removes the tasks' containers first
  } finally {
    const left = await registryImages().catch(() => []);
    if (left.length) await run("docker", ["rmi", "-f", ...left]).catch(() => undefined);
    cli.dispose();
    rmSync(work, { recursive: true, force: true });
  }
});

const fargate = (family: string, image: string) => ({
  family,
  requiresCompatibilities: ["FARGATE" as const],
  networkMode: "awsvpc" as const,
  cpu: "256",
  memory: "512",
  // Fargate needs an execution role to pull from ECR, as on AWS.
  executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole",
  containerDefinitions: [{ name: "web", image, essential: true, portMappings: [{ containerPort: 8080 }], stopTimeout: 2 }],
});

async function runFargate(family: string, image: string): Promise<string> {
  await ecs.send(new RegisterTaskDefinitionCommand(fargate(family, image)));
  const { tasks, failures } = await ecs.send(new RunTaskCommand({
    cluster: "dev", taskDefinition: family, launchType: "FARGATE",
    networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
  }));
  assert.deepEqual(failures, []);
  return tasks![0]!.taskArn!;
}

const privateIp = (t: Task) => t.attachments?.[0]?.details?.find((d) => d.name === "privateIPv4Address")?.value;

async function assertServesPushedPage(task: Task, image: string) {
  const c = task.containers![0]!;
  assert.equal(c.image, image, "the container's image is what the task definition says");
  assert.equal(c.imageDigest, pushedDigest, "imageDigest is the pushed manifest's digest");
  const page = await waitFor("the task's page", () => httpGet(`http://${privateIp(task)}:8080/`));
  assert.equal(page.status, 200);
  assert.equal(page.body, `pushed-${marker}\n`);
}

test("an ECR image URI written for AWS runs from Berth's registry, pulled with Berth's credentials", async () => {
  const image = `${ECR_URI}:1`;
  const running = await waitForTask(ecs, "dev", await runFargate("from-ecr-uri", image), "RUNNING", 120_000);
  await assertServesPushedPage(running, image);
});

test("the repositoryUri as ECR returned it runs too, and so does an ECR URI by digest", async () => {
  // Tag 2 names the same image; it was removed from the engine, so the pull needs credentials.
  const byUri = `${repositoryUri}:2`;
  const byDigest = `${ECR_URI}@${pushedDigest}`;
  const [a, b] = await Promise.all([runFargate("from-repository-uri", byUri), runFargate("from-digest", byDigest)]);
  await assertServesPushedPage(await waitForTask(ecs, "dev", a, "RUNNING", 120_000), byUri);
  await assertServesPushedPage(await waitForTask(ecs, "dev", b, "RUNNING", 120_000), byDigest);
});

test("a tag or repository that does not exist stops the task with CannotPullContainerError", async (t) => {
  const cases = [
    { family: "missing-tag", image: `${ECR_URI}:nope` },
    // The region comes from the URI: us-east-1 has `web`, eu-west-1 has no repository at all.
    { family: "other-region", image: "000000000000.dkr.ecr.eu-west-1.amazonaws.com/web:1" },
    { family: "missing-repo", image: `${repositoryUri.replace(/\/web$/, "/nothere")}:1` },
  ];
  const arns = await Promise.all(cases.map((c) => runFargate(c.family, c.image)));
  for (const [i, arn] of arns.entries()) {
    const { image } = cases[i]!;
    const stopped = await waitForTask(ecs, "dev", arn, "STOPPED", 120_000);
    t.diagnostic(`${image}: ${stopped.stoppedReason}`);
    assert.equal(stopped.stopCode, "TaskFailedToStart", image);
    // ECS's words: the error name, then the engine's message, naming the image as the definition does.
    assert.match(stopped.stoppedReason ?? "", /^CannotPullContainerError: Error response from daemon: /, image);
    assert.ok(stopped.stoppedReason!.includes(image.replace(/:[^:/]+$/, "")), `${stopped.stoppedReason} names ${image}`);
    assert.equal(stopped.containers?.[0]?.reason, stopped.stoppedReason);
    assert.equal(stopped.containers?.[0]?.image, image);
  }
});

test("a failed pull falls back to the engine's cached image on EC2 (ECS's default pull behaviour), not on Fargate", async () => {
  // Tagged in the engine under Berth's registry host but never pushed: every pull of it fails.
  const image = `${host}/web:local-only`;
  await docker("tag", TEST_IMAGE, image);
  await ecs.send(new RegisterContainerInstanceCommand({ cluster: "dev" }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "cached-ec2", networkMode: "bridge",
    containerDefinitions: [{ name: "s", image, memory: 32, command: ["sleep", "600"], stopTimeout: 1 }],
  }));
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "dev", taskDefinition: "cached-ec2", launchType: "EC2" }));
  const running = await waitForTask(ecs, "dev", tasks![0]!.taskArn!, "RUNNING", 120_000);
  assert.equal(running.containers?.[0]?.image, image);

  const stopped = await waitForTask(ecs, "dev", await runFargate("cached-fargate", image), "STOPPED", 120_000);
  assert.equal(stopped.stopCode, "TaskFailedToStart");
  assert.match(stopped.stoppedReason ?? "", /^CannotPullContainerError: .*local-only/);
});
