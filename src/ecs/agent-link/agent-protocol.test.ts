import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import type { Task, TaskDefinition } from "@aws-sdk/client-ecs";
import { migrate } from "../../store/database.js";
import { defaults } from "../../core/config.js";
import { createLogger } from "../../core/logger.js";
import { saveCluster } from "../clusters/cluster-store.js";
import { saveTask } from "../tasks/task-store.js";
import { createAgentRunner, EMBEDDED_AGENT } from "./agent-runner.js";
import { createAgentEndpoint } from "./agent-endpoint.js";
import { AgentSession } from "./agent-session.js";
import { startAgentClient } from "../../agent/protocol/agent-client.js";
import { loopbackTransport, type AgentHandlers } from "../../agent/protocol/transport.js";
import type { LaunchSpec, TaskReport, TaskRunner } from "../../agent/protocol/task-runner.js";
import type { Hello } from "../../agent/protocol/messages.js";

const scope = { account: defaults.accountId, region: defaults.region };
const log = createLogger("silent");
const clock = { now: () => new Date() };
const until = async (what: string, check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** A runner that records calls and lets the test emit reports, standing in for the docker runner. */
function fakeRunner() {
  const listeners: Array<(r: TaskReport) => void> = [];
  const calls: string[] = [];
  const runner: TaskRunner = {
    launch: (s) => void calls.push(`launch ${s.task.taskArn}`),
    stop: (arn) => void calls.push(`stop ${arn}`),
    logs: async () => [{ container: "web", text: "hello\n" }],
    onReport: (l) => void listeners.push(l),
    recover: async (specs) => void calls.push(`recover ${specs.length}`),
    cleanup: async (arn) => void calls.push(`cleanup ${arn}`),
    reset: async () => void calls.push("reset"),
    close: async () => {},
  };
  return { runner, calls, emit: (r: TaskReport) => listeners.forEach((l) => l(r)) };
}

/** Loses the reply of every third call after the server handled it: the request must be resent and not applied twice. */
function lossy(inner: AgentHandlers): AgentHandlers {
  let n = 0;
  const maybeLose = async <T>(p: Promise<T>): Promise<T> => {
    const v = await p;
    if (++n % 3 === 0) throw new Error("connection reset");
    return v;
  };
  return {
    hello: (h) => inner.hello(h),
    poll: (r) => maybeLose(inner.poll(r)),
    reports: (r) => maybeLose(inner.reports(r)),
    logs: (r) => inner.logs(r),
    logOpen: (r) => inner.logOpen(r),
    logBatch: (r) => maybeLose(inner.logBatch(r)),
    usage: (r) => inner.usage(r),
  };
}

test("commands and reports cross a lossy in-process link in order, exactly once", async () => {
  const db = new Database(":memory:");
  migrate(db);
  const clusterArn = `arn:aws:ecs:${scope.region}:${scope.account}:cluster/remote`;
  saveCluster(db, scope, { clusterArn, clusterName: "remote", status: "ACTIVE" });
  const remote = createAgentRunner({ db, log, clock });
  const applied: TaskReport[] = [];
  remote.onReport((r) => applied.push(r));
  const config = { ...defaults, agentToken: "t", agentHeartbeatTimeoutSeconds: 1 };
  const endpoint = createAgentEndpoint({ db, config, clock, log, runner: remote }).remote;

  const agent = fakeRunner();
  let arn = "";
  const client = startAgentClient({
    transport: loopbackTransport(lossy(endpoint)),
    runner: agent.runner,
    log,
    hello: { cluster: "remote", hostIp: "127.0.2.1", cpu: 1024, memory: 512, agentVersion: "test", dockerVersion: "24" },
    onRegistered: (a) => (arn = a),
  });
  try {
    await until("registered", () => arn !== "");
    await until("recovered", () => agent.calls.includes("recover 0"));

    const taskArns = [1, 2, 3, 4, 5].map((i) => `arn:aws:ecs:us-east-1:000000000000:task/remote/${String(i).padStart(32, "0")}`);
    for (const taskArn of taskArns) {
      const task: Task = { taskArn, clusterArn, containerInstanceArn: arn, lastStatus: "PROVISIONING", desiredStatus: "RUNNING", taskDefinitionArn: "td", launchType: "EC2", containers: [] };
      saveTask(db, scope, task);
      remote.launch({ task, taskDefinition: {} as TaskDefinition } satisfies LaunchSpec);
    }
    remote.stop(taskArns[0]!, { stopCode: "UserInitiated", reason: "test" });
    await until("all commands applied", () => agent.calls.length === 7, 10_000);
    assert.deepEqual(agent.calls, ["recover 0", ...taskArns.map((a) => `launch ${a}`), `stop ${taskArns[0]}`]);
    assert.deepEqual(remote.sessions.get(EMBEDDED_AGENT)!.commands.pending(), [], "nothing went to the embedded agent");

    const at = new Date("2026-01-01T00:00:00Z");
    for (let i = 0; i < 20; i++) agent.emit({ taskArn: taskArns[i % 5]!, at: new Date(at.getTime() + i), lastStatus: "RUNNING" });
    await until("all reports applied", () => applied.length === 20, 10_000);
    assert.deepEqual(applied.map((r) => r.at.getTime() - at.getTime()), [...Array(20).keys()], "in order, none twice");
    assert.ok(applied[0]!.at instanceof Date);

    assert.deepEqual(await remote.logs(taskArns[1]!), [{ container: "web", text: "hello\n" }]);
  } finally {
    client.close();
    remote.sessions.forEach((s) => s.release());
  }
});

/** A control plane with its embedded agent (a fake runner) connected over the loopback transport. */
function embeddedSetup() {
  const db = new Database(":memory:");
  migrate(db);
  const runner = createAgentRunner({ db, log, clock });
  const applied: TaskReport[] = [];
  runner.onReport((r) => applied.push(r));
  // Passwords name the moment they are issued, so the test can tell when that was.
  const registry = { host: () => "127.0.0.1:4566", password: (s: { account: string; region: string }) => `pw-${s.account}-${s.region}-${Date.now()}` };
  const endpoint = createAgentEndpoint({ db, config: { ...defaults, agentToken: "t" }, clock, log, runner, registry });
  const agent = fakeRunner();
  const launches: unknown[] = [];
  const client = startAgentClient({
    transport: loopbackTransport(endpoint.embedded),
    runner: agent.runner,
    registry: { remember: (r) => launches.push(r) },
    log,
    hello: { cluster: "", hostIp: "127.0.0.1", cpu: 2048, memory: 4096, agentVersion: "test", dockerVersion: "24" },
    onRegistered: () => {},
  });
  const close = () => (client.close(), runner.close());
  return { db, runner, endpoint, agent, applied, launches, close };
}

const fargateTask = (taskArn: string): Task => ({ taskArn, lastStatus: "PROVISIONING", desiredStatus: "RUNNING", taskDefinitionArn: "td", launchType: "FARGATE", containers: [] });

test("the embedded agent gets every task without a remote instance over the protocol, with pull passwords, and its reports come back as Dates", async () => {
  const { runner, agent, applied, launches, close } = embeddedSetup();
  try {
    const taskArn = "arn:aws:ecs:us-east-1:000000000000:task/dev/00000000000000000000000000000001";
    const spec: LaunchSpec = { task: fargateTask(taskArn), taskDefinition: { containerDefinitions: [{ name: "web", image: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:1" }] } };
    runner.launch(spec);
    runner.stop(taskArn, { stopCode: "UserInitiated", reason: "test" });
    await until("launch and stop applied", () => agent.calls.length === 2);
    assert.deepEqual(agent.calls, [`launch ${taskArn}`, `stop ${taskArn}`]);
    assert.equal(launches.length, 1);
    assert.match(JSON.stringify(launches[0]), /^\{"host":"127\.0\.0\.1:4566","passwords":\[\{"account":"111122223333","region":"eu-west-1","password":"pw-111122223333-eu-west-1-\d+"\}\]\}$/);

    agent.emit({ taskArn, at: new Date("2026-01-01T00:00:00Z"), lastStatus: "RUNNING", pullStartedAt: new Date("2025-12-31T23:59:59Z") });
    await until("report applied", () => applied.length === 1);
    assert.ok(applied[0]!.at instanceof Date && applied[0]!.pullStartedAt instanceof Date);
    assert.equal(applied[0]!.pullStartedAt!.toISOString(), "2025-12-31T23:59:59.000Z");
    assert.deepEqual(await runner.logs(taskArn), [{ container: "web", text: "hello\n" }]);
  } finally {
    close();
  }
});

test("recover and cleanup resolve only once the embedded agent applied them and its reports were applied", async () => {
  const { runner, agent, applied, close } = embeddedSetup();
  const taskArn = "arn:aws:ecs:us-east-1:000000000000:task/dev/00000000000000000000000000000002";
  // Recovery finds the task's containers gone and reports it STOPPED, as the docker runner does.
  agent.runner.recover = async (specs) => {
    agent.calls.push(`recover ${specs.length}`);
    await new Promise((r) => setTimeout(r, 50));
    agent.emit({ taskArn, at: new Date(), lastStatus: "STOPPED", stoppedReason: "gone" });
  };
  try {
    await runner.recover([{ task: fargateTask(taskArn), taskDefinition: {} }], []);
    assert.deepEqual(agent.calls, ["recover 1"]);
    assert.deepEqual(applied.map((r) => r.lastStatus), ["STOPPED"], "the report arrived before recover resolved");
    await runner.cleanup(taskArn);
    assert.deepEqual(agent.calls, ["recover 1", `cleanup ${taskArn}`]);
  } finally {
    close();
  }
});

test("remote agents cannot use the embedded agent's session, nor the embedded agent a remote one's", async () => {
  const { runner, endpoint, close } = embeddedSetup();
  try {
    const embedded = runner.sessions.get(EMBEDDED_AGENT)!;
    await assert.rejects(endpoint.remote.poll({ containerInstanceArn: EMBEDDED_AGENT, session: embedded.id, ack: 0 }), /unknown agent session/);
    await assert.rejects(endpoint.remote.reports({ containerInstanceArn: EMBEDDED_AGENT, session: embedded.id, epoch: "x", reports: [] }), /unknown agent session/);
    const remoteArn = "arn:aws:ecs:us-east-1:000000000000:container-instance/dev/0123";
    const remote = new AgentSession(remoteArn, "epoch", Date.now());
    runner.sessions.set(remoteArn, remote);
    await assert.rejects(endpoint.embedded.poll({ containerInstanceArn: remoteArn, session: remote.id, ack: 0 }), /unknown agent session/);
  } finally {
    close();
  }
});

test("a launch's pull passwords are issued when it is delivered, not when it was queued", async () => {
  const db = new Database(":memory:");
  migrate(db);
  const runner = createAgentRunner({ db, log, clock });
  const registry = { host: () => "127.0.0.1:4566", password: () => `issued-${Date.now()}` };
  const endpoint = createAgentEndpoint({ db, config: { ...defaults, agentToken: "t" }, clock, log, runner, registry }).embedded;
  try {
    const taskArn = "arn:aws:ecs:us-east-1:000000000000:task/dev/00000000000000000000000000000003";
    runner.launch({ task: fargateTask(taskArn), taskDefinition: { containerDefinitions: [{ name: "web", image: "127.0.0.1:4566/web:1" }] } });
    const queuedAt = Date.now();
    await new Promise((r) => setTimeout(r, 30));
    const { containerInstanceArn, session } = await endpoint.hello({} as Hello);
    const { commands } = await endpoint.poll({ containerInstanceArn, session, ack: 0 });
    const launch = commands[0]!.body;
    assert.equal(launch.type, "launch");
    const issuedAt = Number(/^issued-(\d+)$/.exec(launch.type === "launch" ? launch.registry!.passwords[0]!.password : "")![1]);
    assert.ok(issuedAt >= queuedAt + 30, `issued ${issuedAt - queuedAt} ms after queueing`);
  } finally {
    runner.close();
  }
});
