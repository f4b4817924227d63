import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import type { Task, TaskDefinition } from "@aws-sdk/client-ecs";
import { migrate } from "../store/database.js";
import { defaults } from "../core/config.js";
import { createLogger } from "../core/logger.js";
import { saveCluster } from "./cluster-store.js";
import { saveTask } from "./task-store.js";
import { createRemoteRunner } from "./remote-runner.js";
import { createAgentEndpoint } from "./agent-endpoint.js";
import { startAgentClient } from "../agent/protocol/agent-client.js";
import { loopbackTransport, type AgentHandlers } from "../agent/protocol/transport.js";
import type { LaunchSpec, TaskReport, TaskRunner } from "./task-runner.js";

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
  };
}

test("commands and reports cross a lossy in-process link in order, exactly once", async () => {
  const db = new Database(":memory:");
  migrate(db);
  const clusterArn = `arn:aws:ecs:${scope.region}:${scope.account}:cluster/remote`;
  saveCluster(db, scope, { clusterArn, clusterName: "remote", status: "ACTIVE" });
  const server = fakeRunner();
  const remote = createRemoteRunner({ local: server.runner, db, log });
  const applied: TaskReport[] = [];
  remote.onReport((r) => applied.push(r));
  const config = { ...defaults, agentToken: "t", agentHeartbeatTimeoutSeconds: 1 };
  const endpoint = createAgentEndpoint({ db, config, clock, log, runner: remote });

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
    assert.deepEqual(server.calls, [], "nothing ran in-process");

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
