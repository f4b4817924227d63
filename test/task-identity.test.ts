import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type ECSClient, type Task } from "@aws-sdk/client-ecs";
import { AgentProcess, BerthProcess } from "./harness.js";
import { ensureSdkImage, SDK_IMAGE } from "./sdk-image.js";
import { waitFor, waitForTask } from "./wait.js";

const run = promisify(execFile);
const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "berth-with-role-sessions.js");
const ROLE = "arn:aws:iam::000000000000:role/app";
const OTHER_ROLE = "arn:aws:iam::000000000000:role/other";
const TOKEN = randomBytes(16).toString("hex");

let berth: BerthProcess;
let ecs: ECSClient;
let dir: string;
let journalPath: string;

interface Issued { op: "assume" | "revoke"; roleArn?: string; sessionName?: string; service?: string; accessKeyId: string; secretAccessKey?: string; sessionToken?: string; expiration?: string }
const journal = (): Issued[] => (existsSync(journalPath) ? readFileSync(journalPath, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Issued) : []);

before(async () => {
  await ensureSdkImage();
  dir = mkdtempSync(join(tmpdir(), "berth-identity-"));
  journalPath = join(dir, "role-sessions.jsonl");
  // Rotation every 3 seconds, so the tests see it happen.
  berth = await BerthProcess.start({ bin: fixture, args: ["--instances", "1", "--task-credentials-refresh-seconds", "3", "--agent-token", TOKEN], env: { ROLE_SESSIONS_LOG: journalPath } });
  ecs = berth.ecs();
});

after(async () => {
  await berth?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** A task definition whose one container runs the SDK probe, then stays up. */
async function register(family: string, networkMode: "bridge" | "host" | "awsvpc", taskRoleArn?: string): Promise<void> {
  await ecs.send(new RegisterTaskDefinitionCommand({
    family, networkMode, taskRoleArn, cpu: "256", memory: "512",
    requiresCompatibilities: networkMode === "awsvpc" ? ["FARGATE"] : ["EC2"],
    containerDefinitions: [{ name: "app", image: SDK_IMAGE, essential: true, entryPoint: ["sh", "-c"], command: ["node /app/probe.mjs; exec sleep 600"], stopTimeout: 1 }],
  }));
}

async function runTask(family: string, networkMode: "bridge" | "host" | "awsvpc", cluster = "default"): Promise<Task> {
  const { tasks, failures } = await ecs.send(new RunTaskCommand(networkMode === "awsvpc"
    ? { cluster, taskDefinition: family, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } }
    : { cluster, taskDefinition: family, launchType: "EC2" }));
  assert.deepEqual(failures, []);
  return waitForTask(ecs, cluster, tasks![0]!.taskArn!, "RUNNING");
}

const containerId = (t: Task) => t.containers![0]!.runtimeId!;
const taskId = (t: Task) => t.taskArn!.split("/").pop()!;

/** Runs a shell command inside the task's container (its network namespace and environment). */
async function sh(t: Task, script: string, input?: string): Promise<string> {
  const child = execFile("docker", ["exec", ...(input !== undefined ? ["-i"] : []), containerId(t), "sh", "-c", script], { maxBuffer: 1 << 24 });
  if (input !== undefined) child.stdin!.end(input);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`exit ${code}: ${out}`);
  return out;
}

async function env(t: Task): Promise<Map<string, string>> {
  const { stdout } = await run("docker", ["inspect", "--format", "{{json .Config.Env}}", containerId(t)]);
  return new Map((JSON.parse(stdout) as string[]).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}

/** The probe's line in the container's output: what the unmodified SDK got. */
async function probe(t: Task): Promise<{ ok: boolean; arn?: string; account?: string; accessKeyId?: string; error?: string }> {
  return waitFor(`the SDK probe in ${t.taskArn}`, async () => {
    const { stdout } = await run("docker", ["logs", containerId(t)]);
    const line = stdout.split("\n").find((l) => l.startsWith("PROBE "));
    return line ? JSON.parse(line.slice(6)) : undefined;
  }, 60_000);
}

async function stop(t: Task): Promise<Task> {
  await ecs.send(new StopTaskCommand({ cluster: t.clusterArn, task: t.taskArn! }));
  return waitForTask(ecs, t.clusterArn!, t.taskArn!, "STOPPED");
}

for (const mode of ["bridge", "awsvpc", "host"] as const) {
  test(`${mode}: an unmodified SDK with no keys configured gets the task role's session and calls Berth with it`, async () => {
    await register(`sdk-${mode}`, mode, ROLE);
    const t = await runTask(`sdk-${mode}`, mode);
    const e = await env(t);
    assert.match(e.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ?? "", /^\/v2\/credentials\/[0-9a-f]{64}$/);
    assert.match(e.get("ECS_CONTAINER_METADATA_URI_V4") ?? "", /^http:\/\/169\.254\.170\.2\/v4\/[0-9a-f]{64}$/);
    assert.match(e.get("ECS_CONTAINER_METADATA_URI") ?? "", /^http:\/\/169\.254\.170\.2\/v3\/[0-9a-f]{64}$/);
    // Berth's API through the Docker bridge gateway: reachable from the host and its containers only.
    const { stdout: gateway } = await run("docker", ["network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}"]);
    assert.match(e.get("AWS_ENDPOINT_URL") ?? "", new RegExp(`^http://${gateway.trim().replace(/\./g, "\\.")}:\\d+$`));
    assert.equal(e.has("AWS_ACCESS_KEY_ID"), false);

    const result = await probe(t);
    assert.equal(result.ok, true, result.error);
    const sessions = journal().filter((j) => j.op === "assume" && j.sessionName === taskId(t));
    assert.ok(sessions.length >= 1, "the control plane assumed the task role");
    assert.ok(sessions.every((s) => s.roleArn === ROLE && s.service === "ecs-tasks.amazonaws.com"));
    // The SDK signed its GetCallerIdentity with a session of the task's role, read at 169.254.170.2.
    assert.ok(sessions.some((s) => s.accessKeyId === result.accessKeyId), `${result.accessKeyId} is one of the task's sessions`);
    assert.equal(result.account, "000000000000");

    // Fetched by hand from inside the task: ECS's document, Expiration as STS gave it.
    const doc = JSON.parse(await sh(t, 'wget -q -O - "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"'));
    assert.deepEqual(Object.keys(doc).sort(), ["AccessKeyId", "Expiration", "RoleArn", "SecretAccessKey", "Token"]);
    const issued = journal().find((j) => j.op === "assume" && j.accessKeyId === doc.AccessKeyId)!;
    assert.equal(doc.RoleArn, ROLE);
    assert.equal(doc.SecretAccessKey, issued.secretAccessKey);
    assert.equal(doc.Token, issued.sessionToken);
    assert.equal(new Date(doc.Expiration).getTime(), Math.floor(new Date(issued.expiration!).getTime() / 1000) * 1000);
    await stop(t);
  });
}

test("metadata endpoint v4 and v3: the container, its task and their Docker stats, in ECS's shapes", async () => {
  await register("meta", "bridge", ROLE);
  const t = await runTask("meta", "bridge");
  const get = async (path: string, v = "ECS_CONTAINER_METADATA_URI_V4") => JSON.parse(await sh(t, `wget -q -O - "$${v}${path}"`));
  const self = await get("");
  assert.equal(self.DockerId, containerId(t));
  assert.equal(self.Name, "app");
  assert.equal(self.Image, SDK_IMAGE);
  assert.match(self.ImageID, /^sha256:[0-9a-f]{64}$/);
  assert.equal(self.Labels["com.amazonaws.ecs.task-arn"], t.taskArn);
  assert.equal(self.KnownStatus, "RUNNING");
  assert.equal(self.DesiredStatus, "RUNNING");
  assert.equal(self.Type, "NORMAL");
  assert.equal(self.ContainerARN, t.containers![0]!.containerArn);
  const { stdout: ip } = await run("docker", ["inspect", "--format", "{{.NetworkSettings.Networks.bridge.IPAddress}}", containerId(t)]);
  assert.deepEqual(self.Networks, [{ NetworkMode: "bridge", IPv4Addresses: [ip.trim()] }]);

  const task = await get("/task");
  assert.equal(task.Cluster, t.clusterArn);
  assert.equal(task.TaskARN, t.taskArn);
  assert.equal(task.Family, "meta");
  assert.equal(task.Revision, "1");
  assert.equal(task.KnownStatus, "RUNNING");
  assert.equal(task.DesiredStatus, "RUNNING");
  assert.deepEqual(task.Limits, { CPU: 0.25, Memory: 512 });
  assert.equal(task.LaunchType, "EC2");
  assert.equal(task.AvailabilityZone, t.availabilityZone);
  assert.ok(!Number.isNaN(Date.parse(task.PullStartedAt)) && !Number.isNaN(Date.parse(task.PullStoppedAt)));
  assert.deepEqual(task.Containers.map((c: { DockerId: string }) => c.DockerId), [containerId(t)]);

  const stats = await get("/stats");
  assert.ok(stats.memory_stats && stats.cpu_stats, "Docker's stats document");
  const taskStats = await get("/task/stats");
  assert.deepEqual(Object.keys(taskStats), [containerId(t)]);
  assert.ok(taskStats[containerId(t)].cpu_stats);

  const v3 = await get("/task", "ECS_CONTAINER_METADATA_URI");
  assert.equal(v3.TaskARN, t.taskArn);
  assert.equal(v3.LaunchType, undefined, "v3 has no LaunchType");
  assert.equal((await get("", "ECS_CONTAINER_METADATA_URI")).DockerId, containerId(t));

  // Nothing secret: no session value anywhere in what the metadata endpoint says.
  const all = JSON.stringify([self, task, v3]);
  for (const j of journal().filter((x) => x.op === "assume")) {
    assert.ok(!all.includes(j.secretAccessKey!) && !all.includes(j.sessionToken!));
  }
  await stop(t);
});

test("awsvpc metadata: the task's own address", async () => {
  await register("meta-vpc", "awsvpc");
  const t = await runTask("meta-vpc", "awsvpc");
  const e = await env(t);
  assert.equal(e.has("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), false, "a task without a role gets no credentials URI");
  const self = JSON.parse(await sh(t, 'wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4"'));
  const address = t.attachments![0]!.details!.find((d) => d.name === "privateIPv4Address")!.value;
  assert.equal(self.Networks[0].NetworkMode, "awsvpc");
  assert.deepEqual(self.Networks[0].IPv4Addresses, [address]);
  const task = JSON.parse(await sh(t, 'wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4/task"'));
  assert.equal(task.LaunchType, "FARGATE");
  await stop(t);
});

test("cross-task theft: 1,000 tries from another task's container (guessed ids, the right id from the wrong address) all fail", async () => {
  await register("victim", "bridge", ROLE);
  await register("thief", "bridge", OTHER_ROLE);
  await register("thief-vpc", "awsvpc", OTHER_ROLE);
  const victim = await runTask("victim", "bridge");
  const thief = await runTask("thief", "bridge");
  const thiefVpc = await runTask("thief-vpc", "awsvpc");
  const ve = await env(victim);
  const right = ve.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")!;
  const meta = ve.get("ECS_CONTAINER_METADATA_URI_V4")!;

  // Counts the URLs (one a line on stdin) that answer 200.
  const tries = `ok=0; n=0; while read u; do n=$((n+1)); wget -q -O /dev/null "$u" 2>/dev/null && ok=$((ok+1)); done; echo "$n $ok"`;
  const guessed = Array.from({ length: 500 }, () => `http://169.254.170.2/v2/credentials/${randomBytes(32).toString("hex")}`);
  const stolen = Array.from({ length: 500 }, (_, i) => (i % 5 === 4 ? `${meta}/task` : `http://169.254.170.2${right}`));
  const [n, ok] = (await sh(thief, tries, [...guessed, ...stolen].join("\n") + "\n")).trim().split(" ").map(Number);
  assert.equal(n, 1000);
  assert.equal(ok, 0, "no try from the bridge thief succeeded");
  const [nv, okv] = (await sh(thiefVpc, tries, stolen.slice(0, 100).join("\n") + "\n")).trim().split(" ").map(Number);
  assert.equal(nv, 100);
  assert.equal(okv, 0, "no try from the awsvpc thief succeeded");
  // The same URLs work from the victim itself, so the refusals above are about who asks.
  const [nown, okown] = (await sh(victim, tries, stolen.slice(0, 10).join("\n") + "\n")).trim().split(" ").map(Number);
  assert.deepEqual([nown, okown], [10, 10]);
  // And the thief's own still work for the thief.
  assert.equal(JSON.parse(await sh(thief, 'wget -q -O - "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"')).RoleArn, OTHER_ROLE);
  await Promise.all([stop(victim), stop(thief), stop(thiefVpc)]);
});

test("rotation before expiry, and every session revoked when the task stops", async () => {
  await register("rotate", "bridge", ROLE);
  const t = await runTask("rotate", "bridge");
  const read = async () => JSON.parse(await sh(t, 'wget -q -O - "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"')) as { AccessKeyId: string; Expiration: string };
  const first = await read();
  const second = await waitFor("a rotated session", async () => {
    const d = await read();
    return d.AccessKeyId !== first.AccessKeyId ? d : undefined;
  }, 30_000);
  assert.ok(Date.parse(second.Expiration) >= Date.parse(first.Expiration), "the renewed session expires later");
  await stop(t);
  const issued = journal().filter((j) => j.op === "assume" && j.sessionName === taskId(t)).map((j) => j.accessKeyId);
  const revoked = new Set(journal().filter((j) => j.op === "revoke").map((j) => j.accessKeyId));
  assert.ok(issued.length >= 2);
  assert.deepEqual(issued.filter((k) => !revoked.has(k)), [], "every session of the stopped task is revoked");
});

test("host mode: tasks on the same host share the address (documented); nothing is served once the task stops", async () => {
  await register("hosted", "host", ROLE);
  await register("hosted-neighbour", "host", OTHER_ROLE);
  const [t, neighbour] = await Promise.all([runTask("hosted", "host"), runTask("hosted-neighbour", "host")]);
  // From inside the tasks (their cgroups are routed to this Berth's agent, whatever other
  // Berths run on this host): the task itself, and, host mode sharing the host's address, its
  // neighbour on the same agent, until the task stops.
  const uri = `http://169.254.170.2${(await env(t)).get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")}`;
  const get = (from: Task) => sh(from, `wget -q -O - "${uri}" || echo REFUSED`);
  assert.equal((JSON.parse(await get(t)) as { RoleArn: string }).RoleArn, ROLE);
  assert.equal((JSON.parse(await get(neighbour)) as { RoleArn: string }).RoleArn, ROLE);
  await stop(t);
  assert.equal((await get(neighbour)).trim(), "REFUSED", "a replay after the task stopped is refused");
  await stop(neighbour);
});

test("a role that cannot be assumed fails the task with the reason", async () => {
  await register("refused", "bridge", "arn:aws:iam::000000000000:role/refused");
  const { tasks } = await ecs.send(new RunTaskCommand({ taskDefinition: "refused", launchType: "EC2" }));
  const t = await waitForTask(ecs, "default", tasks![0]!.taskArn!, "STOPPED");
  assert.equal(t.stopCode, "TaskFailedToStart");
  assert.match(t.stoppedReason ?? "", /^ResourceInitializationError: unable to assume the task role arn:aws:iam::000000000000:role\/refused: /);
});

test("a remote `berth agent` serves its own tasks' credentials; the embedded agent's tasks cannot read them", async () => {
  const agentDir = mkdtempSync(join(tmpdir(), "berth-identity-agent-"));
  await ecs.send(new CreateClusterCommand({ clusterName: "remote" }));
  const agent = await AgentProcess.start({ endpoint: berth.endpoint, cluster: "remote", token: TOKEN, hostIp: "127.0.2.7", dataDir: agentDir });
  try {
    await register("remote-sdk", "bridge", ROLE);
    await register("local-thief", "bridge", OTHER_ROLE);
    const t = await runTask("remote-sdk", "bridge", "remote");
    assert.equal(t.containerInstanceArn, agent.containerInstanceArn);
    const result = await probe(t);
    assert.equal(result.ok, true, result.error);
    assert.ok(journal().some((j) => j.op === "assume" && j.sessionName === taskId(t) && j.accessKeyId === result.accessKeyId));
    // Two agents on one host: each task's requests reach its own agent, and only its own.
    const thief = await runTask("local-thief", "bridge");
    const stolen = `http://169.254.170.2${(await env(t)).get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")}`;
    const tries = `ok=0; n=0; while read u; do n=$((n+1)); wget -q -O /dev/null "$u" 2>/dev/null && ok=$((ok+1)); done; echo "$n $ok"`;
    assert.equal((await sh(thief, tries, Array(50).fill(stolen).join("\n") + "\n")).trim(), "50 0");
    assert.equal((await sh(t, tries, Array(5).fill(stolen).join("\n") + "\n")).trim(), "5 5");
    await Promise.all([stop(t), stop(thief)]);
    // Host mode, where requests come from the host's own addresses: each agent's task still gets
    // its own credentials (the remote agent started last: its catch-all is not the one host
    // requests fall through to).
    await register("remote-host", "host", ROLE);
    await register("local-host", "host", OTHER_ROLE);
    const [remote, local] = await Promise.all([runTask("remote-host", "host", "remote"), runTask("local-host", "host")]);
    assert.equal(remote.containerInstanceArn, agent.containerInstanceArn);
    for (const [task, role] of [[remote, ROLE], [local, OTHER_ROLE]] as const) {
      const got = await probe(task);
      assert.equal(got.ok, true, got.error);
      assert.ok(journal().some((j) => j.op === "assume" && j.roleArn === role && j.sessionName === taskId(task) && j.accessKeyId === got.accessKeyId), `${taskId(task)} used its own role's session`);
    }
    await Promise.all([stop(remote), stop(local)]);
  } finally {
    await agent.stop();
    await agent.removeLeftovers();
    rmSync(agentDir, { recursive: true, force: true });
  }
});

test("no session secret appears in Berth's logs or in DescribeTasks", async () => {
  const secrets = journal().filter((j) => j.op === "assume").flatMap((j) => [j.secretAccessKey!, j.sessionToken!]);
  assert.ok(secrets.length > 0);
  const { taskArns } = await import("@aws-sdk/client-ecs").then(async ({ ListTasksCommand }) => ecs.send(new ListTasksCommand({ cluster: "default", desiredStatus: "STOPPED" })));
  const described = JSON.stringify(await ecs.send(new DescribeTasksCommand({ cluster: "default", tasks: taskArns! })));
  const logs = berth.output.join("\n");
  for (const s of secrets) {
    assert.ok(!logs.includes(s), "a secret in Berth's logs");
    assert.ok(!described.includes(s), "a secret in DescribeTasks");
  }
});
