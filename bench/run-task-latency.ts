/**
 * RunTask-to-RUNNING latency against raw `docker run -d` of the same image, in the same run.
 *   npm run build && node dist/bench/run-task-latency.js [--tasks 50] [--burst 100]
 * Prints p50/p99 for sequential starts, the wall time for a burst of concurrent starts, and the
 * server's resident memory at idle. Not a test: nothing here asserts a time.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { promisify } from "node:util";
import { parseArgs } from "node:util";
import { CreateClusterCommand, DescribeTasksCommand, RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { BerthProcess } from "../test/harness.js";
import { ensureTestImage, TEST_IMAGE } from "../test/images.js";

const run = promisify(execFile);
const { values } = parseArgs({ options: { tasks: { type: "string", default: "50" }, burst: { type: "string", default: "100" } } });
const N = Number(values.tasks);
const BURST = Number(values.burst);

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

/** Polls DescribeTasks (10 ms apart) until every task is RUNNING; fails on a STOPPED one. */
async function untilRunning(ecs: ECSClient, arns: string[]) {
  const pending = new Set(arns);
  while (pending.size) {
    const batch = [...pending].slice(0, 100);
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: "bench", tasks: batch }));
    for (const t of tasks ?? []) {
      if (t.lastStatus === "RUNNING") pending.delete(t.taskArn!);
      if (t.lastStatus === "STOPPED") throw new Error(`task stopped: ${t.stoppedReason}`);
    }
    if (pending.size) await new Promise((r) => setTimeout(r, 10));
  }
}

/** The bench cluster, one instance on the local engine, and the task definition both paths run. */
async function prepare(ecs: ECSClient) {
  await ecs.send(new CreateClusterCommand({ clusterName: "bench" }));
  await ecs.send(new RegisterContainerInstanceCommand({ cluster: "bench" }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "bench", networkMode: "bridge",
    containerDefinitions: [{ name: "s", image: TEST_IMAGE, memory: 32, command: ["sleep", "3600"], stopTimeout: 1 }],
  }));
}

async function dockerRun(): Promise<string> {
  const { stdout } = await run("docker", ["run", "-d", "--label", "berth-bench=raw", "--memory", "32m", TEST_IMAGE, "sleep", "3600"]);
  return stdout.trim();
}
const removeRaw = () => run("sh", ["-c", "docker rm -f $(docker ps -aq --filter label=berth-bench=raw) >/dev/null 2>&1 || true"]);

async function main() {
  await ensureTestImage();
  const berth = await BerthProcess.start();
  const ecs = berth.ecs();
  try {
    await prepare(ecs);
    const idleBefore = rssMiB(berth.proc.pid!);

    // Warm both paths once so neither pays a first-time cost in the measurement.
    await dockerRun();
    await removeRaw();
    const warm = await ecs.send(new RunTaskCommand({ cluster: "bench", taskDefinition: "bench" }));
    await untilRunning(ecs, [warm.tasks![0]!.taskArn!]);
    await berth.reset();
    await prepare(ecs);

    // Sequential: alternate raw and Berth so drift on the machine hits both alike.
    const raw: number[] = [];
    const berthTimes: number[] = [];
    for (let i = 0; i < N; i++) {
      let t0 = process.hrtime.bigint();
      await dockerRun();
      raw.push(ms(t0));
      t0 = process.hrtime.bigint();
      const { tasks } = await ecs.send(new RunTaskCommand({ cluster: "bench", taskDefinition: "bench" }));
      await untilRunning(ecs, [tasks![0]!.taskArn!]);
      berthTimes.push(ms(t0));
    }
    await removeRaw();
    await berth.reset();
    await prepare(ecs);

    // Burst: BURST starts at once.
    let t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: BURST }, () => dockerRun()));
    const rawBurst = ms(t0);
    await removeRaw();
    t0 = process.hrtime.bigint();
    const calls = Array.from({ length: Math.ceil(BURST / 10) }, (_, i) =>
      ecs.send(new RunTaskCommand({ cluster: "bench", taskDefinition: "bench", count: Math.min(10, BURST - i * 10) })));
    const arns = (await Promise.all(calls)).flatMap((r) => r.tasks!.map((t) => t.taskArn!));
    await untilRunning(ecs, arns);
    const berthBurst = ms(t0);
    await berth.reset();
    await new Promise((r) => setTimeout(r, 3000));
    const idleAfter = rssMiB(berth.proc.pid!);

    const row = (name: string, b: number, r: number) => `| ${name} | ${b.toFixed(0)} ms | ${r.toFixed(0)} ms | ${(b / r).toFixed(2)}x |`;
    console.log(`\nRunTask to RUNNING vs docker run -d — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
    console.log(`\n| measure (${N} sequential, burst of ${BURST}) | Berth | raw docker | ratio |\n|---|---|---|---|`);
    console.log(row("p50", pct(berthTimes, 50), pct(raw, 50)));
    console.log(row("p99", pct(berthTimes, 99), pct(raw, 99)));
    console.log(row(`burst of ${BURST}, until all running`, berthBurst, rawBurst));
    console.log(`\nServer RSS at idle: ${idleBefore.toFixed(0)} MiB after start, ${idleAfter.toFixed(0)} MiB after the runs.`);
  } finally {
    await removeRaw();
    await berth.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
