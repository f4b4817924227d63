/**
 * What the agent protocol adds to a task's way through the embedded agent: the time from the
 * control plane's launch() to the agent's runner receiving it, and from the runner's report to
 * the control plane's listener, through the loopback transport (JSON both ways, sequenced and
 * acknowledged), against calling the runner directly (what the server did before the embedded
 * agent spoke the protocol). The runner is a stub, so only the protocol is measured.
 *   npm run build && node dist/bench/agent-protocol.js [--rounds 2000]
 * Not a test: nothing here asserts a time.
 */
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import type { TaskDefinition } from "@aws-sdk/client-ecs";
import { migrate } from "../src/store/database.js";
import { defaults } from "../src/core/config.js";
import { createLogger } from "../src/core/logger.js";
import { createAgentRunner } from "../src/ecs/agent-link/agent-runner.js";
import { createAgentEndpoint } from "../src/ecs/agent-link/agent-endpoint.js";
import { startAgentClient } from "../src/agent/protocol/agent-client.js";
import { loopbackTransport } from "../src/agent/protocol/transport.js";
import type { LaunchSpec, TaskReport, TaskRunner } from "../src/agent/protocol/task-runner.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "2000" } } });
const ROUNDS = Number(values.rounds);
const log = createLogger("silent");
const clock = { now: () => new Date() };
const def: TaskDefinition = { family: "bench", containerDefinitions: [{ name: "s", image: "berth-test/busybox", memory: 32, command: ["sleep", "3600"] }] };

/** A runner whose launch and reports the bench drives. */
function stubRunner() {
  const listeners: Array<(r: TaskReport) => void> = [];
  let launched: (s: LaunchSpec) => void = () => {};
  const runner: TaskRunner = {
    launch: (s) => launched(s),
    stop() {},
    logs: async () => [],
    onReport: (l) => void listeners.push(l),
    recover: async () => {},
    cleanup: async () => {},
    reset: async () => {},
    close: async () => {},
  };
  return { runner, onLaunch: (f: (s: LaunchSpec) => void) => (launched = f), report: (r: TaskReport) => listeners.forEach((l) => l(r)) };
}

/** Per-round launch and report latencies (ms) through `control` to `agent`. */
async function measure(control: TaskRunner, agent: ReturnType<typeof stubRunner>) {
  let applied: () => void = () => {};
  control.onReport(() => applied());
  const launches: number[] = [];
  const reports: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      agent.onLaunch(() => resolve());
      control.launch({ task: { taskArn: `arn:aws:ecs:us-east-1:000000000000:task/bench/${i}`, containers: [{ name: "s" }] }, taskDefinition: def });
    });
    launches.push(Number(process.hrtime.bigint() - t0) / 1e6);
    t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      applied = resolve;
      agent.report({ taskArn: `t${i}`, at: new Date(), lastStatus: "RUNNING" });
    });
    reports.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { launches, reports };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

async function main() {
  const direct = stubRunner();
  const before = await measure(direct.runner, direct);

  const db = new Database(":memory:");
  migrate(db);
  const control = createAgentRunner({ db, log, clock });
  const endpoint = createAgentEndpoint({ db, config: defaults, clock, log, runner: control });
  const agent = stubRunner();
  const client = startAgentClient({
    transport: loopbackTransport(endpoint.embedded),
    runner: agent.runner,
    log,
    hello: { cluster: "", hostIp: "127.0.0.1", cpu: 1024, memory: 1024, agentVersion: "bench", dockerVersion: "bench" },
    onRegistered: () => {},
  });
  const after = await measure(control, agent);
  client.close();
  await control.close();

  console.log(`\nAgent protocol overhead — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${ROUNDS} rounds\n`);
  console.log("| measure | direct call | embedded agent over the protocol |");
  console.log("|---|---:|---:|");
  for (const [label, key] of [["launch reaches the runner", "launches"], ["report reaches the control plane", "reports"]] as const) {
    console.log(`| ${label}, p50 | ${us(pct(before[key], 0.5))} | ${us(pct(after[key], 0.5))} |`);
    console.log(`| ${label}, p99 | ${us(pct(before[key], 0.99))} | ${us(pct(after[key], 0.99))} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
