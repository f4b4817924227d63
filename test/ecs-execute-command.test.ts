import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import WebSocket from "ws";
import { ssm } from "ssm-session";
import {
  CreateClusterCommand, DescribeTasksCommand, ECSClient, ExecuteCommandCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand,
} from "@aws-sdk/client-ecs";
import { CloudWatchLogsClient, CreateLogGroupCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import * as IAM from "@aws-sdk/client-iam";
import { awsCli, BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { drive } from "./exec-kit.js";
import { waitFor, waitForTask } from "./wait.js";

/**
 * ECS Exec end to end: ExecuteCommand with the SDK on a real running task, then the session's
 * data channel driven by ssm-session (a third-party client of the Session Manager protocol) over
 * `ws`, running a real shell in the real container; the frames Berth sends are also checked
 * byte by byte against the session-manager-plugin's published layout.
 */
const ROOT = { accessKeyId: "AKIDEXECROOT", secretAccessKey: "exec-root-secret" };
const config = (endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }) => ({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const SESSION_LOGS = "/ecs/exec-sessions";
const NOT_ENABLED = "The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running. Wait and try again or run a new task with execute command enabled and try again.";

/**
 * AWS's session-manager-plugin, which `aws ecs execute-command` runs, when it is installed (no
 * registry this project installs from ships it): the CLI test runs only then.
 */
const plugin = (() => {
  try {
    return execFileSync("sh", ["-c", "command -v session-manager-plugin"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

let berth: BerthProcess;
let ecs: ECSClient;
let execTask: string;
let plainTask: string;
let pairTask: string;

async function runTask(family: string, enableExecuteCommand: boolean): Promise<string> {
  const { tasks, failures } = await ecs.send(new RunTaskCommand({
    cluster: "exec", taskDefinition: family, launchType: "FARGATE", enableExecuteCommand,
    networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } },
  }));
  assert.deepEqual(failures, []);
  return tasks![0]!.taskArn!;
}

async function rejectsWith(p: Promise<unknown>, name: string, message?: string) {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

before(async () => {
  await ensureTestImage();
  // Strict SigV4 with IAM enforcement: the root's calls pass, a user's are decided by its policies.
  berth = await BerthProcess.start({ args: ["--strict-sigv4", "--credentials", `${ROOT.accessKeyId}:${ROOT.secretAccessKey}`, "--iam-enforcement"] });
  ecs = new ECSClient(config(berth.endpoint, ROOT));
  await new CloudWatchLogsClient(config(berth.endpoint, ROOT)).send(new CreateLogGroupCommand({ logGroupName: SESSION_LOGS }));
  await ecs.send(new CreateClusterCommand({
    clusterName: "exec",
    configuration: { executeCommandConfiguration: { logging: "OVERRIDE", logConfiguration: { cloudWatchLogGroupName: SESSION_LOGS } } },
  }));
  const sleeper = (name: string) => ({ name, image: TEST_IMAGE, essential: true, entryPoint: ["sleep", "3600"], stopTimeout: 1 });
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "shell", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [sleeper("app")] }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "pair", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [sleeper("app"), sleeper("side")] }));
  [execTask, plainTask, pairTask] = await Promise.all([runTask("shell", true), runTask("shell", false), runTask("pair", true)]);
  await Promise.all([execTask, plainTask, pairTask].map((t) => waitForTask(ecs, "exec", t, "RUNNING")));
});

after(async () => {
  await berth.dispose();
});

/** One frame as the plugin's messageparser.go reads it, field by field. */
function parseFrame(frame: Buffer) {
  const headerLength = frame.readUInt32BE(0);
  const payloadLength = frame.readUInt32BE(116);
  const payload = frame.subarray(headerLength + 4);
  return {
    headerLength,
    rawType: frame.subarray(4, 36).toString("latin1"),
    messageType: frame.subarray(4, 36).toString("latin1").trim(),
    schemaVersion: frame.readUInt32BE(36),
    createdDate: Number(frame.readBigUInt64BE(40)),
    sequenceNumber: Number(frame.readBigInt64BE(48)),
    digest: frame.subarray(80, 112),
    payloadType: frame.readUInt32BE(112),
    payloadLength,
    payload,
  };
}

test("tasks run with enableExecuteCommand show the ExecuteCommandAgent RUNNING on each container; others show none", async () => {
  const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: "exec", tasks: [execTask, plainTask, pairTask] }));
  const byArn = new Map(tasks!.map((t) => [t.taskArn!, t]));
  for (const arn of [execTask, pairTask]) {
    const task = byArn.get(arn)!;
    assert.equal(task.enableExecuteCommand, true);
    for (const c of task.containers!) {
      assert.equal(c.managedAgents?.length, 1, JSON.stringify(c));
      const agent = c.managedAgents![0]!;
      assert.equal(agent.name, "ExecuteCommandAgent");
      assert.equal(agent.lastStatus, "RUNNING");
      assert.ok(agent.lastStartedAt instanceof Date && agent.lastStartedAt.getTime() >= task.createdAt!.getTime());
    }
  }
  const plain = byArn.get(plainTask)!;
  assert.equal(plain.enableExecuteCommand, false);
  assert.equal(plain.containers![0]!.managedAgents, undefined);
});

test("ExecuteCommand opens a real shell in the task's container over the Session Manager protocol, once", async () => {
  const answer = await ecs.send(new ExecuteCommandCommand({ cluster: "exec", task: execTask, command: "/bin/sh", interactive: true }));
  const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: "exec", tasks: [execTask] }));
  const container = tasks![0]!.containers![0]!;
  assert.equal(answer.clusterArn, tasks![0]!.clusterArn);
  assert.equal(answer.taskArn, execTask);
  assert.equal(answer.containerArn, container.containerArn);
  assert.equal(answer.containerName, "app");
  assert.equal(answer.interactive, true);
  const session = answer.session!;
  assert.match(session.sessionId!, /^ecs-execute-command-[0-9a-f]{17}$/);
  const stream = new URL(session.streamUrl!);
  assert.equal(stream.protocol, "ws:");
  assert.equal(stream.host, new URL(berth.endpoint).host);
  assert.equal(stream.pathname, `/v1/data-channel/${session.sessionId}`);
  assert.ok(session.tokenValue!.length >= 40);

  // The shell computes what only a real shell can: the input echo shows `$((6*7))`, the output 42.
  const marker = randomBytes(4).toString("hex");
  const result = await drive(session, `echo hello-$((6*7))-${marker}; exit\r`);
  assert.match(result.output, new RegExp(`hello-42-${marker}`));
  assert.equal(result.closeCode, 1000);

  // The frames, as the session-manager-plugin parses and validates them.
  const parsed = result.frames.map(parseFrame);
  for (const f of parsed) {
    assert.equal(f.headerLength, 116);
    assert.equal(f.rawType.length, 32);
    assert.equal(f.rawType, f.messageType.padEnd(32, " "));
    assert.equal(f.schemaVersion, 1);
    assert.ok(Math.abs(f.createdDate - Date.now()) < 600_000);
    assert.equal(f.payloadLength, f.payload.length);
    assert.deepEqual(f.digest, createHash("sha256").update(f.payload).digest());
  }
  const outputs = parsed.filter((f) => f.messageType === "output_stream_data");
  assert.deepEqual(outputs.map((f) => f.sequenceNumber), outputs.map((_, i) => i));
  const handshake = JSON.parse(outputs[0]!.payload.toString("utf8"));
  assert.equal(outputs[0]!.payloadType, 5);
  assert.deepEqual(handshake.RequestedClientActions.map((a: { ActionType: string }) => a.ActionType), ["SessionType"]);
  assert.ok(outputs.slice(1).every((f) => f.payloadType === 1));
  // Every input message was acknowledged: the terminal size (0) and the typed line (1).
  const acked = parsed.filter((f) => f.messageType === "acknowledge").map((f) => JSON.parse(f.payload.toString("utf8")));
  assert.deepEqual(acked.map((a) => [a.AcknowledgedMessageType, a.AcknowledgedMessageSequenceNumber]), [["input_stream_data", 0], ["input_stream_data", 1]]);
  assert.ok(acked.every((a) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(a.AcknowledgedMessageId)));
  const last = parsed.at(-1)!;
  assert.equal(last.messageType, "channel_closed");
  const closed = JSON.parse(last.payload.toString("utf8"));
  assert.equal(closed.SessionId, session.sessionId);
  assert.equal(closed.MessageType, "channel_closed");

  // The token opened its one channel: the same URL is refused now.
  const again = new WebSocket(session.streamUrl!);
  const status = await new Promise<number>((resolve) => {
    again.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    again.on("open", () => resolve(101));
    again.on("error", () => {});
  });
  assert.equal(status, 404);

  // The cluster logs sessions to CloudWatch Logs: the stream is named after the session.
  const logs = new CloudWatchLogsClient(config(berth.endpoint, ROOT));
  const events = await waitFor("the session's log events", async () => {
    const { events } = await logs.send(new GetLogEventsCommand({ logGroupName: SESSION_LOGS, logStreamName: session.sessionId!, startFromHead: true }));
    return events?.some((e) => e.message?.includes(`hello-42-${marker}`)) ? events : undefined;
  });
  assert.ok(events.length >= 1);
});

test("a command's large output arrives whole and in order", async () => {
  const { session } = await ecs.send(new ExecuteCommandCommand({ cluster: "exec", task: execTask, command: "seq 1 30000", interactive: true }));
  const result = await drive(session!, "");
  const numbers = result.output.split("\r\n").filter((l) => /^\d+$/.test(l)).map(Number);
  assert.deepEqual(numbers, Array.from({ length: 30000 }, (_, i) => i + 1));
});

test("a wrong token is refused by the data channel, which then runs nothing for that session", async () => {
  const { session } = await ecs.send(new ExecuteCommandCommand({ cluster: "exec", task: execTask, command: "/bin/sh", interactive: true }));
  const socket = new WebSocket(session!.streamUrl!);
  const received: Buffer[] = [];
  const closed = await new Promise<{ code: number; reason: string }>((resolve, reject) => {
    socket.on("open", () => socket.send(ssm.buildTokenMessage(`${session!.tokenValue!.slice(0, -2)}xx`)));
    socket.on("message", (d: Buffer) => received.push(d));
    socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    socket.on("error", reject);
  });
  assert.deepEqual(closed, { code: 1008, reason: "invalid token" });
  assert.deepEqual(received, []);
  // The right token no longer opens it: a refused attempt uses the session up.
  const retry = await new Promise<number>((resolve) => {
    const s = new WebSocket(session!.streamUrl!);
    s.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    s.on("open", () => resolve(101));
    s.on("error", () => {});
  });
  assert.equal(retry, 404);
  // A session id never issued: refused before any WebSocket opens.
  const unknown = await new Promise<number>((resolve) => {
    const s = new WebSocket(`${session!.streamUrl!.replace(/ecs-execute-command-[0-9a-f]+/, "ecs-execute-command-00000000000000000")}`);
    s.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    s.on("open", () => resolve(101));
    s.on("error", () => {});
  });
  assert.equal(unknown, 404);
});

test("bad upgrades and frames are refused without harm: other paths, undecodable ids, oversized or garbage messages", async () => {
  const upgrade = (url: string) => new Promise<number>((resolve) => {
    const s = new WebSocket(url);
    s.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    s.on("open", () => resolve(101));
    s.on("error", () => resolve(-1));
  });
  const base = berth.endpoint.replace(/^http/, "ws");
  assert.equal(await upgrade(`${base}/`), 404);
  assert.equal(await upgrade(`${base}/v1/data-channel/%E0%A4%A`), 404);
  assert.equal(await upgrade(`${base}/v1/data-channel/`), 404);

  // Before the token: a frame over 1 MiB closes the connection (1009); garbage is a bad token (1008).
  const closeAfter = async (send: (s: WebSocket) => void) => {
    const { session } = await ecs.send(new ExecuteCommandCommand({ cluster: "exec", task: execTask, command: "/bin/sh", interactive: true }));
    const socket = new WebSocket(session!.streamUrl!);
    return new Promise<number>((resolve) => {
      socket.on("open", () => send(socket));
      socket.on("close", (code) => resolve(code));
      socket.on("error", () => {});
    });
  };
  assert.equal(await closeAfter((s) => s.send(Buffer.alloc(1024 * 1024 + 1, 1))), 1009);
  assert.equal(await closeAfter((s) => s.send("not json")), 1008);
  assert.equal(await closeAfter((s) => s.send(Buffer.from([1, 2, 3]))), 1008);

  // The server still serves sessions.
  const { session } = await ecs.send(new ExecuteCommandCommand({ cluster: "exec", task: execTask, command: "sh -c 'echo still-$((1+1))'", interactive: true }));
  const result = await drive(session!, "");
  assert.match(result.output, /still-2/);
});

test("ExecuteCommand answers AWS's errors: not enabled, not interactive, container missing or ambiguous, task stopped or unknown", async () => {
  const exec = (input: Partial<{ task: string; container: string; command: string; interactive: boolean; cluster: string }>) =>
    ecs.send(new ExecuteCommandCommand({ cluster: "exec", task: execTask, command: "/bin/sh", interactive: true, ...input }));
  await rejectsWith(exec({ task: plainTask }), "InvalidParameterException", NOT_ENABLED);
  await rejectsWith(exec({ interactive: false }), "InvalidParameterException", "Interactive is the only mode supported currently.");
  await rejectsWith(exec({ task: pairTask }), "InvalidParameterException", "The task has more than one container: specify the container to run the command in.");
  await rejectsWith(exec({ container: "nope" }), "InvalidParameterException", "The container nope does not exist in the task.");
  await rejectsWith(exec({ task: "0123456789abcdef0123456789abcdef" }), "InvalidParameterException", "The referenced task was not found.");
  await rejectsWith(exec({ cluster: "nowhere" }), "ClusterNotFoundException");
  await rejectsWith(exec({ command: "sh -c 'unclosed" }), "InvalidParameterException");
  // Naming the container of a multi-container task works.
  const side = await exec({ task: pairTask, container: "side" });
  assert.equal(side.containerName, "side");

  await ecs.send(new StopTaskCommand({ cluster: "exec", task: pairTask }));
  const stopped = await waitForTask(ecs, "exec", pairTask, "STOPPED");
  assert.ok(stopped.containers!.every((c) => c.managedAgents?.[0]?.lastStatus === "STOPPED"));
  await rejectsWith(exec({ task: pairTask, container: "app" }), "InvalidParameterException", NOT_ENABLED);
  // The session issued while it ran cannot reach it now: the data channel closes at once.
  const socket = new WebSocket(side.session!.streamUrl!);
  const code = await new Promise<number>((resolve, reject) => {
    socket.on("open", () => socket.send(ssm.buildTokenMessage(side.session!.tokenValue!)));
    socket.on("close", (c) => resolve(c));
    socket.on("error", reject);
  });
  assert.equal(code, 1011);
});

test("with IAM enforcement, ecs:ExecuteCommand is authorized on the cluster and the task, with its condition keys", async () => {
  const iam = new IAM.IAMClient(config(berth.endpoint, ROOT));
  await iam.send(new IAM.CreateUserCommand({ UserName: "operator" }));
  const { AccessKey } = await iam.send(new IAM.CreateAccessKeyCommand({ UserName: "operator" }));
  const operator = new ECSClient(config(berth.endpoint, { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! }));
  const input = { cluster: "exec", task: execTask, command: "/bin/sh", interactive: true };
  const clusterArn = execTask.replace(/:task\/.*/, ":cluster/exec");
  const allow = (statement: object) => iam.send(new IAM.PutUserPolicyCommand({
    UserName: "operator", PolicyName: "exec", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecs:ExecuteCommand", ...statement }] }),
  }));
  /** Whether the operator may run ExecuteCommand with `extra`; AccessDeniedException is a no, anything else fails the test. */
  const allowed = (extra: object = {}) => operator.send(new ExecuteCommandCommand({ ...input, ...extra })).then(() => true, (err: Error) => {
    if (err.name !== "AccessDeniedException") throw err;
    return false;
  });
  assert.equal(await allowed(), false);

  // On the resources: the task and its cluster.
  await allow({ Resource: [execTask, clusterArn] });
  assert.equal(await allowed(), true);
  assert.equal(await allowed({ task: plainTask }), false);

  // On the condition keys: the container named, or the task's only one; the cluster; the task.
  await allow({ Resource: "*", Condition: { StringEquals: { "ecs:container-name": "side", "ecs:cluster": clusterArn } } });
  assert.equal(await allowed(), false);
  assert.equal(await allowed({ container: "app" }), false);
  await allow({ Resource: "*", Condition: { StringEquals: { "ecs:container-name": "app", "ecs:cluster": clusterArn, "ecs:task": execTask } } });
  assert.equal(await allowed(), true);
  assert.equal(await allowed({ container: "app" }), true);
  assert.equal(await allowed({ task: plainTask }), false);
});

test("the AWS CLI's `ecs execute-command` with AWS's session-manager-plugin runs a command in the task", { skip: plugin ? false : "session-manager-plugin is not installed" }, async () => {
  const marker = randomBytes(4).toString("hex");
  // The plugin needs a terminal: `script` gives it one.
  const cli = `${awsCli} ecs execute-command --cluster exec --task ${execTask} --interactive --endpoint-url ${berth.endpoint} --command "sh -c 'echo cli-\\$((6*7))-${marker}'"`;
  const { stdout } = await promisify(execFile)("script", ["-qec", cli, "/dev/null"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", AWS_ACCESS_KEY_ID: ROOT.accessKeyId, AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey, AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" },
    timeout: 60_000,
  });
  assert.match(stdout, new RegExp(`cli-42-${marker}`));
  assert.match(stdout, /Exiting session with sessionId: ecs-execute-command-[0-9a-f]{17}/);
});
