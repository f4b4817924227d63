import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as IAM from "@aws-sdk/client-iam";
import { ECRClient, CreateRepositoryCommand, DeleteRepositoryPolicyCommand, GetAuthorizationTokenCommand, SetRepositoryPolicyCommand } from "@aws-sdk/client-ecr";
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { DockerCli } from "./docker-cli.js";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { errorCode, Oci } from "./registry-kit.js";

/**
 * The registry's /v2 endpoints under iamEnforcement, driven by the Docker CLI and skopeo: the
 * token GetAuthorizationToken hands out is bound to the caller, and each pull and push is
 * authorized as ECR authorizes it, with the caller's identity policies and the repository's
 * policy; refusals are ECR's 403 {"errors":[{"code":"DENIED",...}]}.
 */

const run = promisify(execFile);
const ACCOUNT = "000000000000";
const REGION = "us-east-1";
const ROOT = { accessKeyId: "AKIDROOT", secretAccessKey: "root-secret" };
/** Another account's root: a 12-digit access key id names its account. */
const B = "111122223333";
const ROOT_B = { accessKeyId: B, secretAccessKey: "b-secret" };
type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const repoArn = (name: string) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"];
const LOGIN = { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" };
const notAllowed = (who: string, action: string, repository: string) =>
  `User: ${who} is not authorized to perform: ${action} on resource: ${repoArn(repository)} because no identity-based policy allows the ${action} action`;

const skopeo = (...args: string[]) => run("skopeo", args, { maxBuffer: 16 * 1024 * 1024 });
const ecrClient = (berth: BerthProcess, credentials: Creds) => new ECRClient({ endpoint: berth.endpoint, region: REGION, credentials, maxAttempts: 1 });

async function passwordOf(berth: BerthProcess, credentials: Creds): Promise<string> {
  const { authorizationData } = await ecrClient(berth, credentials).send(new GetAuthorizationTokenCommand({}));
  return Buffer.from(authorizationData![0]!.authorizationToken!, "base64").toString().slice("AWS:".length);
}

/** The rejection of a client command, as its output (stderr and message). */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return `${e.stderr ?? ""}\n${e.message}`;
  }
  assert.fail("the command succeeded");
}

describe("registry authorization under iamEnforcement", () => {
  let berth: BerthProcess;
  let host: string;
  let iam: IAM.IAMClient;
  let work: string;
  const clis: DockerCli[] = [];
  const users: Record<string, Creds> = {};

  async function user(name: string, statements: object[]): Promise<Creds> {
    await iam.send(new IAM.CreateUserCommand({ UserName: name }));
    if (statements.length) await iam.send(new IAM.PutUserPolicyCommand({ UserName: name, PolicyName: "registry", PolicyDocument: doc(statements) }));
    const { AccessKey } = await iam.send(new IAM.CreateAccessKeyCommand({ UserName: name }));
    return (users[name] = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! });
  }

  /** A Docker CLI (its own config directory) logged in with `password`. */
  async function dockerAs(password: string): Promise<DockerCli> {
    const cli = new DockerCli();
    clis.push(cli);
    await cli.login(host, password);
    return cli;
  }

  before(async () => {
    await ensureTestImage();
    berth = await BerthProcess.start({
      args: ["--strict-sigv4", "--credentials", `${ROOT.accessKeyId}:${ROOT.secretAccessKey},${ROOT_B.accessKeyId}:${ROOT_B.secretAccessKey}`, "--iam-enforcement"],
    });
    host = new URL(berth.endpoint).host;
    work = mkdtempSync(join(tmpdir(), "berth-registry-iam-"));
    iam = new IAM.IAMClient({ endpoint: berth.endpoint, region: REGION, credentials: ROOT });
    // The root (never refused) creates two repositories and pushes the test image to both.
    const root = await dockerAs(await passwordOf(berth, ROOT));
    for (const name of ["team/a", "team/b"]) {
      await ecrClient(berth, ROOT).send(new CreateRepositoryCommand({ repositoryName: name }));
      await root.run("tag", TEST_IMAGE, `${host}/${name}:1`);
      await root.run("push", `${host}/${name}:1`);
    }
    await user("alice", [LOGIN, { Effect: "Allow", Action: PULL, Resource: repoArn("team/a") }]);
    await user("mallory", [LOGIN]);
    await user("nobody", []);
    await user("carol", [LOGIN]);
  });

  after(async () => {
    try {
      await berth?.dispose();
    } finally {
      const left = clis.length ? await clis[0]!.imagesUnder(host).catch(() => []) : [];
      if (left.length) await run("docker", ["rmi", "-f", ...left]).catch(() => undefined);
      for (const cli of clis) cli.dispose();
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  test("a user allowed to pull repository A pulls it (docker, skopeo) but may not push to it, nor pull B", async () => {
    const password = await passwordOf(berth, users.alice!);
    const alice = await dockerAs(password);
    await alice.run("rmi", `${host}/team/a:1`);
    await alice.run("pull", `${host}/team/a:1`);
    // skopeo reads every layer (GetDownloadUrlForLayer) into a local layout.
    await skopeo("copy", "--src-tls-verify=false", "--src-creds", `AWS:${password}`, `docker://${host}/team/a:1`, `oci:${join(work, "alice")}:a`);

    await alice.run("tag", TEST_IMAGE, `${host}/team/a:2`);
    const push = await failure(alice.run("push", `${host}/team/a:2`));
    // The layers are there already (BatchCheckLayerAvailability is allowed): the manifest PUT is what is refused.
    assert.ok(push.includes(`denied: ${notAllowed(userArn("alice"), "ecr:PutImage", "team/a")}`), push);

    const pullB = await failure(alice.run("pull", `${host}/team/b:1`));
    assert.ok(pullB.includes(`denied: ${notAllowed(userArn("alice"), "ecr:BatchGetImage", "team/b")}`), pullB);

    // The wire answer, as ECR gives it: 403 and the registry's error envelope.
    const oci = new Oci(berth.endpoint, password);
    const upload = await oci.req("POST", "/v2/team/a/blobs/uploads/");
    assert.equal(upload.status, 403);
    assert.deepEqual(upload.json(), { errors: [{ code: "DENIED", message: notAllowed(userArn("alice"), "ecr:InitiateLayerUpload", "team/a") }] });
    // A repository that does not exist is still NAME_UNKNOWN.
    const missing = await oci.req("GET", "/v2/team/none/manifests/1");
    assert.equal(missing.status, 404);
    assert.equal(errorCode(missing), "NAME_UNKNOWN");
    // The base endpoint only authenticates.
    assert.equal((await oci.req("GET", "/v2/")).status, 200);
  });

  test("a user with no ECR permissions gets no token; one that may only log in is denied every pull", async () => {
    await assert.rejects(ecrClient(berth, users.nobody!).send(new GetAuthorizationTokenCommand({})), (err: Error) => {
      assert.equal(err.name, "AccessDeniedException");
      assert.equal(err.message, `User: ${userArn("nobody")} is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`);
      return true;
    });
    const password = await passwordOf(berth, users.mallory!);
    const mallory = await dockerAs(password);
    const pulled = await failure(mallory.run("pull", `${host}/team/a:1`));
    assert.ok(pulled.includes(`denied: ${notAllowed(userArn("mallory"), "ecr:BatchGetImage", "team/a")}`), pulled);
    const inspected = await failure(skopeo("inspect", "--tls-verify=false", "--creds", `AWS:${password}`, `docker://${host}/team/a:1`));
    assert.match(inspected, /denied/i);
    // Blobs are refused as well, each for its own action.
    const oci = new Oci(berth.endpoint, password);
    const manifest = (await new Oci(berth.endpoint, await passwordOf(berth, ROOT)).req("GET", "/v2/team/a/manifests/1", { headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" } })).json();
    const layer = `/v2/team/a/blobs/${manifest.layers[0].digest}`;
    const get = await oci.req("GET", layer);
    assert.equal(get.status, 403);
    assert.equal(get.json().errors[0].message, notAllowed(userArn("mallory"), "ecr:GetDownloadUrlForLayer", "team/a"));
    const head = await oci.req("HEAD", layer);
    assert.equal(head.status, 403);
    // Listing the repositories needs ecr:DescribeRepositories.
    assert.equal((await oci.req("GET", "/v2/_catalog")).status, 403);
  });

  test("a repository policy grants another principal pull; a Deny in it wins over an identity Allow", async () => {
    const admin = ecrClient(berth, ROOT);
    const password = await passwordOf(berth, users.carol!);
    await assert.rejects(skopeo("inspect", "--tls-verify=false", "--creds", `AWS:${password}`, `docker://${host}/team/b:1`), /denied/i);
    await admin.send(new SetRepositoryPolicyCommand({
      repositoryName: "team/b",
      policyText: doc([{ Sid: "carol-pulls", Effect: "Allow", Principal: { AWS: userArn("carol") }, Action: PULL }]),
    }));
    // The same token, now allowed: permissions are evaluated at each request, as the policies are now.
    await skopeo("copy", "--src-tls-verify=false", "--src-creds", `AWS:${password}`, `docker://${host}/team/b:1`, `oci:${join(work, "carol")}:b`);
    const carol = await dockerAs(password);
    await carol.run("pull", `${host}/team/b:1`);
    // The policy grants pull only, and only on team/b.
    const push = await new Oci(berth.endpoint, password).req("PUT", "/v2/team/b/manifests/2", { body: "{}", headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" } });
    assert.equal(push.status, 403);
    assert.equal(errorCode(push), "DENIED");
    assert.match(await failure(carol.run("pull", `${host}/team/a:1`)), /denied: User: .*carol is not authorized to perform: ecr:BatchGetImage/);

    // An account principal in a repository policy only delegates to the account's identity policies.
    await admin.send(new SetRepositoryPolicyCommand({ repositoryName: "team/b", policyText: doc([{ Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: PULL }]) }));
    assert.equal((await new Oci(berth.endpoint, password).req("GET", "/v2/team/b/manifests/1")).status, 403);

    // alice's identity policy allows team/a; a Deny in its repository policy takes it away.
    await admin.send(new SetRepositoryPolicyCommand({ repositoryName: "team/a", policyText: doc([{ Effect: "Deny", Principal: { AWS: userArn("alice") }, Action: "ecr:BatchGetImage" }]) }));
    const alice = new Oci(berth.endpoint, await passwordOf(berth, users.alice!));
    const denied = await alice.req("GET", "/v2/team/a/manifests/1");
    assert.equal(denied.status, 403);
    assert.equal(denied.json().errors[0].message,
      `User: ${userArn("alice")} is not authorized to perform: ecr:BatchGetImage on resource: ${repoArn("team/a")} with an explicit deny in a resource-based policy`);
    await admin.send(new DeleteRepositoryPolicyCommand({ repositoryName: "team/a" }));
    assert.equal((await alice.req("GET", "/v2/team/a/manifests/1")).status, 200);
  });

  test("a role session's token carries the session; the policy may name the role", async () => {
    await iam.send(new IAM.CreateRoleCommand({ RoleName: "puller", AssumeRolePolicyDocument: doc([{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" }]) }));
    await iam.send(new IAM.PutRolePolicyCommand({ RoleName: "puller", PolicyName: "login", PolicyDocument: doc([LOGIN]) }));
    const sts = new STSClient({ endpoint: berth.endpoint, region: REGION, credentials: ROOT, maxAttempts: 1 });
    const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/puller`, RoleSessionName: "ci" }));
    const session = { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
    const password = await passwordOf(berth, session);
    const oci = new Oci(berth.endpoint, password);
    const refused = await oci.req("GET", "/v2/team/b/manifests/1");
    assert.equal(refused.status, 403);
    assert.equal(refused.json().errors[0].message, notAllowed(`arn:aws:sts::${ACCOUNT}:assumed-role/puller/ci`, "ecr:BatchGetImage", "team/b"));
    await ecrClient(berth, ROOT).send(new SetRepositoryPolicyCommand({
      repositoryName: "team/b", policyText: doc([{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/puller` }, Action: PULL }]),
    }));
    await skopeo("copy", "--src-tls-verify=false", "--src-creds", `AWS:${password}`, `docker://${host}/team/b:1`, `oci:${join(work, "role")}:b`);
  });

  test("a session with 50 long session tags and a session policy gets a token the registry takes, and both still apply", async () => {
    const tags = Array.from({ length: 50 }, (_, i) => ({ Key: `tag-${String(i).padStart(2, "0")}-${"k".repeat(120)}`, Value: "v".repeat(256) }));
    await iam.send(new IAM.CreateRoleCommand({ RoleName: "tagged-puller", AssumeRolePolicyDocument: doc([{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ["sts:AssumeRole", "sts:TagSession"] }]) }));
    // The role pulls anything, but only in a session tagged with the first tag's value.
    await iam.send(new IAM.PutRolePolicyCommand({ RoleName: "tagged-puller", PolicyName: "pull", PolicyDocument: doc([LOGIN,
      { Effect: "Allow", Action: PULL, Resource: "*", Condition: { StringEquals: { [`aws:PrincipalTag/${tags[0]!.Key}`]: tags[0]!.Value } } }]) }));
    const sts = new STSClient({ endpoint: berth.endpoint, region: REGION, credentials: ROOT, maxAttempts: 1 });
    // The session policy narrows the session to team/a.
    const sessionPolicy = doc([LOGIN, { Effect: "Allow", Action: PULL, Resource: repoArn("team/a") }]);
    const assume = async (Tags: typeof tags) => {
      const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/tagged-puller`, RoleSessionName: "tagged", Tags, Policy: sessionPolicy }));
      return { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
    };
    const session = await assume(tags);
    const password = await passwordOf(berth, session);
    assert.ok(password.length < 8192, `a token of ${password.length} characters`);
    const claims = JSON.parse(Buffer.from(password.split(".")[0]!, "base64url").toString()) as { p?: Record<string, unknown>; s?: string };
    assert.equal(claims.s, session.accessKeyId, "the token names its session");
    assert.equal(claims.p?.sessionTags, undefined);
    const oci = new Oci(berth.endpoint, password);
    assert.equal((await oci.req("GET", "/v2/team/a/manifests/1")).status, 200, "the tag condition holds");
    const narrowed = await oci.req("GET", "/v2/team/b/manifests/1");
    assert.equal(narrowed.status, 403, "the session policy still narrows the session");
    assert.equal(errorCode(narrowed), "DENIED");
    // Another session of the role, with the first tag's value changed, may not pull team/a.
    const other = await assume([{ ...tags[0]!, Value: "other" }, ...tags.slice(1)]);
    assert.equal((await new Oci(berth.endpoint, await passwordOf(berth, other)).req("GET", "/v2/team/a/manifests/1")).status, 403);
  });

  test("a push may mount a layer only from a repository the pusher may read; otherwise the upload starts afresh", async () => {
    const push = ["ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchCheckLayerAvailability"];
    const creds = await user("pusher", [LOGIN, { Effect: "Allow", Action: push, Resource: repoArn("team/c") }]);
    await ecrClient(berth, ROOT).send(new CreateRepositoryCommand({ repositoryName: "team/c" }));
    const root = new Oci(berth.endpoint, await passwordOf(berth, ROOT));
    const manifest = (await root.req("GET", "/v2/team/a/manifests/1", { headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" } })).json();
    const mount = `/v2/team/c/blobs/uploads/?mount=${manifest.layers[0].digest}&from=team/a`;
    const refused = await new Oci(berth.endpoint, await passwordOf(berth, creds)).req("POST", mount);
    assert.equal(refused.status, 202, "a new upload session, not the mounted blob");
    // The root may read team/a: its mount succeeds.
    assert.equal((await root.req("POST", mount)).status, 201);
  });

  test("another account's root gets a token for this registry but pulls only what a repository policy allows its account", async () => {
    const rootB = `arn:aws:iam::${B}:root`;
    const noPolicy = (action: string, repository: string) =>
      `User: ${rootB} is not authorized to perform: ${action} on resource: ${repoArn(repository)} because no resource-based policy allows the ${action} action`;
    const admin = ecrClient(berth, ROOT);
    await admin.send(new CreateRepositoryCommand({ repositoryName: "cross/app" }));
    const root = new Oci(berth.endpoint, await passwordOf(berth, ROOT));
    await root.pushImage("cross/app", "1");

    // GetAuthorizationToken's registryIds: B's root asks for a token to account A's registry.
    const { authorizationData } = await ecrClient(berth, ROOT_B).send(new GetAuthorizationTokenCommand({ registryIds: [ACCOUNT] }));
    const password = Buffer.from(authorizationData![0]!.authorizationToken!, "base64").toString().slice("AWS:".length);
    const oci = new Oci(berth.endpoint, password);
    const pull = await oci.req("GET", "/v2/cross/app/manifests/1", { headers: { accept: "application/vnd.oci.image.manifest.v1+json" } });
    assert.equal(pull.status, 403, "B's root is no one in A's registry without A's repository policy");
    assert.deepEqual(pull.json(), { errors: [{ code: "DENIED", message: noPolicy("ecr:BatchGetImage", "cross/app") }] });
    assert.match(await failure(skopeo("inspect", "--tls-verify=false", "--creds", `AWS:${password}`, `docker://${host}/cross/app:1`)), /denied/i);
    assert.equal((await oci.req("POST", "/v2/cross/app/blobs/uploads/")).status, 403);
    assert.equal((await oci.req("GET", "/v2/_catalog")).status, 403);
    assert.equal((await oci.req("GET", "/v2/cross/none/manifests/1")).status, 404, "a missing repository is still NAME_UNKNOWN");

    // A's repository policy allows account B to pull: B's root pulls (skopeo), and may still not push.
    await admin.send(new SetRepositoryPolicyCommand({ repositoryName: "cross/app", policyText: doc([{ Effect: "Allow", Principal: { AWS: B }, Action: PULL }]) }));
    await skopeo("copy", "--src-tls-verify=false", "--src-creds", `AWS:${password}`, `docker://${host}/cross/app:1`, `oci:${join(work, "root-b")}:app`);
    const push = await oci.req("POST", "/v2/cross/app/blobs/uploads/");
    assert.equal(push.status, 403);
    assert.equal(push.json().errors[0].message, noPolicy("ecr:InitiateLayerUpload", "cross/app"));
    // A Deny for the account in the policy wins.
    await admin.send(new SetRepositoryPolicyCommand({ repositoryName: "cross/app", policyText: doc([
      { Effect: "Allow", Principal: { AWS: B }, Action: PULL },
      { Effect: "Deny", Principal: { AWS: rootB }, Action: "ecr:BatchGetImage" },
    ]) }));
    const denied = await oci.req("GET", "/v2/cross/app/manifests/1");
    assert.equal(denied.status, 403);
    assert.equal(denied.json().errors[0].message,
      `User: ${rootB} is not authorized to perform: ecr:BatchGetImage on resource: ${repoArn("cross/app")} with an explicit deny in a resource-based policy`);

    // In its own account B's root is never refused: its own token pushes to a repository of B.
    await ecrClient(berth, ROOT_B).send(new CreateRepositoryCommand({ repositoryName: "cross/app" }));
    const own = new Oci(berth.endpoint, await passwordOf(berth, ROOT_B));
    assert.equal((await own.pushImage("cross/app", "1")).res.status, 201);
    assert.equal((await own.req("GET", "/v2/cross/app/manifests/1", { headers: { accept: "application/vnd.oci.image.manifest.v1+json" } })).status, 200);
  });

  test("a token altered to name another principal, or signed with another key, is refused", async () => {
    const password = await passwordOf(berth, users.mallory!);
    const [payload, signature] = password.split(".") as [string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as { p?: { arn: string; name: string } };
    assert.equal(claims.p?.arn, userArn("mallory"));
    // Drop the principal (the root's token) or make it alice; the signature no longer matches.
    const asRoot = { ...claims };
    delete asRoot.p;
    const asAlice = { ...claims, p: { ...claims.p!, arn: userArn("alice"), name: "alice" } };
    for (const forged of [asRoot, asAlice]) {
      const token = `${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${signature}`;
      const res = await new Oci(berth.endpoint, token).req("GET", "/v2/team/a/manifests/1");
      assert.equal(res.status, 401);
      assert.equal(errorCode(res), "UNAUTHORIZED");
      const cli = new DockerCli();
      clis.push(cli);
      await assert.rejects(cli.login(host, token), /docker login exited/);
      assert.match(await failure(skopeo("inspect", "--tls-verify=false", "--creds", `AWS:${token}`, `docker://${host}/team/a:1`)), /unauthorized|invalid/i);
    }
  });
});

describe("registry with iamEnforcement off", () => {
  test("a user without any policy logs in, pushes and pulls as before", async () => {
    await ensureTestImage();
    const berth = await BerthProcess.start({ args: ["--strict-sigv4", "--credentials", `${ROOT.accessKeyId}:${ROOT.secretAccessKey}`] });
    const cli = new DockerCli();
    const host = new URL(berth.endpoint).host;
    try {
      const iam = new IAM.IAMClient({ endpoint: berth.endpoint, region: REGION, credentials: ROOT });
      await iam.send(new IAM.CreateUserCommand({ UserName: "dave" }));
      const { AccessKey } = await iam.send(new IAM.CreateAccessKeyCommand({ UserName: "dave" }));
      const dave = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
      await ecrClient(berth, dave).send(new CreateRepositoryCommand({ repositoryName: "open" }));
      await cli.login(host, await passwordOf(berth, dave));
      await cli.run("tag", TEST_IMAGE, `${host}/open:1`);
      await cli.run("push", `${host}/open:1`);
      await cli.run("rmi", `${host}/open:1`);
      await cli.run("pull", `${host}/open:1`);
    } finally {
      const left = await cli.imagesUnder(host).catch(() => []);
      if (left.length) await run("docker", ["rmi", "-f", ...left]).catch(() => undefined);
      cli.dispose();
      await berth.dispose();
    }
  });
});
