/**
 * What the web console's first reads cost Berth right after it starts, without a browser: the
 * cluster page's calls (console/src/pages/clusters.tsx and task-list.tsx; at once, as the page
 * makes them) made from Node three times after each start of Berth on the same data, and for each
 * time the server's main thread's CPU time (/proc/PID/schedstat: little disturbed by other
 * processes on a shared machine, unlike wall time) and the wall time.
 *   npm run build && node dist/bench/console-first-reads.js [--services 100] [--stopped-tasks 900] [--starts 3] [--other-bin DIR/dist/src/cli/main.js]
 * The data: services of desired count 0 and stopped tasks (RunTask of an image that is not in
 * Berth's registry), no container. With --other-bin, the starts alternate between this build and
 * that one on the same data, so a server change can be compared at the same moment of the machine.
 * Not a test: nothing here asserts a time.
 */
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { CreateServiceCommand, DescribeClustersCommand, DescribeContainerInstancesCommand, DescribeServicesCommand, DescribeTasksCommand, ListContainerInstancesCommand, ListServicesCommand, ListTaskDefinitionsCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { BerthProcess, berthBin } from "../test/harness.js";
import { ecr } from "../test/registry-kit.js";
import { waitFor } from "../test/wait.js";

const { values } = parseArgs({ options: { services: { type: "string", default: "100" }, "stopped-tasks": { type: "string", default: "900" }, starts: { type: "string", default: "3" }, "other-bin": { type: "string" } } });
const SERVICES = Number(values.services);
const STOPPED = Number(values["stopped-tasks"]);
const args = ["--instances", "1"];
const builds = [{ name: "this build", bin: berthBin }, ...(values["other-bin"] ? [{ name: "other build", bin: values["other-bin"] }] : [])];

/** The server's main thread's time on a CPU so far, in ms. */
const cpuMs = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;

/** The cluster page's first reads, at once as the console makes them. */
async function clusterPage(ecs: ECSClient, cluster: string) {
  const services = async () => {
    const arns = (await ecs.send(new ListServicesCommand({ cluster, maxResults: 100 }))).serviceArns ?? [];
    const batches = Array.from({ length: Math.ceil(arns.length / 10) }, (_, i) => arns.slice(i * 10, i * 10 + 10));
    await Promise.all(batches.map((batch) => ecs.send(new DescribeServicesCommand({ cluster, services: batch }))));
  };
  const tasks = async () => {
    const listed = await Promise.all((["RUNNING", "STOPPED"] as const).map(async (desiredStatus) => (await ecs.send(new ListTasksCommand({ cluster, desiredStatus, maxResults: 100 }))).taskArns ?? []));
    const arns = listed.flat().slice(0, 100);
    if (arns.length) await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }));
  };
  const instances = async () => {
    const arns = (await ecs.send(new ListContainerInstancesCommand({ cluster, maxResults: 100 }))).containerInstanceArns ?? [];
    if (arns.length) await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: arns }));
  };
  await Promise.all([ecs.send(new DescribeClustersCommand({ clusters: [cluster] })), services(), tasks(), instances(), ecs.send(new ListTaskDefinitionsCommand({ status: "ACTIVE", sort: "DESC", maxResults: 100 }))]);
}

const dataDir = mkdtempSync(join(tmpdir(), "berth-bench-"));
let berth = await BerthProcess.start({ args, dataDir });
const results = new Map<string, Array<{ cpu: number[]; wall: number[] }>>();
try {
  const ecs = berth.ecs();
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", networkMode: "bridge", containerDefinitions: [{ name: "app", image: "busybox", memory: 8 }] }));
  for (let i = 0; i < SERVICES; i++) await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: `svc-${String(i).padStart(3, "0")}`, taskDefinition: "web", desiredCount: 0 }));
  const repo = (await ecr(berth).send(new CreateRepositoryCommand({ repositoryName: "bench/absent" }))).repository!;
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "absent", networkMode: "bridge", containerDefinitions: [{ name: "app", image: `${repo.repositoryUri}:nothing`, memory: 8 }] }));
  for (let left = STOPPED; left > 0; left -= 10) await ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: "absent", count: Math.min(10, left) }));
  const stopped = async () => {
    let n = 0;
    let nextToken: string | undefined;
    do {
      const r = await ecs.send(new ListTasksCommand({ cluster: "default", desiredStatus: "STOPPED", nextToken }));
      n += r.taskArns?.length ?? 0;
      nextToken = r.nextToken;
    } while (nextToken);
    return n;
  };
  await waitFor(`${STOPPED} stopped tasks`, async () => ((await stopped()) >= STOPPED && (await ecs.send(new ListTasksCommand({ cluster: "default" }))).taskArns?.length === 0) || undefined, 600_000);
  for (let start = 0; start < Number(values.starts); start++) {
    for (const build of builds) {
      await berth.stop();
      berth = await BerthProcess.start({ args, dataDir, bin: build.bin });
      // A few seconds after `berth up`, as a user opens the console.
      await new Promise((r) => setTimeout(r, 5_000));
      const client = berth.ecs();
      const run = { cpu: [] as number[], wall: [] as number[] };
      for (let n = 0; n < 3; n++) {
        const cpu = cpuMs(berth.proc.pid!);
        const t = performance.now();
        await clusterPage(client, "default");
        run.wall.push(performance.now() - t);
        run.cpu.push(cpuMs(berth.proc.pid!) - cpu);
      }
      results.set(build.name, [...(results.get(build.name) ?? []), run]);
      console.log(`${build.name}, start ${start + 1}: server CPU ${run.cpu.map((c) => c.toFixed(0)).join(", ")} ms; wall ${run.wall.map((w) => w.toFixed(0)).join(", ")} ms (first, second, third page of reads)`);
    }
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [name, runs] of results) {
    console.log(`${name}: medians over ${runs.length} starts: first reads server CPU ${median(runs.map((r) => r.cpu[0]!)).toFixed(0)} ms, wall ${median(runs.map((r) => r.wall[0]!)).toFixed(0)} ms; third reads server CPU ${median(runs.map((r) => r.cpu[2]!)).toFixed(0)} ms, wall ${median(runs.map((r) => r.wall[2]!)).toFixed(0)} ms`);
  }
} finally {
  await berth.dispose();
  rmSync(dataDir, { recursive: true, force: true });
}
