import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreatePullThroughCacheRuleCommand, CreateRepositoryCreationTemplateCommand, DeletePullThroughCacheRuleCommand, DescribeImagesCommand,
  DescribePullThroughCacheRulesCommand, DescribeRepositoriesCommand, InvalidParameterException, PullThroughCacheRuleAlreadyExistsException,
  PullThroughCacheRuleNotFoundException, SecretNotFoundException, UnsupportedUpstreamRegistryException, UpdatePullThroughCacheRuleCommand,
  ValidatePullThroughCacheRuleCommand,
} from "@aws-sdk/client-ecr";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { DockerCli } from "./docker-cli.js";
import { createRepository, ecr, Oci, OCI_INDEX, OCI_MANIFEST, registryPassword, sha256 } from "./registry-kit.js";

// Two Berths: `upstream` is the OCI registry a pull-through cache rule of `berth` names.
let berth: BerthProcess;
let upstream: BerthProcess;
let upstreamHost: string;
let credentialArn: string;
before(async () => {
  await ensureTestImage();
  [berth, upstream] = await Promise.all([BerthProcess.start(), BerthProcess.start()]);
  upstreamHost = new URL(upstream.endpoint).host;
  const sm = new SecretsManagerClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  const secret = await sm.send(new CreateSecretCommand({
    Name: "ecr-pullthroughcache/upstream",
    SecretString: JSON.stringify({ username: "AWS", accessToken: await registryPassword(upstream) }),
  }));
  credentialArn = secret.ARN!;
});
after(async () => {
  await Promise.all([berth?.dispose(), upstream?.dispose()]);
});

test("pull-through cache rules: create, describe, update, validate, delete with ECR's errors", async () => {
  const client = ecr(berth, "us-east-2");
  await assert.rejects(client.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "ext", upstreamRegistryUrl: "registry-1.docker.io" })), UnsupportedUpstreamRegistryException);
  await assert.rejects(client.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "x", upstreamRegistryUrl: upstreamHost })), InvalidParameterException);
  await assert.rejects(
    client.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "ext", upstreamRegistryUrl: upstreamHost, credentialArn: "arn:aws:secretsmanager:us-east-2:000000000000:secret:ecr-pullthroughcache/none-AbCdEf" })),
    SecretNotFoundException,
  );
  const created = await client.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "ext", upstreamRegistryUrl: upstreamHost }));
  assert.equal(created.ecrRepositoryPrefix, "ext");
  assert.equal(created.upstreamRegistryUrl, upstreamHost);
  assert.equal(created.registryId, "000000000000");
  assert.equal(created.upstreamRepositoryPrefix, "ROOT");
  assert.ok(created.createdAt instanceof Date);
  await assert.rejects(client.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "ext", upstreamRegistryUrl: upstreamHost })), PullThroughCacheRuleAlreadyExistsException);
  await client.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "dead", upstreamRegistryUrl: "127.0.0.1:9" }));

  const described = await client.send(new DescribePullThroughCacheRulesCommand({}));
  assert.deepEqual(described.pullThroughCacheRules?.map((r) => r.ecrRepositoryPrefix), ["dead", "ext"]);
  await assert.rejects(client.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: ["nope"] })), PullThroughCacheRuleNotFoundException);

  // Validation reaches the upstream: ours answers (it challenges for credentials, which the rule lacks), port 9 does not.
  const dead = await client.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "dead" }));
  assert.equal(dead.isValid, false);
  assert.ok(dead.failure);
  await assert.rejects(client.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "nope" })), PullThroughCacheRuleNotFoundException);

  await assert.rejects(client.send(new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "nope", credentialArn })), PullThroughCacheRuleNotFoundException);
  await assert.rejects(client.send(new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "ext", credentialArn })), SecretNotFoundException);
  const deleted = await client.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "dead" }));
  assert.equal(deleted.upstreamRegistryUrl, "127.0.0.1:9");
  await assert.rejects(client.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "dead" })), PullThroughCacheRuleNotFoundException);
});

test("a pull under a rule's prefix fetches the image from the upstream on a miss, stores it, and serves later pulls locally", async () => {
  // The upstream has an image and a multi-platform index.
  await createRepository(upstream, { repositoryName: "library/app" });
  const up = new Oci(upstream.endpoint, await registryPassword(upstream));
  const { digest, manifest } = await up.pushImage("library/app", "v1");
  const arm = await up.pushImage("library/app", "arm");
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: arm.digest, size: JSON.stringify(arm.manifest).length, platform: { architecture: "arm64", os: "linux" } }] };
  assert.equal((await up.pushManifest("library/app", "multi", index, OCI_INDEX)).status, 201);

  const client = ecr(berth);
  await client.send(new CreateRepositoryCreationTemplateCommand({ prefix: "hub", appliedFor: ["PULL_THROUGH_CACHE"], imageTagMutability: "IMMUTABLE" }));
  await client.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "hub", upstreamRegistryUrl: `http://${upstreamHost}`, credentialArn }));
  const updated = await client.send(new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "hub", credentialArn }));
  assert.equal(updated.credentialArn, credentialArn);
  assert.ok(updated.updatedAt instanceof Date);
  const valid = await client.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "hub" }));
  assert.equal(valid.isValid, true);
  assert.equal(valid.credentialArn, credentialArn);

  const oci = new Oci(berth.endpoint, await registryPassword(berth));
  // No repository yet: the pull creates it from the PULL_THROUGH_CACHE template.
  await assert.rejects(client.send(new DescribeRepositoriesCommand({ repositoryNames: ["hub/library/app"] })), (e: unknown) => (e as Error).name === "RepositoryNotFoundException");
  const pulled = await oci.req("GET", "/v2/hub/library/app/manifests/v1", { headers: { accept: OCI_MANIFEST } });
  assert.equal(pulled.status, 200, pulled.text);
  assert.equal(pulled.headers.get("docker-content-digest"), digest);
  const layer = await fetch(`${berth.endpoint}/v2/hub/library/app/blobs/${manifest.layers[0].digest}`, {
    headers: { authorization: `Basic ${Buffer.from(`AWS:${oci.password}`).toString("base64")}` },
  });
  assert.equal(layer.status, 200);
  assert.equal(sha256(Buffer.from(await layer.arrayBuffer())), manifest.layers[0].digest);
  const repo = (await client.send(new DescribeRepositoriesCommand({ repositoryNames: ["hub/library/app"] }))).repositories![0]!;
  assert.equal(repo.imageTagMutability, "IMMUTABLE");

  // An index comes with the manifests it lists.
  const multi = await oci.req("GET", "/v2/hub/library/app/manifests/multi", { headers: { accept: OCI_INDEX } });
  assert.equal(multi.status, 200, multi.text);
  const child = await oci.req("HEAD", `/v2/hub/library/app/manifests/${arm.digest}`, { headers: { accept: OCI_MANIFEST } });
  assert.equal(child.status, 200);

  // A name the upstream does not have is a plain miss.
  const missing = await oci.req("GET", "/v2/hub/library/app/manifests/nope", { headers: { accept: OCI_MANIFEST } });
  assert.equal(missing.status, 404);

  // Cached: with the upstream's copy gone, the image is still served, from Berth's store.
  const del = await up.req("DELETE", `/v2/library/app/manifests/${digest}`);
  assert.equal(del.status, 202);
  const again = await oci.req("GET", "/v2/hub/library/app/manifests/v1", { headers: { accept: OCI_MANIFEST } });
  assert.equal(again.status, 200);
  assert.equal(again.headers.get("docker-content-digest"), digest);
  const images = await client.send(new DescribeImagesCommand({ repositoryName: "hub/library/app", imageIds: [{ imageTag: "v1" }] }));
  assert.equal(images.imageDetails?.[0]?.imageDigest, digest);
});

const skopeo = (...args: string[]) => promisify(execFile)("skopeo", args, { maxBuffer: 16 * 1024 * 1024 });

test("skopeo and docker: an image copied into the upstream is pulled through Berth by its cached name, layers and all", async () => {
  await createRepository(upstream, { repositoryName: "tools/busybox" });
  const upHost = new URL(upstream.endpoint).host;
  const host = new URL(berth.endpoint).host;
  await skopeo("copy", "--dest-tls-verify=false", "--dest-creds", `AWS:${await registryPassword(upstream)}`, `docker-daemon:${TEST_IMAGE}`, `docker://${upHost}/tools/busybox:1`);
  await ecr(berth).send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "mirror", upstreamRegistryUrl: upHost, credentialArn }));

  const creds = `AWS:${await registryPassword(berth)}`;
  const dir = mkdtempSync(join(tmpdir(), "berth-ptc-"));
  try {
    await skopeo("copy", "--src-tls-verify=false", "--src-creds", creds, `docker://${host}/mirror/tools/busybox:1`, `dir:${dir}`);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    assert.ok(manifest.layers.length >= 1);
    // skopeo verified every blob's digest on the way; the image is now an image of Berth's repository.
    const images = await ecr(berth).send(new DescribeImagesCommand({ repositoryName: "mirror/tools/busybox" }));
    assert.deepEqual(images.imageDetails?.[0]?.imageTags, ["1"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // The Docker CLI: a miss on another tag, pulled through into the engine, then removed.
  await skopeo("copy", "--dest-tls-verify=false", "--dest-creds", `AWS:${await registryPassword(upstream)}`, `docker-daemon:${TEST_IMAGE}`, `docker://${upHost}/tools/busybox:2`);
  const cli = new DockerCli();
  const ref = `${host}/mirror/tools/busybox:2`;
  try {
    await cli.login(host, await registryPassword(berth));
    await cli.run("pull", ref);
    // The engine lists every registry's digest for this image id (other tests push the same test
    // image elsewhere at the same time): the pull-through one must be among them.
    const { stdout } = await cli.run("image", "inspect", ref, "--format", "{{json .RepoDigests}}");
    const pulled = await ecr(berth).send(new DescribeImagesCommand({ repositoryName: "mirror/tools/busybox", imageIds: [{ imageTag: "2" }] }));
    const digests = JSON.parse(stdout) as string[];
    assert.ok(digests.includes(`${host}/mirror/tools/busybox@${pulled.imageDetails![0]!.imageDigest}`), stdout);
  } finally {
    await cli.run("rmi", "-f", ref).catch(() => undefined);
    cli.dispose();
  }
});
