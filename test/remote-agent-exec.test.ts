import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import {
  CreateClusterCommand, DescribeContainerInstancesCommand, ExecuteCommandCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type ECSClient,
} from "@aws-sdk/client-ecs";
import { AgentProcess, BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor, waitForTask } from "./wait.js";
import { drive } from "./exec-kit.js";

/**
 * ECS Exec on a task of a remote `berth agent`: ExecuteCommand with the SDK, the data channel
 * driven by ssm-session as in ecs-execute-command.test.ts, and the command run by the agent,
 * which relays its terminal to the server over a WebSocket of its own. The agent shares this
 * machine's engine, so the proof that the agent runs it is that a silent agent's task cannot be
 * reached, although its container still runs on the engine the server sees.
 */
const TOKEN = "remote-exec-test-token";
const CLUSTER = "remote-exec";
const agentDir = mkdtempSync(join(tmpdir(), "berth-agent-exec-"));
let berth: BerthProcess;
let ecs: ECSClient;
let agent: AgentProcess | undefined;
let taskArn = "";

const connected = async () =>
  (await ecs.send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: [agent!.containerInstanceArn] }))).containerInstances![0]!.agentConnected;

before(async () => {
  await ensureTestImage();
  // A silent agent shows disconnected after 3 s; its tasks are left alone for a minute.
  berth = await BerthProcess.start({ args: ["--agent-token", TOKEN, "--agent-heartbeat-timeout-seconds", "3", "--agent-disconnect-grace-seconds", "60"] });
  ecs = berth.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "shell", networkMode: "bridge",
    containerDefinitions: [{ name: "app", image: TEST_IMAGE, memory: 32, stopTimeout: 1, essential: true, entryPoint: ["sleep", "3600"] }],
  }));
  agent = await AgentProcess.start({ endpoint: berth.endpoint, cluster: CLUSTER, token: TOKEN, hostIp: "127.0.2.13", dataDir: agentDir });
  const { tasks, failures } = await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: "shell", launchType: "EC2", enableExecuteCommand: true }));
  assert.deepEqual(failures, []);
  taskArn = tasks![0]!.taskArn!;
  const running = await waitForTask(ecs, CLUSTER, taskArn, "RUNNING", 60_000);
  assert.equal(running.containerInstanceArn, agent.containerInstanceArn, "the only instance is the agent's");
});

after(async () => {
  agent?.signal("SIGCONT");
  assert.deepEqual(await AgentProcess.disposeWith(berth, agent, agentDir), [], "the agent's containers were all removed");
});

test("ExecuteCommand on a remote agent's task runs a real shell there, relayed through the agent", async () => {
  const answer = await ecs.send(new ExecuteCommandCommand({ cluster: CLUSTER, task: taskArn, command: "/bin/sh", interactive: true }));
  assert.equal(answer.taskArn, taskArn);
  assert.equal(answer.containerName, "app");
  const marker = randomBytes(4).toString("hex");
  const result = await drive(answer.session!, `echo remote-$((6*7))-${marker}; exit\r`);
  assert.match(result.output, new RegExp(`remote-42-${marker}`));
  assert.equal(result.closeCode, 1000, "the channel closes normally when the command exits");

  // Output larger than the flow-control window (256 unacknowledged messages) arrives whole and in order.
  const { session } = await ecs.send(new ExecuteCommandCommand({ cluster: CLUSTER, task: taskArn, command: "seq 1 30000", interactive: true }));
  const numbers = (await drive(session!, "")).output.split("\r\n").filter((l) => /^\d+$/.test(l)).map(Number);
  assert.deepEqual(numbers, Array.from({ length: 30000 }, (_, i) => i + 1));
});

test("a relay is only for the agent: without the agent token, or for a relay never asked for, the upgrade is refused", async () => {
  const status = (headers: Record<string, string>) => new Promise<number>((resolve) => {
    const ws = new WebSocket(`${berth.endpoint.replace(/^http/, "ws")}/_berth/agent/exec/${randomBytes(8).toString("hex")}`, { headers });
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.on("open", () => (ws.close(), resolve(101)));
    ws.on("error", () => {});
  });
  assert.equal(await status({}), 401);
  assert.equal(await status({ "x-berth-agent-token": "wrong" }), 401);
  assert.equal(await status({ "x-berth-agent-token": TOKEN }), 404);
});

test("a silent agent's task cannot be reached (TargetNotConnectedException) though its container runs; it can again once the agent is back", async () => {
  agent!.signal("SIGSTOP");
  await waitFor("the agent shown disconnected", async () => (await connected()) === false || undefined, 60_000);
  assert.equal((await agent!.running(taskArn)).length, 1, "the container still runs on the engine");
  await assert.rejects(ecs.send(new ExecuteCommandCommand({ cluster: CLUSTER, task: taskArn, command: "true", interactive: true })), (err: Error) => {
    assert.equal(err.name, "TargetNotConnectedException");
    assert.equal(err.message, "The execute command failed due to an internal error. Try again later.");
    return true;
  });

  agent!.signal("SIGCONT");
  await waitFor("the agent reconnected", async () => (await connected()) === true || undefined, 60_000);
  const { session } = await ecs.send(new ExecuteCommandCommand({ cluster: CLUSTER, task: taskArn, command: "sh -c \"echo back-$((2+3))\"", interactive: true }));
  const result = await drive(session!, "");
  assert.match(result.output, /back-5/);
  assert.equal(result.closeCode, 1000);
});
