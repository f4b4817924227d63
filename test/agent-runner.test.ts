import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync, existsSync, mkdirSync, rmdirSync } from "node:fs";
import Docker from "dockerode";
import { pino } from "pino";
import type { ContainerDefinition, Task, TaskDefinition, Volume } from "@aws-sdk/client-ecs";
import { createDockerRunner } from "../src/agent/docker-runner.js";
import { defaults, type Config } from "../src/core/config.js";
import { systemClock } from "../src/core/clock.js";
import type { ContainerReport, LaunchSpec, TaskReport, TaskRunner } from "../src/agent/protocol/task-runner.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";
import { claimLoopbackBlock } from "./loopback-blocks.js";

// Drives the Docker runner directly against the real engine with hand-built LaunchSpecs.
const berthId = `agent-runner-test-${randomUUID()}`;
const docker = new Docker({ socketPath: "/var/run/docker.sock" });
// A loopback block of its own (claimed as the harness's Berths claim theirs), so that other suites
// on the same engine never publish on the same addresses.
const config: Config = { ...defaults, hostIp: "127.0.0.1", awsvpcCidr: `127.${await claimLoopbackBlock()}.0.0/16`, stoppedTaskRetentionSeconds: 60 };
const log = pino({ level: "silent" });
const WAIT_MS = 60_000;

/** The task as the reports describe it, folded like the control plane folds them. */
interface View {
  lastStatus?: string;
  statuses: string[];
  stopCode?: string;
  stoppedReason?: string;
  healthStatus?: string;
  privateIPv4Address?: string;
  pullStartedAt?: Date;
  pullStoppedAt?: Date;
  containers: Record<string, ContainerReport>;
}

class Recorder {
  readonly reports: TaskReport[] = [];
  private waiters: Array<() => void> = [];

  constructor(runner: TaskRunner) {
    runner.onReport((r) => {
      this.reports.push(r);
      for (const w of [...this.waiters]) w();
    });
  }

  of(taskArn: string): TaskReport[] {
    return this.reports.filter((r) => r.taskArn === taskArn);
  }

  view(taskArn: string): View {
    const v: View = { statuses: [], containers: {} };
    for (const r of this.of(taskArn)) {
      if (r.lastStatus) {
        v.lastStatus = r.lastStatus;
        v.statuses.push(r.lastStatus);
      }
      if (r.stopCode && !v.stopCode) {
        v.stopCode = r.stopCode;
        v.stoppedReason = r.stoppedReason;
      }
      if (r.healthStatus) v.healthStatus = r.healthStatus;
      if (r.privateIPv4Address) v.privateIPv4Address = r.privateIPv4Address;
      if (r.pullStartedAt) v.pullStartedAt = r.pullStartedAt;
      if (r.pullStoppedAt) v.pullStoppedAt = r.pullStoppedAt;
      for (const c of r.containers ?? []) v.containers[c.name] = { ...v.containers[c.name], ...c };
    }
    return v;
  }

  /** Resolves with the view once `ok` holds for it; fails after `ms`. */
  until(taskArn: string, what: string, ok: (v: View) => boolean, ms = WAIT_MS): Promise<View> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = this.view(taskArn);
        if (!ok(v)) return false;
        done();
        resolve(v);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; reports: ${JSON.stringify(this.of(taskArn))}`));
      }, ms);
      const waiter = () => void check();
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      this.waiters.push(waiter);
      check();
    });
  }
}

interface SpecOptions {
  networkMode?: "bridge" | "host" | "awsvpc" | "none";
  launchType?: "EC2" | "FARGATE";
  cpu?: string;
  memory?: string;
  volumes?: Volume[];
}

function spec(containerDefinitions: ContainerDefinition[], o: SpecOptions = {}): LaunchSpec {
  const taskArn = `arn:aws:ecs:us-east-1:000000000000:task/agent-test/${randomBytes(16).toString("hex")}`;
  const taskDefinition: TaskDefinition = {
    taskDefinitionArn: "arn:aws:ecs:us-east-1:000000000000:task-definition/agent-test:1",
    family: "agent-test",
    revision: 1,
    networkMode: o.networkMode ?? (o.launchType === "FARGATE" ? "awsvpc" : "bridge"),
    cpu: o.cpu,
    memory: o.memory,
    volumes: o.volumes,
    containerDefinitions: containerDefinitions.map((c) => ({ image: TEST_IMAGE, ...c })),
  };
  const task: Task = {
    taskArn,
    clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/agent-test",
    launchType: o.launchType ?? "EC2",
    lastStatus: "PROVISIONING",
    desiredStatus: "RUNNING",
    cpu: o.cpu,
    memory: o.memory,
    containers: containerDefinitions.map((c) => ({ name: c.name, image: TEST_IMAGE, lastStatus: "PENDING", taskArn })),
  };
  return { task, taskDefinition };
}

/** A shell that exits 0 on SIGTERM and otherwise idles (sh as PID 1 ignores TERM unless it traps it). */
const politeIdle = (before = "") => ["sh", "-c", `${before}trap 'echo got TERM; exit 0' TERM; while true; do sleep 0.1; done`];

async function httpGet(url: string, ms = 60_000): Promise<string> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return await res.text();
      last = new Error(`HTTP ${res.status}`);
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no answer from ${url}: ${(last as Error)?.message}`);
}

async function leftovers(id: string, taskArn?: string): Promise<string[]> {
  const label = [`berth.instance=${id}`, ...(taskArn ? [`berth.task-arn=${taskArn}`] : [])];
  const containers = await docker.listContainers({ all: true, filters: { label } });
  const volumes = (await docker.listVolumes({ filters: { label } })).Volumes ?? [];
  return [...containers.map((c) => `container ${c.Names[0]}`), ...volumes.map((v) => `volume ${v.Name}`)];
}

let runner: TaskRunner;
let rec: Recorder;

before(async () => {
  await ensureTestImage();
  runner = createDockerRunner({ docker, config, log, clock: systemClock, berthId });
  rec = new Recorder(runner);
});

after(async () => {
  await runner.reset();
  await runner.close();
  assert.deepEqual(await leftovers(berthId), []);
  assert.equal(existsSync(`/sys/fs/cgroup/memory/berth/${berthId}`), false, "reset removes this Berth's task cgroups");
});

async function cleanup(taskArn: string, r: TaskRunner = runner, id = berthId): Promise<void> {
  await r.cleanup(taskArn);
  assert.deepEqual(await leftovers(id, taskArn), [], "cleanup removes the task's containers and volumes");
}

const ORDERED = ["PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"];

test("bridge: a dynamic host port answers HTTP on the host IP; stop reports the lifecycle in order", async () => {
  const s = spec([
    {
      name: "web",
      command: ["sh", "-c", "mkdir -p /www && echo hello-bridge > /www/index.html && echo to-stdout && echo to-stderr >&2 && exec httpd -f -p 8080 -h /www"],
      portMappings: [{ containerPort: 8080 }],
      stopTimeout: 1,
    },
  ]);
  const arn = s.task.taskArn!;
  runner.launch(s);
  const up = await rec.until(arn, "RUNNING", (v) => v.lastStatus === "RUNNING");
  assert.deepEqual(up.statuses, ["PENDING", "ACTIVATING", "RUNNING"]);
  assert.ok(up.pullStartedAt && up.pullStoppedAt && up.pullStartedAt <= up.pullStoppedAt);
  const web = up.containers.web!;
  assert.equal(web.lastStatus, "RUNNING");
  assert.match(web.runtimeId ?? "", /^[0-9a-f]{64}$/);
  assert.match(web.imageDigest ?? "", /^sha256:/);
  assert.equal(web.networkBindings?.length, 1);
  const binding = web.networkBindings![0]!;
  assert.equal(binding.bindIP, "127.0.0.1");
  assert.equal(binding.containerPort, 8080);
  assert.equal(binding.protocol, "tcp");
  assert.ok(binding.hostPort > 0 && binding.hostPort !== 8080, "a dynamic port chosen by the engine");
  assert.equal((await httpGet(`http://127.0.0.1:${binding.hostPort}/`)).trim(), "hello-bridge");
  // Reports carry timestamps in order.
  const times = rec.of(arn).map((r) => r.at.getTime());
  assert.deepEqual([...times].sort((a, b) => a - b), times);

  runner.stop(arn, { stopCode: "UserInitiated", reason: "Task stopped by user" });
  const down = await rec.until(arn, "STOPPED", (v) => v.lastStatus === "STOPPED");
  assert.deepEqual(down.statuses, ORDERED);
  assert.equal(down.stopCode, "UserInitiated");
  assert.equal(down.stoppedReason, "Task stopped by user");
  // httpd ignores SIGTERM as PID 1: SIGKILL after the 1 s stopTimeout.
  assert.equal(down.containers.web!.lastStatus, "STOPPED");
  assert.equal(down.containers.web!.exitCode, 137);

  // The containers stay (stopped) until cleanup, so their logs can be read.
  const info = await docker.getContainer(web.runtimeId!).inspect();
  assert.equal(info.State.Running, false);
  const logs = await runner.logs(arn);
  assert.equal(logs.length, 1);
  assert.equal(logs[0]!.container, "web");
  assert.match(logs[0]!.text, /to-stdout\n/);
  assert.match(logs[0]!.text, /to-stderr\n/);
  await cleanup(arn);
  assert.deepEqual(await runner.logs(arn), []);
});

test("bridge: links let a container reach another by its alias", async () => {
  const s = spec([
    { name: "db", command: ["sh", "-c", "mkdir -p /www && echo hello-link > /www/index.html && exec httpd -f -p 8080 -h /www"], stopTimeout: 1 },
    { name: "app", links: ["db:database"], command: politeIdle("until got=$(wget -q -O - http://database:8080/); do sleep 0.2; done; echo app-got-$got; ") },
  ]);
  const arn = s.task.taskArn!;
  runner.launch(s);
  await rec.until(arn, "RUNNING", (v) => v.lastStatus === "RUNNING");
  const deadline = Date.now() + 20_000;
  let appLog = "";
  while (Date.now() < deadline && !appLog.includes("app-got-hello-link")) {
    appLog = (await runner.logs(arn)).find((l) => l.container === "app")?.text ?? "";
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(appLog, /app-got-hello-link/);
  runner.stop(arn, { stopCode: "UserInitiated", reason: "done" });
  const down = await rec.until(arn, "STOPPED", (v) => v.lastStatus === "STOPPED");
  assert.equal(down.containers.app!.exitCode, 0, "app (the dependent) stopped first, with SIGTERM");
  await cleanup(arn);
});

test("awsvpc: containers share localhost, the task answers on its own address, task-level size is enforced", async () => {
  const s = spec(
    [
      {
        name: "server",
        command: ["sh", "-c", "mkdir -p /www && echo hello-awsvpc > /www/index.html && exec httpd -f -p 8080 -h /www"],
        portMappings: [{ containerPort: 8080 }],
        stopTimeout: 1,
      },
      { name: "client", command: politeIdle("until got=$(wget -q -O - http://localhost:8080/); do sleep 0.2; done; echo client-got-$got; ") },
    ],
    { launchType: "FARGATE", cpu: "256", memory: "512" },
  );
  const arn = s.task.taskArn!;
  runner.launch(s);
  const up = await rec.until(arn, "RUNNING", (v) => v.lastStatus === "RUNNING");
  const ip = up.privateIPv4Address!;
  const [, o2] = config.awsvpcCidr.split(".");
  assert.match(ip, new RegExp(`^127\\.${o2}\\.\\d+\\.\\d+$`));
  assert.deepEqual(up.containers.server!.networkBindings, [], "awsvpc reports the address, not host bindings");
  assert.equal((await httpGet(`http://${ip}:8080/`)).trim(), "hello-awsvpc");
  // The client reached the server on localhost inside the task's namespace.
  const deadline = Date.now() + 20_000;
  let clientLog = "";
  while (Date.now() < deadline && !clientLog.includes("client-got-hello-awsvpc")) {
    clientLog = (await runner.logs(arn)).find((l) => l.container === "client")?.text ?? "";
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(clientLog, /client-got-hello-awsvpc/);

  // Both containers run in the task's cgroup, whose limits cover them together.
  const server = await docker.getContainer(up.containers.server!.runtimeId!).inspect();
  const taskId = arn.split("/").pop()!;
  const memDir = `/sys/fs/cgroup/memory/berth/${berthId}/${taskId}`;
  if (server.HostConfig.CgroupParent) {
    assert.equal(server.HostConfig.CgroupParent, `/berth/${berthId}/${taskId}`);
    assert.equal(readFileSync(`${memDir}/memory.limit_in_bytes`, "utf8").trim(), String(512 * 1024 * 1024));
    assert.equal(readFileSync(`/sys/fs/cgroup/cpu/berth/${berthId}/${taskId}/cpu.cfs_quota_us`, "utf8").trim(), "25000");
  } else {
    assert.equal(server.HostConfig.Memory, 512 * 1024 * 1024, "fallback: the task size on each container");
  }
  assert.match(server.HostConfig.NetworkMode ?? "", /^container:[0-9a-f]{64}$/);

  runner.stop(arn, { stopCode: "UserInitiated", reason: "done" });
  const down = await rec.until(arn, "STOPPED", (v) => v.lastStatus === "STOPPED");
  assert.equal(down.containers.client!.exitCode, 0);
  await cleanup(arn);
  assert.equal(existsSync(memDir), false, "the task's cgroup goes at cleanup");

  // The address is free again, and a new task gets a different one first (round-robin).
  const next = spec([{ name: "c", command: politeIdle(), stopTimeout: 1 }], { networkMode: "awsvpc" });
  runner.launch(next);
  const nextUp = await rec.until(next.task.taskArn!, "RUNNING", (v) => v.lastStatus === "RUNNING");
  assert.notEqual(nextUp.privateIPv4Address, ip);
  runner.stop(next.task.taskArn!, { stopCode: "UserInitiated", reason: "done" });
  await rec.until(next.task.taskArn!, "STOPPED", (v) => v.lastStatus === "STOPPED");
  await cleanup(next.task.taskArn!);
});

test("a non-essential container's exit does not stop the task; an essential one's does, with its exit code", async () => {
  const s = spec([
    { name: "main", command: ["sh", "-c", "trap 'exit 3' USR1; trap 'exit 0' TERM; while true; do sleep 0.1; done"] },
    { name: "helper", essential: false, command: ["sh", "-c", "exit 5"] },
    { name: "side", essential: false, command: politeIdle(), stopTimeout: 2 },
  ]);
  const arn = s.task.taskArn!;
  runner.launch(s);
  await rec.until(arn, "helper exited", (v) => v.lastStatus === "RUNNING" && v.containers.helper?.exitCode === 5);
  assert.equal(rec.view(arn).containers.helper!.lastStatus, "STOPPED");
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(rec.view(arn).lastStatus, "RUNNING", "still running after a non-essential exit");

  await docker.getContainer(rec.view(arn).containers.main!.runtimeId!).kill({ signal: "SIGUSR1" });
  const down = await rec.until(arn, "STOPPED", (v) => v.lastStatus === "STOPPED");
  assert.equal(down.stopCode, "EssentialContainerExited");
  assert.equal(down.stoppedReason, "Essential container in task exited");
  assert.equal(down.containers.main!.exitCode, 3);
  assert.equal(down.containers.helper!.exitCode, 5);
  assert.equal(down.containers.side!.lastStatus, "STOPPED");
  assert.equal(down.containers.side!.exitCode, 0, "the other containers were stopped with SIGTERM");
  await cleanup(arn);
});

test("stop: SIGTERM first; a container that ignores it is killed after its stopTimeout (exit 137)", async () => {
  const s = spec([
    { name: "polite", command: politeIdle() },
    { name: "stubborn", command: ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"], stopTimeout: 2 },
  ]);
  const arn = s.task.taskArn!;
  runner.launch(s);
  await rec.until(arn, "RUNNING", (v) => v.lastStatus === "RUNNING");
  runner.stop(arn, { stopCode: "UserInitiated", reason: "stop please" });
  const down = await rec.until(arn, "STOPPED", (v) => v.lastStatus === "STOPPED");
  assert.equal(down.containers.polite!.exitCode, 0);
  assert.equal(down.containers.stubborn!.exitCode, 137);
  const logs = await runner.logs(arn);
  assert.match(logs.find((l) => l.container === "polite")!.text, /got TERM/);
  await cleanup(arn);
});

test("a missing image that cannot be pulled stops the task with CannotPullContainerError", async () => {
  const s = spec([{ name: "app", image: "127.0.0.1:1/berth-missing/nothing:latest" }]);
  const arn = s.task.taskArn!;
  runner.launch(s);
  const down = await rec.until(arn, "STOPPED", (v) => v.lastStatus === "STOPPED");
  assert.equal(down.stopCode, "TaskFailedToStart");
  assert.match(down.stoppedReason ?? "", /^CannotPullContainerError: .*127\.0\.0\.1:1/);
  assert.equal(down.containers.app!.reason, down.stoppedReason);
  assert.equal(down.containers.app!.lastStatus, "STOPPED");
  assert.ok(down.pullStartedAt && down.pullStoppedAt);
  assert.ok(!down.statuses.includes("RUNNING"));
  assert.equal(down.statuses.at(-1), "STOPPED");
  await cleanup(arn);
});

test("a command that cannot start stops the task with CannotStartContainerError", async () => {
  const s = spec([{ name: "app", entryPoint: ["/no/such/program"] }]);
  const arn = s.task.taskArn!;
  runner.launch(s);
  const down = await rec.until(arn, "STOPPED", (v) => v.lastStatus === "STOPPED");
  assert.equal(down.stopCode, "TaskFailedToStart");
  assert.match(down.stoppedReason ?? "", /^CannotStartContainerError: .*\/no\/such\/program/);
  assert.equal(down.containers.app!.reason, down.stoppedReason);
  assert.ok(!down.statuses.includes("RUNNING"));
  await cleanup(arn);
});

test("dependsOn: SUCCESS and HEALTHY gate a container's start; a failed SUCCESS dependency fails the task", async () => {
  const s = spec(
    [
      { name: "init", essential: false, command: ["sh", "-c", "sleep 0.5; echo init-done > /shared/flag"], mountPoints: [{ sourceVolume: "shared", containerPath: "/shared" }] },
      {
        name: "db",
        command: politeIdle("sleep 1; mkdir -p /tmp; touch /tmp/ready; "),
        healthCheck: { command: ["CMD-SHELL", "test -f /tmp/ready"], interval: 1, timeout: 1, retries: 3 },
      },
      {
        name: "app",
        command: politeIdle("echo saw-$(cat /shared/flag); "),
        mountPoints: [{ sourceVolume: "shared", containerPath: "/shared" }],
        dependsOn: [{ containerName: "init", condition: "SUCCESS" }, { containerName: "db", condition: "HEALTHY" }],
      },
    ],
    { volumes: [{ name: "shared" }] },
  );
  const arn = s.task.taskArn!;
  runner.launch(s);
  const up = await rec.until(arn, "RUNNING and healthy", (v) => v.lastStatus === "RUNNING" && v.healthStatus === "HEALTHY");
  assert.equal(up.containers.init!.exitCode, 0);
  assert.equal(up.containers.db!.healthStatus, "HEALTHY");
  // Order of reports: init exited and db was healthy before app was running.
  const reports = rec.of(arn);
  const first = (ok: (c: ContainerReport[]) => boolean) => reports.findIndex((r) => r.containers && ok(r.containers));
  const appRunning = first((cs) => cs.some((c) => c.name === "app" && c.lastStatus === "RUNNING"));
  assert.ok(first((cs) => cs.some((c) => c.name === "init" && c.exitCode === 0)) < appRunning);
  assert.ok(first((cs) => cs.some((c) => c.name === "db" && c.healthStatus === "HEALTHY")) < appRunning);
  const deadline = Date.now() + 10_000;
  let appLog = "";
  while (Date.now() < deadline && !appLog.includes("saw-init-done")) {
    appLog = (await runner.logs(arn)).find((l) => l.container === "app")?.text ?? "";
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(appLog, /saw-init-done/);
  runner.stop(arn, { stopCode: "UserInitiated", reason: "done" });
  await rec.until(arn, "STOPPED", (v) => v.lastStatus === "STOPPED");
  await cleanup(arn);

  const failing = spec([
    { name: "init", essential: false, command: ["sh", "-c", "exit 1"] },
    { name: "app", command: politeIdle(), dependsOn: [{ containerName: "init", condition: "SUCCESS" }] },
  ]);
  runner.launch(failing);
  const down = await rec.until(failing.task.taskArn!, "STOPPED", (v) => v.lastStatus === "STOPPED");
  assert.equal(down.stopCode, "TaskFailedToStart");
  assert.match(down.stoppedReason ?? "", /^DependencyNotResolvedError: .*init/);
  assert.equal(down.containers.app!.runtimeId, undefined, "app was never created");
  assert.equal(down.containers.init!.exitCode, 1);
  await cleanup(failing.task.taskArn!);
});

test("recover: a new runner adopts running tasks, reports dead and vanished ones STOPPED, removes strays", async () => {
  const id = `${berthId}-recover`;
  const first = createDockerRunner({ docker, config, log, clock: systemClock, berthId: id });
  const firstRec = new Recorder(first);
  const tasks = {
    alive: spec([{ name: "c", command: politeIdle() }]),
    dies: spec([{ name: "c", command: ["sh", "-c", "while true; do sleep 0.1; done"] }]),
    vanishes: spec([{ name: "c", command: politeIdle() }]),
    stray: spec([{ name: "c", command: politeIdle() }]),
    vpc: spec([{ name: "c", command: politeIdle() }], { networkMode: "awsvpc" }),
  };
  for (const s of Object.values(tasks)) first.launch(s);
  const views = Object.fromEntries(
    await Promise.all(Object.entries(tasks).map(async ([k, s]) => [k, await firstRec.until(s.task.taskArn!, `${k} RUNNING`, (v) => v.lastStatus === "RUNNING")] as const)),
  );
  await first.close();

  // While "Berth is down": one essential container is killed, one task's containers are removed.
  await docker.getContainer(views.dies!.containers.c!.runtimeId!).kill();
  await docker.getContainer(views.vanishes!.containers.c!.runtimeId!).remove({ force: true });

  // The store still believes every task but the stray one is RUNNING.
  const stored = (k: keyof typeof tasks): LaunchSpec => {
    const s = tasks[k];
    const v = views[k]!;
    return {
      taskDefinition: s.taskDefinition,
      task: { ...s.task, lastStatus: "RUNNING", containers: Object.values(v.containers).map((c) => ({ ...c, taskArn: s.task.taskArn })) as Task["containers"] },
    };
  };
  const second = createDockerRunner({ docker, config, log, clock: systemClock, berthId: id });
  const secondRec = new Recorder(second);
  try {
    await second.recover([stored("alive"), stored("dies"), stored("vanishes"), stored("vpc")], []);

    const dead = await secondRec.until(tasks.dies.task.taskArn!, "dies STOPPED", (v) => v.lastStatus === "STOPPED");
    assert.equal(dead.stopCode, "EssentialContainerExited");
    assert.equal(dead.stoppedReason, "Essential container in task exited");
    assert.equal(dead.containers.c!.exitCode, 137);

    const gone = await secondRec.until(tasks.vanishes.task.taskArn!, "vanishes STOPPED", (v) => v.lastStatus === "STOPPED");
    assert.equal(gone.stoppedReason, "Task stopped because its containers vanished while Berth was not running");
    assert.equal(gone.containers.c!.lastStatus, "STOPPED");

    assert.deepEqual(await leftovers(id, tasks.stray.task.taskArn!), [], "containers of unknown tasks are removed");
    assert.equal(secondRec.of(tasks.alive.task.taskArn!).filter((r) => r.lastStatus).length, 0, "an adopted task reports no status change");
    assert.equal(secondRec.of(tasks.vpc.task.taskArn!).filter((r) => r.lastStatus).length, 0);

    // The allocator learned the adopted task's address: a new awsvpc task gets another one.
    const fresh = spec([{ name: "c", command: politeIdle() }], { networkMode: "awsvpc" });
    second.launch(fresh);
    const freshUp = await secondRec.until(fresh.task.taskArn!, "fresh RUNNING", (v) => v.lastStatus === "RUNNING");
    assert.notEqual(freshUp.privateIPv4Address, views.vpc!.privateIPv4Address);

    // The adopted task is watched: stopping it works and reports its exit code.
    second.stop(tasks.alive.task.taskArn!, { stopCode: "UserInitiated", reason: "done" });
    const stopped = await secondRec.until(tasks.alive.task.taskArn!, "alive STOPPED", (v) => v.lastStatus === "STOPPED");
    assert.deepEqual(stopped.statuses, ["DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"]);
    assert.equal(stopped.containers.c!.exitCode, 0);
    for (const s of [tasks.alive, tasks.dies, tasks.vanishes]) await cleanup(s.task.taskArn!, second, id);
  } finally {
    await second.reset();
    await second.close();
    assert.deepEqual(await leftovers(id), []);
  }
});

test("cgroups: a task found stopped after a restart loses its group, a running one keeps it; this Berth's stray groups go, another's stay", async (t) => {
  const id = `${berthId}-cgroups`;
  const groups = (berth: string, taskId: string) => ["memory", "cpu"].map((h) => `/sys/fs/cgroup/${h}/berth/${berth}/${taskId}`);
  const taskIdOf = (s: LaunchSpec) => s.task.taskArn!.split("/").pop()!;
  const first = createDockerRunner({ docker, config, log, clock: systemClock, berthId: id });
  const firstRec = new Recorder(first);
  const tasks = {
    alive: spec([{ name: "c", command: politeIdle() }], { cpu: "256", memory: "128" }),
    dies: spec([{ name: "c", command: ["sh", "-c", "while true; do sleep 0.1; done"] }], { cpu: "256", memory: "128" }),
  };
  for (const s of Object.values(tasks)) first.launch(s);
  const views = Object.fromEntries(
    await Promise.all(Object.entries(tasks).map(async ([k, s]) => [k, await firstRec.until(s.task.taskArn!, `${k} RUNNING`, (v) => v.lastStatus === "RUNNING")] as const)),
  );
  const usable = existsSync(groups(id, taskIdOf(tasks.alive))[0]!);
  await first.close();
  const second = createDockerRunner({ docker, config, log, clock: systemClock, berthId: id });
  const secondRec = new Recorder(second);
  // A killed server's leftovers: an empty group of a task of this Berth nobody runs, and another Berth's.
  const stray = groups(id, "0badc0de");
  const others = groups(`${id}-other`, "0badc0de");
  try {
    if (!usable) return t.skip("per-task cgroups are not available on this host");
    for (const s of Object.values(tasks)) for (const g of groups(id, taskIdOf(s))) assert.ok(existsSync(g), `${g} stays while the task runs on without its agent`);
    for (const g of [...stray, ...others]) mkdirSync(g, { recursive: true });

    // While "Berth is down" the essential container is killed.
    await docker.getContainer(views.dies!.containers.c!.runtimeId!).kill();
    const stored = (s: LaunchSpec, k: string): LaunchSpec => ({
      taskDefinition: s.taskDefinition,
      task: { ...s.task, lastStatus: "RUNNING", containers: Object.values(views[k]!.containers).map((c) => ({ ...c, taskArn: s.task.taskArn })) as Task["containers"] },
    });
    await second.recover([stored(tasks.alive, "alive"), stored(tasks.dies, "dies")], []);
    for (const g of stray) assert.equal(existsSync(g), false, `${g}: a group of a task nobody runs is removed at start-up`);
    for (const g of others) assert.ok(existsSync(g), `${g}: another Berth's group is never touched`);
    for (const g of groups(id, taskIdOf(tasks.alive))) assert.ok(existsSync(g), `${g}: the adopted task keeps its group`);
    await secondRec.until(tasks.dies.task.taskArn!, "dies STOPPED", (v) => v.lastStatus === "STOPPED");
    await waitFor("the stopped task's groups to go", async () => groups(id, taskIdOf(tasks.dies)).every((g) => !existsSync(g)) || undefined, 60_000);

    second.stop(tasks.alive.task.taskArn!, { stopCode: "UserInitiated", reason: "done" });
    await secondRec.until(tasks.alive.task.taskArn!, "alive STOPPED", (v) => v.lastStatus === "STOPPED");
    for (const s of Object.values(tasks)) await cleanup(s.task.taskArn!, second, id);
    await second.close();
    assert.equal(existsSync(`/sys/fs/cgroup/memory/berth/${id}`), false, "closing with no task left removes this Berth's directory");
  } finally {
    // The other Berth's groups were made by this test: they go with it (absent when it was skipped).
    for (const g of others.flatMap((g) => [g, g.slice(0, g.lastIndexOf("/"))])) if (existsSync(g)) rmdirSync(g);
    await second.reset();
    await second.close();
    assert.deepEqual(await leftovers(id), []);
  }
});
