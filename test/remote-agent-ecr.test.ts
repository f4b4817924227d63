import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { CreateClusterCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { DockerCli } from "./docker-cli.js";
import { AgentProcess, BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { ecr, registryPassword } from "./registry-kit.js";
import { httpGet, waitFor, waitForTask } from "./wait.js";

const run = promisify(execFile);

// A remote agent holds no registry secret and its engine has no login: the image below can reach
// its engine only by a pull with the host and password the server sent with the launch, under
// the ECR URI the task definition names (mapped to Berth's registry, as the in-process runner does).
const TOKEN = "remote-agent-ecr-test-token";
const HOST_IP = "127.0.2.3"; // not remote-agent.test.ts's, which may run alongside
const CLUSTER = "remote-ecr";
const ECR_URI = "000000000000.dkr.ecr.us-east-1.amazonaws.com/remote-web";
const marker = randomBytes(8).toString("hex");
const agentDir = mkdtempSync(join(tmpdir(), "berth-agent-ecr-"));
const work = mkdtempSync(join(tmpdir(), "berth-remote-ecr-"));
let berth: BerthProcess;
let ecs: ECSClient;
let agent: AgentProcess | undefined;
let host: string;

const cli = new DockerCli();
const docker = (...args: string[]) => cli.run(...args);

const dockerLogin = (password: string) => cli.login(host, password);

const registryImages = () => cli.imagesUnder(host);

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--agent-token", TOKEN] });
  ecs = berth.ecs();
  host = new URL(berth.endpoint).host;
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  await ecr(berth).send(new CreateRepositoryCommand({ repositoryName: "remote-web" }));

  writeFileSync(join(work, "index.html"), `remote-pushed-${marker}\n`);
  writeFileSync(join(work, "Dockerfile"), `FROM ${TEST_IMAGE}\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n`);
  await docker("build", "-q", "-t", `${host}/remote-web:1`, work);
  await dockerLogin(await registryPassword(berth));
  await docker("push", `${host}/remote-web:1`);
  // Gone from the engine: only the agent's pull from Berth's registry can bring it back.
  await docker("rmi", `${host}/remote-web:1`);
  assert.deepEqual(await registryImages(), []);

  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "remote-web", networkMode: "bridge",
    containerDefinitions: [{ name: "web", image: `${ECR_URI}:1`, memory: 32, stopTimeout: 1, portMappings: [{ containerPort: 8080, hostPort: 0 }] }],
  }));
  agent = await AgentProcess.start({ endpoint: berth.endpoint, cluster: CLUSTER, token: TOKEN, hostIp: HOST_IP, dataDir: agentDir });
});

after(async () => {
  let agentLeft: string[] = [];
  try {
    await berth.dispose(); // its reset asks the connected agent to remove its containers
  } finally {
    if (agent) {
      await agent.stop();
      agentLeft = await agent.removeLeftovers();
    }
    const left = await registryImages().catch(() => []);
    if (left.length) await run("docker", ["rmi", "-f", ...left]).catch(() => undefined);
    cli.dispose();
    for (const dir of [agentDir, work]) rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(agentLeft, [], "the agent's containers were all removed");
});

test("a task on a remote agent pulls its ECR-URI image from Berth's registry and answers on the agent's host IP", async () => {
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: "remote-web", launchType: "EC2" }));
  const task = await waitForTask(ecs, CLUSTER, tasks![0]!.taskArn!, "RUNNING", 60_000);
  assert.equal(task.containerInstanceArn, agent!.containerInstanceArn);
  const c = task.containers![0]!;
  assert.equal(c.image, `${ECR_URI}:1`, "the task shows the image as its definition names it");
  assert.match(c.imageDigest ?? "", /^sha256:[a-f0-9]{64}$/);
  const binding = c.networkBindings![0]!;
  assert.equal(binding.bindIP, HOST_IP);
  const page = await waitFor("the task's page", () => httpGet(`http://${HOST_IP}:${binding.hostPort}/`), 60_000);
  assert.equal(page.body.trim(), `remote-pushed-${marker}`);
  assert.equal((await agent!.running(task.taskArn!)).length, 1, "the container is the agent's");
  assert.deepEqual(await registryImages(), [`${host}/remote-web:1`], "the agent's engine pulled it under Berth's registry host");

  await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn! }));
  await waitForTask(ecs, CLUSTER, task.taskArn!, "STOPPED");
});
