import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { request } from "node:http";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateClusterCommand, ListClustersCommand, ECSClient } from "@aws-sdk/client-ecs";
import { DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { AgentProcess, BerthProcess, berthBin } from "./harness.js";
import { Neighbour } from "./neighbour.js";
import { waitFor } from "./wait.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { createRepository, Oci, registryPassword } from "./registry-kit.js";

const run = promisify(execFile);
const KEY = "AKIDSECURITY";
const SECRET = "security-secret-1";
const UNAUTHENTICATED_WARNING = /^UNAUTHENTICATED NETWORK ACCESS: anyone who can reach this address can run containers as root/;

/**
 * Every one of Berth's own endpoints that must be authenticated, as a caller would write it.
 * /_berth/health (a liveness probe) and /_berth/agent/* (their own token) are the exceptions.
 */
const ADMIN: Array<[method: string, path: string, route?: string]> = [
  ["POST", "/_berth/reset"],
  ["GET", "/_berth/logs?task=0123456789abcdef0123456789abcdef"],
  ["POST", "/_berth/spot/interrupt?taskArn=arn:aws:ecs:us-east-1:000000000000:task/c/0123456789abcdef0123456789abcdef"],
  ["POST", "/_berth/registry/gc"],
  ["GET", "/_berth/ecs/lifecycle-hook-invocations"],
  ["POST", "/_berth/ecs/lifecycle-hook-invocations/ecs-lambda-x.1", "/_berth/ecs/lifecycle-hook-invocations/:invocationId"],
  ["GET", "/_berth/events/rule-activity?rule=arn:aws:events:us-east-1:000000000000:rule/orders"],
];
/** Other spellings of reset: each is refused or is no route at all, and none resets. */
const RESET_SPELLINGS = ["/%5Fberth/reset", "/_berth/%72eset", "/_berth/reset/", "/_berth/reset?x=1", "//_berth/reset", "/_berth/./reset"];

/** `berth up` (or another command) run to completion. */
async function berthCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [berthBin, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const port = (b: BerthProcess) => Number(new URL(b.endpoint).port);
const refusals = (b: BerthProcess) => b.logLines.filter((l) => l.msg === "admin request refused");
const warnings = (b: BerthProcess) => b.logLines.filter((l) => typeof l.msg === "string" && UNAUTHENTICATED_WARNING.test(l.msg));

/** What a reset would wipe: clusters and repositories. */
async function state(ecs: ECSClient, ecr: ECRClient): Promise<{ clusters: string[]; repositories: string[] }> {
  const clusters = ((await ecs.send(new ListClustersCommand({}))).clusterArns ?? []).sort();
  const repositories = ((await ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? []).map((r) => r.repositoryName!).sort();
  return { clusters, repositories };
}

let neighbour: Neighbour;
before(async () => {
  neighbour = await Neighbour.create();
});
after(async () => {
  await neighbour.dispose();
});

describe("open mode on a network address (allowUnauthenticatedNetworkAccess)", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await BerthProcess.start({ args: ["--host", "0.0.0.0", "--allow-unauthenticated-network-access", "--agent-token", "on-the-command-line"] });
  });
  after(async () => {
    await berth.dispose();
  });

  test("Berth starts, and says loudly at start that anyone who reaches it owns the host", () => {
    assert.equal(warnings(berth).length, 1, JSON.stringify(berth.logLines));
    assert.equal(warnings(berth)[0]!.level, 40, "a warning");
    const secretFlag = berth.logLines.filter((l) => l.setting === "agentToken");
    assert.deepEqual(secretFlag.map((l) => [l.level, l.msg]), [
      [40, "--agent-token on the command line is visible to every local user (ps); use --agent-token-file or BERTH_AGENT_TOKEN instead"],
    ]);
    assert.ok(!JSON.stringify(berth.logLines).includes("on-the-command-line"), "the secret itself is never logged");
  });

  test("from another address every admin endpoint is refused with 403 AccessDeniedException, and nothing changes", async () => {
    await berth.ecs().send(new CreateClusterCommand({ clusterName: "keep-me" }));
    await createRepository(berth, { repositoryName: "keep-me" });
    const ecr = new ECRClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
    const before = await state(berth.ecs(), ecr);
    assert.equal(before.clusters.length, 1);

    const refusedBefore = refusals(berth).length;
    for (const [method, path, pattern] of ADMIN) {
      const res = await neighbour.curl(method, port(berth), path);
      assert.equal(res.status, 403, `${method} ${path}: ${res.body}`);
      assert.equal(res.errorType, "AccessDeniedException", `${method} ${path}`);
      // The message names the route as registered (a parameter by its name).
      const route = pattern ?? path.split("?")[0];
      assert.deepEqual(JSON.parse(res.body), { __type: "AccessDeniedException", message: `${route} answers only callers on this machine (loopback) unless strict SigV4 is on.` });
    }
    // Each refusal is logged (the lines arrive through a pipe, so wait for them).
    await waitFor("the refusals' log lines", async () => refusals(berth).length >= refusedBefore + ADMIN.length, 60_000);
    assert.equal(refusals(berth).length - refusedBefore, ADMIN.length);
    for (const path of RESET_SPELLINGS) {
      const res = await neighbour.curl("POST", port(berth), path);
      assert.ok(res.status === 403 || res.status === 404, `POST ${path}: ${res.status} ${res.body}`);
    }
    assert.ok(refusals(berth).every((l) => l.ip === neighbour.address || l.ip === `::ffff:${neighbour.address}`), JSON.stringify(refusals(berth)));
    assert.deepEqual(await state(berth.ecs(), ecr), before);
  });

  test("from another address /_berth/health still answers: it is the liveness probe", async () => {
    const res = await neighbour.curl("GET", port(berth), "/_berth/health");
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { status: "ok", berthId: berth.berthId });
  });

  test("from loopback the admin endpoints answer without credentials", async () => {
    const gc = await fetch(`${berth.endpoint}/_berth/registry/gc`, { method: "POST" });
    assert.equal(gc.status, 200, await gc.clone().text());
    assert.equal(typeof ((await gc.json()) as { blobsDeleted: unknown }).blobsDeleted, "number");
    const logs = await fetch(`${berth.endpoint}/_berth/logs?task=0123456789abcdef0123456789abcdef`);
    assert.equal(logs.status, 404, "past the guard, to the route: no such task");
    const r = await berthCli(["logs", "0123456789abcdef0123456789abcdef", "--endpoint", berth.endpoint]);
    assert.match(r.stderr, /^berth: No task 0123456789abcdef0123456789abcdef is known to this Berth\.\n$/);
    const reset = await fetch(`${berth.endpoint}/_berth/reset`, { method: "POST" });
    assert.equal(reset.status, 200);
    assert.deepEqual((await berth.ecs().send(new ListClustersCommand({}))).clusterArns, []);
  });

  /**
   * Bound to every address, Berth answers to any name, so a page can only be Berth's own console
   * when it is the very origin the request went to, named by an address or localhost: another
   * site's name pointed at this machine (DNS rebinding) makes its page "same-origin" and is refused.
   */
  test("another site's web page is refused, by the API and the admin endpoints, DNS rebinding included; the console's own origin is served", async () => {
    const post = (path: string, body: string, headers: Record<string, string>) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: port(berth), path, method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body), ...headers } }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => (text += c)).on("end", () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on("error", reject).end(body);
    });
    const create = (name: string) => `Action=CreateQueue&QueueName=${name}&Version=2012-11-05`;
    const own = `127.0.0.1:${port(berth)}`;
    const rebound = `rebound.attacker.example:${port(berth)}`;
    await berth.aws("ecs", "create-cluster", "--cluster-name", "kept");
    for (const [origin, host] of [["http://attacker.example", own], ["null", own], [`http://localhost:${port(berth)}`, own], [`http://127.0.0.1:${port(berth) + 1}`, own], [`http://${rebound}`, rebound]] as const) {
      const r = await post("/", create("forged"), { origin, host });
      assert.equal(r.status, 403, `${origin} at ${host}: ${r.body}`);
      assert.match(r.body, /<Code>AccessDenied<\/Code><Message>Berth answers no request from another site/);
      const reset = await post("/_berth/reset", "", { origin, host });
      assert.equal(reset.status, 403, `${origin} at ${host}: ${reset.body}`);
    }
    assert.equal((await berth.aws("sqs", "list-queues"))?.QueueUrls, undefined, "no queue was created");
    const served = await post("/", create("console-made"), { origin: `http://${own}`, host: own });
    assert.equal(served.status, 200, served.body);
    assert.equal((await berth.aws("ecs", "list-clusters")).clusterArns.length, 1, "no reset happened");
  });
});

describe("strict SigV4 on a network address, credentials from a file", () => {
  let berth: BerthProcess;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "berth-security-"));
    const file = join(dir, "credentials");
    writeFileSync(file, `${KEY}:${SECRET}\nAKIDOTHER:other-secret\n`, { mode: 0o600 });
    berth = await BerthProcess.start({ args: ["--host", "0.0.0.0", "--strict-sigv4", "--credentials-file", file], credentials: { accessKeyId: KEY, secretAccessKey: SECRET } });
  });
  after(async () => {
    await berth.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = (accessKeyId: string, secretAccessKey: string) =>
    new ECSClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });

  test("Berth starts without a warning; both pairs of the file sign requests, others are refused", async () => {
    assert.equal(warnings(berth).length, 0);
    assert.equal(berth.logLines.filter((l) => l.level === 40).length, 0, "no secret on the command line either");
    await client(KEY, SECRET).send(new CreateClusterCommand({ clusterName: "strict" }));
    assert.equal((await client("AKIDOTHER", "other-secret").send(new ListClustersCommand({}))).clusterArns?.length, 1);
    await assert.rejects(client(KEY, "wrong").send(new ListClustersCommand({})), { name: "InvalidSignatureException" });
    await assert.rejects(client("test", "test").send(new ListClustersCommand({})), { name: "UnrecognizedClientException" });
  });

  test("unsigned admin requests are refused with 403 MissingAuthenticationTokenException, from anywhere, and change nothing", async () => {
    const before = (await client(KEY, SECRET).send(new ListClustersCommand({}))).clusterArns;
    assert.equal(before?.length, 1);
    for (const [method, path] of ADMIN.slice(0, 4)) {
      const remote = await neighbour.curl(method, port(berth), path);
      assert.equal(remote.status, 403, `${method} ${path}: ${remote.body}`);
      assert.equal(remote.errorType, "MissingAuthenticationTokenException");
      assert.deepEqual(JSON.parse(remote.body), { __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" });
      const local = await fetch(berth.endpoint + path, { method });
      assert.equal(local.status, 403, `${method} ${path} from loopback`);
      assert.equal(local.headers.get("x-amzn-errortype"), "MissingAuthenticationTokenException");
    }
    assert.deepEqual((await client(KEY, SECRET).send(new ListClustersCommand({}))).clusterArns, before);
  });

  test("admin requests signed with a wrong secret or an unknown key are refused, from another address", async () => {
    const bad = await neighbour.curl("POST", port(berth), "/_berth/reset", ["--aws-sigv4", "aws:amz:us-east-1:berth", "--user", `${KEY}:wrong`]);
    assert.equal(bad.status, 400, bad.body);
    assert.equal(bad.errorType, "InvalidSignatureException");
    const unknown = await neighbour.curl("POST", port(berth), "/_berth/reset", ["--aws-sigv4", "aws:amz:us-east-1:berth", "--user", `test:test`]);
    assert.equal(unknown.errorType, "UnrecognizedClientException");
    assert.equal((await client(KEY, SECRET).send(new ListClustersCommand({}))).clusterArns?.length, 1);
  });

  test("signed admin requests are served, from another address (curl --aws-sigv4) and from loopback (berth logs)", async () => {
    const gc = await neighbour.curl("POST", port(berth), "/_berth/registry/gc", ["--aws-sigv4", "aws:amz:us-east-1:berth", "--user", `${KEY}:${SECRET}`]);
    assert.equal(gc.status, 200, gc.body);
    assert.equal(typeof (JSON.parse(gc.body) as { blobsDeleted: unknown }).blobsDeleted, "number");

    const task = "0123456789abcdef0123456789abcdef";
    const signed = await berthCli(["logs", task, "--endpoint", berth.endpoint], { AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET });
    assert.equal(signed.stderr, `berth: No task ${task} is known to this Berth.\n`, "past the guard, to the route");
    const unsigned = await berthCli(["logs", task, "--endpoint", berth.endpoint]);
    assert.equal(unsigned.stderr, "berth: Missing Authentication Token: this Berth wants signed requests; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n");

    // The harness resets with a signed request (dispose does too).
    await berth.reset();
    assert.deepEqual((await client(KEY, SECRET).send(new ListClustersCommand({}))).clusterArns, []);
  });
});

describe("open mode on loopback: another site's web page in this machine's browser is not this machine", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await BerthProcess.start();
  });
  after(async () => {
    await berth?.dispose();
  });

  /** A form POST to the query API, as any site's page can make a browser send it (no CORS preflight). */
  const formPost = (body: string, origin?: string) => fetch(`${berth.endpoint}/`, {
    method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded", ...(origin ? { origin } : {}) },
  });

  test("a cross-site form POST to the API or an admin endpoint is refused with 403 AccessDeniedException and changes nothing; the console's own origin and Origin-less clients are served", async () => {
    for (const origin of ["http://attacker.example", "null", "http://127.0.0.2:4566"]) {
      const r = await formPost("Action=CreateQueue&QueueName=forged&Version=2012-11-05", origin);
      assert.equal(r.status, 403, origin);
      assert.match(await r.text(), /<Code>AccessDenied<\/Code><Message>Berth answers no request from another site/);
      const reset = await fetch(`${berth.endpoint}/_berth/reset`, { method: "POST", headers: { origin } });
      assert.equal(reset.status, 403, origin);
    }
    assert.equal((await berth.aws("sqs", "list-queues"))?.QueueUrls, undefined, "no queue was created");
    await berth.aws("ecs", "create-cluster", "--cluster-name", "kept");
    assert.deepEqual((await berth.aws("ecs", "list-clusters")).clusterArns.length, 1, "no reset happened");

    // The console's page (served under the bound address's names) and clients that send no Origin.
    const own = new URL(berth.endpoint);
    for (const origin of [own.origin, `http://localhost:${own.port}`, undefined]) {
      const r = await formPost(`Action=CreateQueue&QueueName=q${origin ? own.port : "plain"}${origin?.includes("localhost") ? "l" : ""}&Version=2012-11-05`, origin);
      assert.equal(r.status, 200, `${origin}: ${await r.clone().text()}`);
    }
    const gc = await fetch(`${berth.endpoint}/_berth/registry/gc`, { method: "POST", headers: { origin: own.origin } });
    assert.equal(gc.status, 200);
  });
});

describe("an open registry: another site's web page is refused there too", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await BerthProcess.start({ args: ["--registry-auth", "open"] });
  });
  after(async () => {
    await berth?.dispose();
  });

  test("a cross-site POST that would start a blob upload is 403 DENIED; the same POST without an Origin starts one", async () => {
    await berth.aws("ecr", "create-repository", "--repository-name", "site");
    const start = (origin?: string) => fetch(`${berth.endpoint}/v2/site/blobs/uploads/`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...(origin ? { origin } : {}) } });
    const forged = await start("http://attacker.example");
    assert.equal(forged.status, 403);
    assert.equal(((await forged.json()) as { errors: Array<{ code: string }> }).errors[0]!.code, "DENIED");
    const own = await start();
    assert.equal(own.status, 202, await own.clone().text());
  });
});

describe("task containers: their API calls come through the relay, which is not this machine", () => {
  let berth: BerthProcess;
  before(async () => {
    await ensureTestImage();
    berth = await BerthProcess.start();
  });
  after(async () => {
    await berth?.dispose();
  });

  /**
   * A task reaches Berth at AWS_ENDPOINT_URL, a relay on the Docker bridge that connects to Berth
   * over loopback. Open mode trusts loopback with Berth's own endpoints (reset, logs, ...), so the
   * relay connects from an address of its own that those endpoints refuse. The task's exit code
   * says which call did what: 3 if the API did not answer, 4 if the liveness probe did not, 5 if
   * an admin endpoint answered.
   */
  test("a task reaches the AWS API and /_berth/health through AWS_ENDPOINT_URL, and no admin endpoint (reset, logs, outbox)", async () => {
    const probe = [
      `wget -q -O /dev/null --post-data "Action=ListQueues" "$AWS_ENDPOINT_URL/" || exit 3`,
      `wget -q -O /dev/null "$AWS_ENDPOINT_URL/_berth/health" || exit 4`,
      `wget -q -O /dev/null "$AWS_ENDPOINT_URL/_berth/sns/outbox" && exit 5`,
      `wget -q -O /dev/null "$AWS_ENDPOINT_URL/_berth/logs?task=0123456789abcdef0123456789abcdef" && exit 5`,
      `wget -q -O /dev/null --post-data "" "$AWS_ENDPOINT_URL/_berth/reset" && exit 5`,
      "exit 0",
    ].join("\n");
    await berth.aws("ecs", "create-cluster", "--cluster-name", "relay");
    await berth.aws("ecs", "register-task-definition", "--family", "probe", "--requires-compatibilities", "FARGATE", "--network-mode", "awsvpc", "--cpu", "256", "--memory", "512",
      "--container-definitions", JSON.stringify([{ name: "probe", image: TEST_IMAGE, essential: true, entryPoint: ["sh", "-c"], command: [probe] }]));
    const { tasks } = await berth.aws("ecs", "run-task", "--cluster", "relay", "--task-definition", "probe", "--launch-type", "FARGATE", "--network-configuration", "awsvpcConfiguration={subnets=[subnet-1]}");
    const stopped = await waitFor("the probe task stopped", async () => {
      const [t] = (await berth.aws("ecs", "describe-tasks", "--cluster", "relay", "--tasks", tasks[0].taskArn)).tasks;
      return t.lastStatus === "STOPPED" ? t : undefined;
    }, 60_000);
    assert.equal(stopped.containers[0].exitCode, 0, `exit code ${stopped.containers[0].exitCode} (3: no API, 4: no health, 5: an admin endpoint answered); ${stopped.stoppedReason}`);
    assert.equal(refusals(berth).length, 3, "the three admin calls were refused");
    assert.deepEqual((await berth.aws("ecs", "list-clusters")).clusterArns.length, 1, "the reset did nothing");
  });
});

describe("host-mode task containers: they share this machine's loopback, and are still not this machine", () => {
  let berth: BerthProcess;
  before(async () => {
    await ensureTestImage();
    berth = await BerthProcess.start({ args: ["--instances", "1"] });
  });
  after(async () => {
    await berth?.dispose();
  });

  /**
   * A host-mode task reaches Berth straight at 127.0.0.1, not through the relay. Its containers
   * run under a cgroup of their own (host-task-routing.ts), whose connections to Berth's port leave
   * from the task relay's address, so the admin endpoints refuse them too. Exit codes as above.
   */
  test("a host-mode task reaches the AWS API and /_berth/health at 127.0.0.1, and no admin endpoint", async () => {
    const at = `http://127.0.0.1:${port(berth)}`;
    const probe = [
      `wget -q -O /dev/null --post-data "Action=ListQueues" "${at}/" || exit 3`,
      `wget -q -O /dev/null "${at}/_berth/health" || exit 4`,
      `wget -q -O /dev/null "${at}/_berth/logs?task=0123456789abcdef0123456789abcdef" && exit 5`,
      `wget -q -O /dev/null --post-data "" "${at}/_berth/reset" && exit 5`,
      "exit 0",
    ].join("\n");
    await berth.aws("ecs", "create-cluster", "--cluster-name", "hosted");
    await berth.aws("ecs", "register-task-definition", "--family", "host-probe", "--requires-compatibilities", "EC2", "--network-mode", "host", "--memory", "128",
      "--container-definitions", JSON.stringify([{ name: "probe", image: TEST_IMAGE, essential: true, entryPoint: ["sh", "-c"], command: [probe] }]));
    const { tasks, failures } = await berth.aws("ecs", "run-task", "--cluster", "default", "--task-definition", "host-probe", "--launch-type", "EC2");
    assert.deepEqual(failures, []);
    const stopped = await waitFor("the host-mode probe task stopped", async () => {
      const [t] = (await berth.aws("ecs", "describe-tasks", "--cluster", "default", "--tasks", tasks[0].taskArn)).tasks;
      return t.lastStatus === "STOPPED" ? t : undefined;
    }, 60_000);
    assert.equal(stopped.containers[0].exitCode, 0, `exit code ${stopped.containers[0].exitCode} (3: no API, 4: no health, 5: an admin endpoint answered); ${stopped.stoppedReason}`);
    await waitFor("the refusals' log lines", async () => refusals(berth).length >= 2 || undefined, 10_000);
    assert.deepEqual(refusals(berth).map((l) => l.ip), ["127.0.0.254", "127.0.0.254"], "refused as the task relay's address");
    assert.equal((await berth.aws("ecs", "list-clusters")).clusterArns.length, 2, "the reset did nothing (default and hosted)");
    // This machine's own user, outside any task's cgroup, still reaches them.
    assert.equal((await fetch(`${at}/_berth/logs?task=0123456789abcdef0123456789abcdef`)).status, 404);
  });
});

describe("start-up refuses a network address without authentication", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "berth-security-start-"));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const refusal = /^berth: (flags|environment): host (0\.0\.0\.0|::|198\.1[89]\.\d+\.\d+) can be reached from other machines, where anyone could run containers as root on this host: turn on strictSigv4 with credentials of your own \(credentialsFile or BERTH_CREDENTIALS\), bind a loopback address such as 127\.0\.0\.1, or accept the risk with allowUnauthenticatedNetworkAccess\n$/;

  test("0.0.0.0, ::, or a LAN address in open mode, and strict mode with the well-known test:test credentials, exit 1 with one sentence", async () => {
    const cases: Array<[string[], Record<string, string>]> = [
      [["--host", "0.0.0.0"], {}],
      [[], { BERTH_HOST: "::" }],
      [["--host", neighbour.hostAddress], {}],
      [["--host", "0.0.0.0", "--strict-sigv4"], {}],
      [["--host", "0.0.0.0", "--strict-sigv4", "--credentials", "test:test"], {}],
    ];
    for (const [args, env] of cases) {
      const r = await berthCli(["up", "--port", "0", "--data-dir", dir, ...args], env);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, refusal, args.join(" "));
      assert.equal(r.stdout, "", "nothing started");
    }
  });

  test("an address block that holds the task relay's address is refused at start", async () => {
    const r = await berthCli(["up", "--port", "0", "--data-dir", dir, "--awsvpc-cidr", "127.0.0.0/24"], {});
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, "berth: flags: awsvpcCidr 127.0.0.0/24 holds 127.0.0.254, the address task containers' API calls come from\n");
    assert.equal(r.stdout, "", "nothing started");
  });

  test("an open registry on a network address is refused at start, even with strict SigV4 and credentials of one's own", async () => {
    const file = join(dir, "registry-creds");
    writeFileSync(file, `${KEY}:${SECRET}`, { mode: 0o600 });
    const r = await berthCli(["up", "--port", "0", "--data-dir", dir, "--host", "0.0.0.0", "--strict-sigv4", "--credentials-file", file, "--registry-auth", "open"], {});
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^berth: flags: registryAuth open on host 0\.0\.0\.0, which other machines can reach, lets anyone push images, over a tag a service runs too: use registryAuth token, bind a loopback address such as 127\.0\.0\.1, or accept the risk with allowUnauthenticatedNetworkAccess\n$/);
    assert.equal(r.stdout, "", "nothing started");
  });

  test("a secret given both in a file and directly, or a file that cannot be read, is refused without printing a secret", async () => {
    const file = join(dir, "creds");
    writeFileSync(file, `${KEY}:${SECRET}`);
    const both = await berthCli(["up", "--port", "0", "--data-dir", dir, "--credentials-file", file], { BERTH_CREDENTIALS: `${KEY}:${SECRET}` });
    assert.equal(both.code, 1);
    assert.equal(both.stderr, "berth: flags: credentialsFile and credentials (from environment) are both set; give one\n");
    const missing = await berthCli(["up", "--port", "0", "--data-dir", dir, "--credentials-file", join(dir, "nope")]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `berth: flags: cannot read credentialsFile ${join(dir, "nope")}: ENOENT\n`);
    writeFileSync(file, `${SECRET}`);
    const malformed = await berthCli(["up", "--port", "0", "--data-dir", dir, "--credentials-file", file]);
    assert.equal(malformed.code, 1);
    assert.ok(!malformed.stderr.includes(SECRET), malformed.stderr);
  });
});

describe("the data directory is private to the user", () => {
  /** Every entry under dir (dir included) whose mode lets group or others in, or is not 0700/0600. */
  function loose(dir: string): string[] {
    const out: string[] = [];
    const walk = (path: string) => {
      const st = lstatSync(path);
      const mode = st.mode & 0o7777;
      if (st.isDirectory() ? mode !== 0o700 : st.isFile() && mode !== 0o600) out.push(`${path} ${mode.toString(8)}`);
      if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    };
    walk(dir);
    return out;
  }
  /** What a Berth run under umask 022 used to leave: directories 0755, files 0644. */
  function loosen(path: string): void {
    const st = lstatSync(path);
    chmodSync(path, st.isDirectory() ? 0o755 : 0o644);
    if (st.isDirectory()) for (const name of readdirSync(path)) loosen(join(path, name));
  }
  const files = (dir: string): string[] => {
    const out: string[] = [];
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      out.push(path);
      if (lstatSync(path).isDirectory()) out.push(...files(path));
    }
    return out;
  };

  test("a fresh data directory, its database and a pushed image's blobs are 0700/0600; loose ones are tightened at start", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "berth-modes-")), "data");
    // A data directory made by hand beforehand, open to all, with a config file in it.
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, "config.json"), JSON.stringify({ logLevel: "info" }), { mode: 0o644 });
    chmodSync(join(dir, "config.json"), 0o644);
    let berth = await BerthProcess.start({ dataDir: dir });
    try {
      await createRepository(berth, { repositoryName: "private" });
      const oci = new Oci(berth.endpoint, await registryPassword(berth));
      await oci.pushImage("private", "v1");
      const created = files(dir).map((p) => p.slice(dir.length + 1));
      for (const expected of ["berth.sqlite", "berth.sqlite-wal", "berth.sqlite-shm", "config.json", "registry"]) assert.ok(created.includes(expected), `${expected} in ${created.join(" ")}`);
      assert.ok(created.filter((p) => /^registry\/blobs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(p)).length >= 2, "two blobs pushed");
      assert.deepEqual(loose(dir), []);
      await berth.stop();

      // A data directory from before: everything readable by all.
      loosen(dir);
      assert.ok(loose(dir).length >= 10);
      berth = await BerthProcess.start({ dataDir: dir });
      assert.deepEqual(loose(dir), []);
      // Still the same registry, and what is pushed now is private too.
      const again = new Oci(berth.endpoint, await registryPassword(berth));
      assert.equal((await again.req("GET", "/v2/private/manifests/v1", { headers: { accept: "application/vnd.oci.image.manifest.v1+json" } })).status, 200);
      await again.pushImage("private", "v2");
      assert.deepEqual(loose(dir), []);
    } finally {
      await berth.dispose();
      rmSync(join(dir, ".."), { recursive: true, force: true });
    }
  });

  test("berth agent: its token from a file (the server's too), its data directory tightened", async () => {
    const root = mkdtempSync(join(tmpdir(), "berth-agent-modes-"));
    const agentDir = join(root, "agent");
    mkdirSync(agentDir, { mode: 0o755 });
    chmodSync(agentDir, 0o755);
    writeFileSync(join(root, "server-token"), "agent-token-from-a-file\n");
    writeFileSync(join(root, "agent-token"), "agent-token-from-a-file");
    const berth = await BerthProcess.start({ args: ["--agent-token-file", join(root, "server-token")] });
    let agent: AgentProcess | undefined;
    try {
      await berth.ecs().send(new CreateClusterCommand({ clusterName: "agents" }));
      agent = await AgentProcess.start({ endpoint: berth.endpoint, cluster: "agents", hostIp: "127.0.2.9", dataDir: agentDir, args: ["--token-file", join(root, "agent-token")] });
      assert.match(agent.containerInstanceArn, /^arn:aws:ecs:us-east-1:000000000000:container-instance\/agents\//);
      assert.deepEqual(readdirSync(agentDir), ["agent.json"]);
      assert.deepEqual(loose(agentDir), []);
    } finally {
      await agent?.stop();
      await berth.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("a shared directory (sticky bit, like /tmp) is refused as a data directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-sticky-"));
    try {
      chmodSync(dir, 0o1777);
      const r = await berthCli(["up", "--port", "0", "--data-dir", dir]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `berth: dataDir ${dir} is a directory shared by every user (sticky bit, like /tmp): give Berth a directory of its own\n`);
      assert.equal(lstatSync(dir).mode & 0o7777, 0o1777, "left as it was");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
