import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateClusterCommand, RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type ECSClient, type ContainerDefinition } from "@aws-sdk/client-ecs";
import { AgentProcess, BerthProcess, berthBin } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask } from "./wait.js";

const run = promisify(execFile);
const TOKEN = "awslogs-test-token";
const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);
const PRINT_500 = "for i in $(seq 1 500); do echo line $i; done";
const taskIdOf = (arn: string) => arn.split("/").pop()!;

let berth: BerthProcess;
let ecs: ECSClient;

/** A task definition whose one container `web` runs `script` and logs with awslogs. */
async function register(family: string, script: string, options: Record<string, string>, extra: Partial<ContainerDefinition> = {}): Promise<void> {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family, networkMode: "bridge",
    containerDefinitions: [{
      name: "web", image: TEST_IMAGE, memory: 32, stopTimeout: 1, entryPoint: ["sh", "-c"], command: [script],
      logConfiguration: { logDriver: "awslogs", options: { "awslogs-region": "us-east-1", ...options } }, ...extra,
    }],
  }));
}

async function runTask(family: string, cluster = "default", launchType: "EC2" | "FARGATE" = "EC2"): Promise<string> {
  const { tasks, failures } = await ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, launchType }));
  assert.deepEqual(failures, []);
  return tasks![0]!.taskArn!;
}

/** Every event of a stream, oldest first, as `aws logs get-log-events` pages them. */
async function streamMessages(group: string, stream: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await berth.aws("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream, "--start-from-head", ...(token ? ["--next-token", token] : []));
    out.push(...page.events.map((e: { message: string }) => e.message));
    if (page.events.length === 0 || page.nextForwardToken === token) return out;
    token = page.nextForwardToken;
  }
}

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--agent-token", TOKEN] });
  ecs = berth.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: "default" }));
  // An instance registered through the API: its tasks run on the embedded agent.
  await ecs.send(new RegisterContainerInstanceCommand({ cluster: "default" }));
});

after(async () => {
  await berth.dispose();
});

test("a task's 500 numbered lines arrive once each, in order, in the stream ECS names, readable with the AWS CLI and berth logs", async () => {
  await register("printer", PRINT_500, { "awslogs-group": "/ecs/printer", "awslogs-stream-prefix": "web", "awslogs-create-group": "true" });
  const taskArn = await runTask("printer");
  const stopped = await waitForTask(ecs, "default", taskArn, "STOPPED");
  assert.equal(stopped.containers![0]!.exitCode, 0);
  const stream = `web/web/${taskIdOf(taskArn)}`;

  const streams = await berth.aws("logs", "describe-log-streams", "--log-group-name", "/ecs/printer");
  assert.deepEqual(streams.logStreams.map((s: { logStreamName: string }) => s.logStreamName), [stream]);
  // The task is reported STOPPED once its last output is stored: nothing to wait for.
  assert.deepEqual(await streamMessages("/ecs/printer", stream), numbered(500));

  // `aws logs tail` (FilterLogEvents) prints "<time> <stream> <message>".
  const { stdout } = await run("/usr/bin/aws", ["logs", "tail", "/ecs/printer", "--since", "1h", "--endpoint-url", berth.endpoint], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" },
  });
  const tailed = stdout.split("\n").filter(Boolean).map((l) => l.split(" ").slice(2).join(" "));
  assert.deepEqual(tailed, numbered(500));
  assert.ok(stdout.split("\n")[0]!.includes(` ${stream} `));

  // The SDK reads the same events.
  const logs = new CloudWatchLogsClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const sdk = await logs.send(new GetLogEventsCommand({ logGroupName: "/ecs/printer", logStreamName: stream, startFromHead: true }));
  assert.deepEqual(sdk.events!.map((e) => e.message), numbered(500));
  const errors = await logs.send(new FilterLogEventsCommand({ logGroupName: "/ecs/printer", filterPattern: '"line 250"' }));
  assert.deepEqual(errors.events!.map((e) => e.message), ["line 250"]);

  // berth logs reads the same store.
  const { stdout: berthLogs } = await run("node", [berthBin, "logs", taskIdOf(taskArn), "--endpoint", berth.endpoint]);
  assert.deepEqual(berthLogs.split("\n").filter(Boolean), numbered(500).map((l) => `web | ${l}`));
});

test("aws logs tail --follow shows a running task's lines as it prints them, each once", async () => {
  await register("ticker", "for i in $(seq 1 60); do echo line $i; sleep 0.1; done", { "awslogs-group": "/ecs/ticker", "awslogs-stream-prefix": "web", "awslogs-create-group": "true" });
  // The group exists before tail starts (tail refuses a missing group).
  await berth.aws("logs", "create-log-group", "--log-group-name", "/ecs/ticker");
  const tail = spawn("/usr/bin/aws", ["logs", "tail", "/ecs/ticker", "--follow", "--format", "short", "--endpoint-url", berth.endpoint], {
    // Python buffers a pipe's output: unbuffered, each line shows as tail prints it.
    env: { PYTHONUNBUFFERED: "1", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" },
  });
  const seen: string[] = [];
  const raw: string[] = [];
  createInterface({ input: tail.stdout! }).on("line", (l) => seen.push(l.split(" ").slice(1).join(" ")));
  createInterface({ input: tail.stderr! }).on("line", (l) => raw.push(l));
  try {
    const taskArn = await runTask("ticker");
    await waitForTask(ecs, "default", taskArn, "STOPPED");
    // tail polls FilterLogEvents every 5 seconds.
    await waitFor("tail to show all 60 lines", async () => (seen.length >= 60 ? true : undefined), 30_000).catch((err) => {
      throw new Error(`${err.message}: saw ${JSON.stringify(seen)}; stderr ${raw.join("\n")}`);
    });
    await new Promise((r) => setTimeout(r, 6000)); // one more poll: nothing is shown twice
    assert.deepEqual(seen, numbered(60));
  } finally {
    tail.kill();
  }
});

test("without a prefix the stream is named after the container's id", async () => {
  await register("noprefix", "echo hello; echo oops >&2", { "awslogs-group": "/ecs/noprefix", "awslogs-create-group": "true" });
  const taskArn = await runTask("noprefix");
  const task = await waitForTask(ecs, "default", taskArn, "STOPPED");
  const id = task.containers![0]!.runtimeId!;
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.deepEqual((await streamMessages("/ecs/noprefix", id)).sort(), ["hello", "oops"]);
});

test("output left without a final newline is the container's last event, as Docker's driver ships it", async () => {
  await register("unfinished", "echo first; printf last-words; printf oops >&2", { "awslogs-group": "/ecs/unfinished", "awslogs-create-group": "true" });
  const task = await waitForTask(ecs, "default", await runTask("unfinished"), "STOPPED");
  assert.deepEqual((await streamMessages("/ecs/unfinished", task.containers![0]!.runtimeId!)).sort(), ["first", "last-words", "oops"]);
});

test("a missing group without awslogs-create-group fails the task with ECS's reason", async () => {
  await register("nogroup", "echo never", { "awslogs-group": "/ecs/missing", "awslogs-stream-prefix": "web" });
  const taskArn = await runTask("nogroup");
  const task = await waitForTask(ecs, "default", taskArn, "STOPPED");
  const reason = "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1";
  assert.equal(task.stopCode, "TaskFailedToStart");
  assert.equal(task.stoppedReason, reason);
  assert.equal(task.containers![0]!.reason, reason);
  const groups = await berth.aws("logs", "describe-log-groups", "--log-group-name-prefix", "/ecs/missing");
  assert.deepEqual(groups.logGroups, [], "nothing was created");

  // With the group created first, the same definition runs.
  await berth.aws("logs", "create-log-group", "--log-group-name", "/ecs/missing");
  const again = await runTask("nogroup");
  await waitForTask(ecs, "default", again, "STOPPED");
  assert.deepEqual(await streamMessages("/ecs/missing", `web/web/${taskIdOf(again)}`), ["never"]);
});

test("awslogs-datetime-format joins a stack trace to the line it belongs to", async () => {
  const script = "echo '2024-05-01 10:00:00 starting'; echo '2024-05-01 10:00:01 boom'; echo '  at a'; echo '  at b'; echo '2024-05-01 10:00:02 done'";
  await register("multiline", script, { "awslogs-group": "/ecs/multiline", "awslogs-stream-prefix": "web", "awslogs-create-group": "true", "awslogs-datetime-format": "%Y-%m-%d %H:%M:%S" });
  const taskArn = await runTask("multiline");
  await waitForTask(ecs, "default", taskArn, "STOPPED");
  assert.deepEqual(await streamMessages("/ecs/multiline", `web/web/${taskIdOf(taskArn)}`), [
    "2024-05-01 10:00:00 starting\n", "2024-05-01 10:00:01 boom\n  at a\n  at b\n", "2024-05-01 10:00:02 done\n",
  ]);
});

test("the defaultLogDriverMode account setting is the mode of containers that choose none; one that chooses keeps its own", async () => {
  // The container prints its metadata (the task metadata endpoint v4), whose LogOptions are those its agent was given.
  const script = 'for i in 1 2 3 4 5; do wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4" 2>/dev/null && echo && exit 0; sleep 1; done; exit 1';
  const group = { "awslogs-group": "/ecs/modes", "awslogs-create-group": "true" };
  await register("mode-default", script, group);
  await register("mode-chosen", script, { ...group, mode: "non-blocking", "max-buffer-size": "2m" });
  const logOptions = async (family: string): Promise<Record<string, string>> => {
    const taskArn = await runTask(family);
    const stopped = await waitForTask(ecs, "default", taskArn, "STOPPED");
    assert.equal(stopped.containers![0]!.exitCode, 0, "the container read its metadata");
    // Without a prefix the stream is the container's id.
    const messages = await streamMessages("/ecs/modes", stopped.containers![0]!.runtimeId!);
    assert.ok(messages.length > 0, `the metadata was logged: ${JSON.stringify(messages)}`);
    return (JSON.parse(messages.join("\n")) as { LogOptions: Record<string, string> }).LogOptions;
  };
  // AWS's default since June 2025: non-blocking.
  assert.equal((await logOptions("mode-default")).mode, "non-blocking");
  await berth.aws("ecs", "put-account-setting-default", "--name", "defaultLogDriverMode", "--value", "blocking");
  try {
    assert.equal((await logOptions("mode-default")).mode, "blocking");
    const chosen = await logOptions("mode-chosen");
    assert.deepEqual([chosen.mode, chosen["max-buffer-size"]], ["non-blocking", "2m"]);
  } finally {
    await berth.aws("ecs", "delete-account-setting", "--name", "defaultLogDriverMode", "--principal-arn", "arn:aws:iam::000000000000:root");
  }
  // The task definition is as registered: the mode is given to the launch only.
  const { taskDefinition } = await berth.aws("ecs", "describe-task-definition", "--task-definition", "mode-default");
  assert.equal(taskDefinition.containerDefinitions[0].logConfiguration.options.mode, undefined);
});

test("a server killed (-9) mid-stream and started again loses and repeats no line", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "berth-awslogs-restart-"));
  let b = await BerthProcess.start({ dataDir });
  try {
    const c = b.ecs();
    await c.send(new CreateClusterCommand({ clusterName: "default" }));
    await c.send(new RegisterContainerInstanceCommand({ cluster: "default" }));
    await c.send(new RegisterTaskDefinitionCommand({
      family: "slow", networkMode: "bridge",
      containerDefinitions: [{
        name: "web", image: TEST_IMAGE, memory: 32, stopTimeout: 1, entryPoint: ["sh", "-c"],
        command: ["for i in $(seq 1 500); do echo line $i; sleep 0.01; done"],
        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/slow", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web", "awslogs-create-group": "true" } },
      }],
    }));
    const taskArn = (await c.send(new RunTaskCommand({ cluster: "default", taskDefinition: "slow", launchType: "EC2" }))).tasks![0]!.taskArn!;
    const stream = `web/web/${taskIdOf(taskArn)}`;
    const count = async (server: BerthProcess) => (await server.aws("logs", "get-log-events", "--log-group-name", "/ecs/slow", "--log-stream-name", stream, "--start-from-head")).events.length as number;
    await waitFor("some lines stored", async () => ((await count(b).catch(() => 0)) >= 20 ? true : undefined), 30_000);
    await b.kill9();
    b = await BerthProcess.start({ dataDir });
    await waitForTask(b.ecs(), "default", taskArn, "STOPPED", 60_000);
    const server = b;
    const got = await waitFor("all lines", async () => {
      const events = (await server.aws("logs", "get-log-events", "--log-group-name", "/ecs/slow", "--log-stream-name", stream, "--start-from-head")).events.map((e: { message: string }) => e.message);
      return events.length >= 500 ? events : undefined;
    }, 30_000);
    assert.deepEqual(got, numbered(500));
  } finally {
    await b.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("a remote agent ships its task's output to the server", async () => {
  const agentDir = mkdtempSync(join(tmpdir(), "berth-awslogs-agent-"));
  await ecs.send(new CreateClusterCommand({ clusterName: "remote" }));
  const agent = await AgentProcess.start({ endpoint: berth.endpoint, cluster: "remote", token: TOKEN, hostIp: "127.0.2.7", dataDir: agentDir, args: ["--instance-cpu", "1024", "--instance-memory", "512"] });
  try {
    await register("remote-printer", PRINT_500, { "awslogs-group": "/ecs/remote", "awslogs-stream-prefix": "web", "awslogs-create-group": "true" });
    const taskArn = await runTask("remote-printer", "remote");
    const task = await waitForTask(ecs, "remote", taskArn, "STOPPED");
    assert.equal(task.containerInstanceArn, agent.containerInstanceArn);
    assert.deepEqual(await streamMessages("/ecs/remote", `web/web/${taskIdOf(taskArn)}`), numbered(500));
  } finally {
    await berth.reset();
    await agent.stop();
    const left = await agent.removeLeftovers();
    rmSync(agentDir, { recursive: true, force: true });
    assert.deepEqual(left, []);
  }
});
