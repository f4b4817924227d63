import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { rmSync } from "node:fs";
import * as IAM from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import {
  BatchGetImageCommand, CreateRepositoryCommand, GetLifecyclePolicyPreviewCommand, PutLifecyclePolicyCommand, StartLifecyclePolicyPreviewCommand, InvalidParameterException, DeleteSigningConfigurationCommand, DeregisterPullTimeUpdateExclusionCommand, DescribeImageSigningStatusCommand,
  DescribeImagesCommand, ECRClient, ExclusionAlreadyExistsException, ExclusionNotFoundException, GetAuthorizationTokenCommand, GetSigningConfigurationCommand,
  ImageArchivedException, ImageNotFoundException, ImageStorageClassUpdateNotSupportedException, ListImagesCommand, ListPullTimeUpdateExclusionsCommand,
  PutSigningConfigurationCommand, RegisterPullTimeUpdateExclusionCommand, RepositoryNotFoundException, SigningConfigurationNotFoundException, StartImageScanCommand,
  UpdateImageStorageClassCommand, ListImageReferrersCommand, type ImageDetail,
} from "@aws-sdk/client-ecr";
import { BerthProcess } from "./harness.js";
import { DockerCli } from "./docker-cli.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { errorCode, Oci, OCI_MANIFEST } from "./registry-kit.js";

/**
 * ECR's 2025 image features end to end: the archive storage class (UpdateImageStorageClass,
 * statuses and filters, archived images refused to docker pulls until restored), pull-time
 * update exclusions (whose pulls leave lastRecordedPullTime alone), and managed signing
 * (configuration, and a FAILED status per profile since Berth has no AWS Signer).
 */

const ACCOUNT = "000000000000";
const REGION = "us-east-1";
const ROOT = { accessKeyId: "AKIDROOT", secretAccessKey: "root-secret" };
const PROFILE = `arn:aws:signer:${REGION}:${ACCOUNT}:/signing-profiles/berth_profile`;

let berth: BerthProcess;
let root: ECRClient;
let iam: IAM.IAMClient;
let host: string;
/** The first server's data directory, which the restarted server reuses (and does not own). */
let dataDir: string | undefined;
const cli = new DockerCli();
const pulled = new Set<string>();

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start({ args: ["--strict-sigv4", "--credentials", `${ROOT.accessKeyId}:${ROOT.secretAccessKey}`] });
  root = new ECRClient({ endpoint: berth.endpoint, region: REGION, credentials: ROOT, maxAttempts: 1 });
  iam = new IAM.IAMClient({ endpoint: berth.endpoint, region: REGION, credentials: ROOT });
  host = new URL(berth.endpoint).host;
});

after(async () => {
  if (pulled.size) await cli.run("rmi", "-f", ...pulled).catch(() => undefined);
  cli.dispose();
  await berth?.dispose();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** An ECR client and a /v2 client acting as a new IAM user. */
async function user(name: string): Promise<{ arn: string; ecr: ECRClient; oci: Oci }> {
  const { User } = await iam.send(new IAM.CreateUserCommand({ UserName: name }));
  const { AccessKey } = await iam.send(new IAM.CreateAccessKeyCommand({ UserName: name }));
  const ecr = new ECRClient({ endpoint: berth.endpoint, region: REGION, credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! }, maxAttempts: 1 });
  return { arn: User!.Arn!, ecr, oci: new Oci(berth.endpoint, await passwordOf(ecr)) };
}

async function passwordOf(client: ECRClient): Promise<string> {
  const { authorizationData } = await client.send(new GetAuthorizationTokenCommand({}));
  return Buffer.from(authorizationData![0]!.authorizationToken!, "base64").toString().slice("AWS:".length);
}

async function rejects(p: Promise<unknown>, type: new (...args: never[]) => Error, message?: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${(e as Error).name}: ${(e as Error).message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

async function rejectsNamed(p: Promise<unknown>, name: string) {
  await assert.rejects(p, (e: unknown) => {
    assert.equal((e as Error).name, name, (e as Error).message);
    return true;
  });
}

async function describe(repositoryName: string, imageStatus: "ACTIVE" | "ARCHIVED" | "ACTIVATING" | "ANY" = "ANY"): Promise<ImageDetail[]> {
  return (await root.send(new DescribeImagesCommand({ repositoryName, filter: { imageStatus } }))).imageDetails ?? [];
}

test("archive storage class: an archived image is listed but not pulled, and a restored one is pulled again", async () => {
  const name = "archive/app";
  await root.send(new CreateRepositoryCommand({ repositoryName: name }));
  await cli.login(host, await passwordOf(root));
  const ref = `${host}/${name}:v1`;
  pulled.add(ref);
  await cli.run("tag", TEST_IMAGE, ref);
  await cli.run("push", ref);
  const [pushed] = await describe(name);
  assert.equal(pushed!.imageStatus, "ACTIVE");
  assert.equal(pushed!.lastArchivedAt, undefined);
  const imageDigest = pushed!.imageDigest!;

  const archived = await root.send(new UpdateImageStorageClassCommand({ repositoryName: name, imageId: { imageTag: "v1" }, targetStorageClass: "ARCHIVE" }));
  assert.deepEqual(
    { registryId: archived.registryId, repositoryName: archived.repositoryName, imageId: archived.imageId, imageStatus: archived.imageStatus },
    { registryId: ACCOUNT, repositoryName: name, imageId: { imageDigest, imageTag: "v1" }, imageStatus: "ARCHIVED" },
  );
  // Listed and described only when asked for: the filters' default is ACTIVE.
  assert.deepEqual(await describe(name, "ACTIVE"), []);
  assert.deepEqual((await root.send(new DescribeImagesCommand({ repositoryName: name }))).imageDetails, []);
  assert.deepEqual((await root.send(new ListImagesCommand({ repositoryName: name }))).imageIds, []);
  assert.deepEqual((await root.send(new ListImagesCommand({ repositoryName: name, filter: { imageStatus: "ARCHIVED" } }))).imageIds, [{ imageDigest, imageTag: "v1" }]);
  const [inArchive] = await describe(name, "ARCHIVED");
  assert.equal(inArchive!.imageStatus, "ARCHIVED");
  assert.ok(inArchive!.lastArchivedAt instanceof Date);
  assert.equal(inArchive!.lastActivatedAt, undefined);

  // No pull: docker (404 from the registry), BatchGetImage (a failure), no scan.
  await cli.run("rmi", ref);
  await assert.rejects(cli.run("pull", ref), (e: Error & { stderr?: string }) => {
    assert.match(e.stderr ?? e.message, /not found|manifest unknown/i);
    return true;
  });
  const oci = new Oci(berth.endpoint, await passwordOf(root));
  const raw = await oci.req("GET", `/v2/${name}/manifests/v1`, { headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" } });
  assert.equal(raw.status, 404);
  assert.equal(errorCode(raw), "MANIFEST_UNKNOWN");
  const got = await root.send(new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: "v1" }] }));
  assert.deepEqual(got.images, []);
  assert.equal(got.failures?.[0]?.failureCode, "ImageNotFound");
  assert.match(got.failures![0]!.failureReason!, /archived/);
  await rejects(root.send(new StartImageScanCommand({ repositoryName: name, imageId: { imageDigest } })), ImageArchivedException);

  // Archiving again changes nothing.
  const again = await root.send(new UpdateImageStorageClassCommand({ repositoryName: name, imageId: { imageDigest }, targetStorageClass: "ARCHIVE" }));
  assert.equal(again.imageStatus, "ARCHIVED");
  assert.deepEqual((await describe(name))[0]!.lastArchivedAt, inArchive!.lastArchivedAt);

  // Bad input: ECR's errors, and the image stays archived.
  await rejectsNamed(root.send(new UpdateImageStorageClassCommand({ repositoryName: name, imageId: { imageDigest }, targetStorageClass: "GLACIER" as never })), "InvalidParameterException");
  await rejects(root.send(new UpdateImageStorageClassCommand({ repositoryName: name, imageId: { imageTag: "nope" }, targetStorageClass: "STANDARD" })), ImageNotFoundException);
  await rejects(root.send(new UpdateImageStorageClassCommand({ repositoryName: "archive/none", imageId: { imageTag: "v1" }, targetStorageClass: "STANDARD" })), RepositoryNotFoundException);
  assert.equal((await describe(name))[0]!.imageStatus, "ARCHIVED");

  // Restore: ACTIVATING (still no pull, no archiving back), then ACTIVE.
  const restoring = await root.send(new UpdateImageStorageClassCommand({ repositoryName: name, imageId: { imageDigest }, targetStorageClass: "STANDARD" }));
  assert.equal(restoring.imageStatus, "ACTIVATING");
  assert.equal((await describe(name, "ACTIVATING")).length, 1);
  await rejects(root.send(new UpdateImageStorageClassCommand({ repositoryName: name, imageId: { imageDigest }, targetStorageClass: "ARCHIVE" })), ImageStorageClassUpdateNotSupportedException);
  let restored: ImageDetail | undefined;
  for (let i = 0; i < 100 && restored?.imageStatus !== "ACTIVE"; i++) {
    [restored] = await describe(name);
    if (restored?.imageStatus !== "ACTIVE") await sleep(100);
  }
  assert.equal(restored!.imageStatus, "ACTIVE");
  assert.ok(restored!.lastActivatedAt! > restored!.lastArchivedAt!);
  const pull = await cli.run("pull", ref);
  assert.match(pull.stdout, new RegExp(`Digest: ${imageDigest}`));
});

test("re-pushing an archived image restores it at once", async () => {
  const name = "archive/repush";
  await root.send(new CreateRepositoryCommand({ repositoryName: name }));
  const oci = new Oci(berth.endpoint, await passwordOf(root));
  const { manifest, digest } = await oci.pushImage(name, "v1");
  await root.send(new UpdateImageStorageClassCommand({ repositoryName: name, imageId: { imageDigest: digest }, targetStorageClass: "ARCHIVE" }));
  assert.equal((await oci.req("GET", `/v2/${name}/manifests/${digest}`, { headers: { accept: OCI_MANIFEST } })).status, 404);
  assert.equal((await oci.pushManifest(name, "v1", manifest)).status, 201);
  const [image] = await describe(name);
  assert.equal(image!.imageStatus, "ACTIVE");
  assert.ok(image!.lastActivatedAt instanceof Date);
  assert.equal((await oci.req("GET", `/v2/${name}/manifests/${digest}`, { headers: { accept: OCI_MANIFEST } })).status, 200);

  // A referrer has a storage class of its own, which ListImageReferrers filters on.
  const referrer = await oci.pushImage(name, "sig", { artifactType: "application/vnd.example.sig", subject: { mediaType: OCI_MANIFEST, digest, size: JSON.stringify(manifest).length } });
  await root.send(new UpdateImageStorageClassCommand({ repositoryName: name, imageId: { imageDigest: referrer.digest }, targetStorageClass: "ARCHIVE" }));
  const referrers = async (artifactStatus?: "ACTIVE" | "ARCHIVED" | "ANY") =>
    (await root.send(new ListImageReferrersCommand({ repositoryName: name, subjectId: { imageDigest: digest }, ...(artifactStatus ? { filter: { artifactStatus } } : {}) }))).referrers
      ?.map((r) => [r.digest, r.artifactStatus]);
  assert.deepEqual(await referrers(), []);
  assert.deepEqual(await referrers("ARCHIVED"), [[referrer.digest, "ARCHIVED"]]);
  assert.deepEqual(await referrers("ANY"), [[referrer.digest, "ARCHIVED"]]);
});

test("lifecycle policies move images to the archive (transition) and expire archived ones", async () => {
  const name = "archive/lifecycle";
  await root.send(new CreateRepositoryCommand({ repositoryName: name }));
  const oci = new Oci(berth.endpoint, await passwordOf(root));
  const pushed: string[] = [];
  for (const tag of ["v1", "v2", "v3"]) {
    pushed.push((await oci.pushImage(name, tag)).digest);
    await sleep(15); // distinct push times, so "newest" is never a tie
  }
  const [v1, v2, v3] = pushed as [string, string, string];
  const transition = JSON.stringify({ rules: [
    { rulePriority: 1, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 1 }, action: { type: "transition", targetStorageClass: "archive" } },
  ] });

  // Bad policies change nothing.
  const bad = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: "any", storageClass: "archive", countType: "imageCountMoreThan", countNumber: 1 }, action: { type: "transition", targetStorageClass: "archive" } }] });
  await rejects(root.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: bad })), InvalidParameterException, /Transition action is not supported for rules with storageClass archive/);
  assert.equal((await describe(name, "ACTIVE")).length, 3);

  await root.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: name, lifecyclePolicyText: transition }));
  const preview = await root.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: name }));
  assert.deepEqual(preview.summary, { expiringImageTotalCount: 0, transitioningImageTotalCounts: [{ targetStorageClass: "ARCHIVE", imageTotalCount: 2 }] });
  assert.deepEqual(preview.previewResults?.map((r) => [r.imageDigest, r.action, r.storageClass, r.appliedRulePriority]).sort(), [
    [v1, { type: "TRANSITION", targetStorageClass: "ARCHIVE" }, "STANDARD", 1],
    [v2, { type: "TRANSITION", targetStorageClass: "ARCHIVE" }, "STANDARD", 1],
  ].sort());

  await root.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: transition }));
  assert.deepEqual((await describe(name, "ACTIVE")).map((i) => i.imageDigest), [v3]);
  assert.deepEqual((await describe(name, "ARCHIVED")).map((i) => i.imageDigest).sort(), [v1, v2].sort());
  assert.equal((await oci.req("GET", `/v2/${name}/manifests/v1`, { headers: { accept: OCI_MANIFEST } })).status, 404);

  // Rules for the archive count archived images only: keep the newest one archived, expire the other.
  await root.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: JSON.stringify({ rules: [
    { rulePriority: 1, selection: { tagStatus: "any", storageClass: "archive", countType: "imageCountMoreThan", countNumber: 1 }, action: { type: "expire" } },
  ] }) }));
  assert.deepEqual((await describe(name)).map((i) => [i.imageDigest, i.imageStatus]), [[v2, "ARCHIVED"], [v3, "ACTIVE"]]);
});

test("pull-time update exclusions: an excluded principal's pulls leave lastRecordedPullTime alone", async () => {
  const scanner = await user("scanner");
  const dev = await user("dev");
  const registered = await root.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: scanner.arn }));
  assert.equal(registered.principalArn, scanner.arn);
  assert.ok(registered.createdAt instanceof Date);
  await rejects(root.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: scanner.arn })), ExclusionAlreadyExistsException);
  await rejectsNamed(root.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: "arn:aws:iam::000000000000:group/ops" })), "InvalidParameterException");
  assert.deepEqual((await root.send(new ListPullTimeUpdateExclusionsCommand({}))).pullTimeUpdateExclusions, [scanner.arn]);

  const name = "pulls/app";
  await root.send(new CreateRepositoryCommand({ repositoryName: name }));
  const { digest } = await new Oci(berth.endpoint, await passwordOf(root)).pushImage(name, "v1");
  const pullTime = async () => (await describe(name))[0]!.lastRecordedPullTime;

  // The scanner pulls through the registry and through BatchGetImage: no pull time recorded.
  assert.equal((await scanner.oci.req("GET", `/v2/${name}/manifests/v1`, { headers: { accept: OCI_MANIFEST } })).status, 200);
  assert.equal((await scanner.ecr.send(new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageDigest: digest }] }))).images?.length, 1);
  assert.equal(await pullTime(), undefined);
  // Anyone else's pull records it.
  assert.equal((await dev.oci.req("GET", `/v2/${name}/manifests/v1`, { headers: { accept: OCI_MANIFEST } })).status, 200);
  assert.ok((await pullTime()) instanceof Date);

  // A role (here with a path) is excluded for every session of it.
  const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" }] });
  const { Role } = await iam.send(new IAM.CreateRoleCommand({ RoleName: "puller", Path: "/ci/", AssumeRolePolicyDocument: trust }));
  await root.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: Role!.Arn! }));
  const { Credentials } = await new STSClient({ endpoint: berth.endpoint, region: REGION, credentials: ROOT }).send(new AssumeRoleCommand({ RoleArn: Role!.Arn!, RoleSessionName: "nightly" }));
  const session = new ECRClient({ endpoint: berth.endpoint, region: REGION, maxAttempts: 1,
    credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! } });
  const second = await new Oci(berth.endpoint, await passwordOf(root)).pushImage(name, "v2");
  const pullTimeOf = async (d: string) => (await root.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageDigest: d }] }))).imageDetails![0]!.lastRecordedPullTime;
  assert.equal((await new Oci(berth.endpoint, await passwordOf(session)).req("GET", `/v2/${name}/manifests/v2`, { headers: { accept: OCI_MANIFEST } })).status, 200);
  assert.equal(await pullTimeOf(second.digest), undefined);
  await root.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: Role!.Arn! }));

  const deregistered = await root.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: scanner.arn }));
  assert.equal(deregistered.principalArn, scanner.arn);
  await rejects(root.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: scanner.arn })), ExclusionNotFoundException);
  assert.deepEqual((await root.send(new ListPullTimeUpdateExclusionsCommand({}))).pullTimeUpdateExclusions, []);
});

test("managed signing: the configuration is kept, and images pushed to covered repositories report FAILED (no AWS Signer)", async () => {
  await rejects(root.send(new GetSigningConfigurationCommand({})), SigningConfigurationNotFoundException);
  await rejects(root.send(new DeleteSigningConfigurationCommand({})), SigningConfigurationNotFoundException);
  const oci = new Oci(berth.endpoint, await passwordOf(root));
  for (const repositoryName of ["signed/app", "plain/app"]) await root.send(new CreateRepositoryCommand({ repositoryName }));
  const before = await oci.pushImage("signed/app", "before");

  const signingConfiguration = { rules: [{ signingProfileArn: PROFILE, repositoryFilters: [{ filter: "signed/*", filterType: "WILDCARD_MATCH" as const }] }] };
  const put = await root.send(new PutSigningConfigurationCommand({ signingConfiguration }));
  assert.deepEqual(put.signingConfiguration, signingConfiguration);
  const got = await root.send(new GetSigningConfigurationCommand({}));
  assert.equal(got.registryId, ACCOUNT);
  assert.deepEqual(got.signingConfiguration, signingConfiguration);

  // Bad input changes nothing.
  await rejectsNamed(root.send(new PutSigningConfigurationCommand({ signingConfiguration: { rules: [{ signingProfileArn: "arn:aws:signer:us-east-1:000000000000:not-a-profile" }] } })), "InvalidParameterException");
  await rejectsNamed(root.send(new PutSigningConfigurationCommand({ signingConfiguration: { rules: [{ signingProfileArn: PROFILE, repositoryFilters: [{ filter: "x", filterType: "PREFIX" as never }] }] } })), "InvalidParameterException");
  assert.deepEqual((await root.send(new GetSigningConfigurationCommand({}))).signingConfiguration, signingConfiguration);

  const signed = await oci.pushImage("signed/app", "v1");
  const plain = await oci.pushImage("plain/app", "v1");
  const status = await root.send(new DescribeImageSigningStatusCommand({ repositoryName: "signed/app", imageId: { imageTag: "v1" } }));
  assert.equal(status.registryId, ACCOUNT);
  assert.equal(status.repositoryName, "signed/app");
  assert.deepEqual(status.imageId, { imageDigest: signed.digest, imageTag: "v1" });
  assert.equal(status.signingStatuses?.length, 1);
  assert.equal(status.signingStatuses![0]!.signingProfileArn, PROFILE);
  assert.equal(status.signingStatuses![0]!.status, "FAILED");
  assert.equal(status.signingStatuses![0]!.failureCode, "SIGNER_UNAVAILABLE");
  assert.match(status.signingStatuses![0]!.failureReason!, /AWS Signer/);
  // Not covered by a rule, or pushed before the configuration: no status.
  assert.deepEqual((await root.send(new DescribeImageSigningStatusCommand({ repositoryName: "plain/app", imageId: { imageDigest: plain.digest } }))).signingStatuses, []);
  assert.deepEqual((await root.send(new DescribeImageSigningStatusCommand({ repositoryName: "signed/app", imageId: { imageDigest: before.digest } }))).signingStatuses, []);
  await rejects(root.send(new DescribeImageSigningStatusCommand({ repositoryName: "signed/app", imageId: { imageTag: "missing" } })), ImageNotFoundException);
  await rejects(root.send(new DescribeImageSigningStatusCommand({ repositoryName: "signed/none", imageId: { imageTag: "v1" } })), RepositoryNotFoundException);

  const deleted = await root.send(new DeleteSigningConfigurationCommand({}));
  assert.deepEqual(deleted.signingConfiguration, signingConfiguration);
  await rejects(root.send(new GetSigningConfigurationCommand({})), SigningConfigurationNotFoundException);
});

test("storage classes, exclusions, signing configuration and statuses survive a restart", async () => {
  const oci = new Oci(berth.endpoint, await passwordOf(root));
  await root.send(new CreateRepositoryCommand({ repositoryName: "signed/kept" }));
  const signingConfiguration = { rules: [{ signingProfileArn: PROFILE }] };
  await root.send(new PutSigningConfigurationCommand({ signingConfiguration }));
  const { digest } = await oci.pushImage("signed/kept", "v1");
  await root.send(new UpdateImageStorageClassCommand({ repositoryName: "signed/kept", imageId: { imageDigest: digest }, targetStorageClass: "ARCHIVE" }));
  const principalArn = `arn:aws:iam::${ACCOUNT}:role/ci/puller`;
  await root.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn }));

  dataDir = berth.dataDir;
  await berth.stop();
  berth = await BerthProcess.start({ dataDir, args: ["--strict-sigv4", "--credentials", `${ROOT.accessKeyId}:${ROOT.secretAccessKey}`] });
  root = new ECRClient({ endpoint: berth.endpoint, region: REGION, credentials: ROOT, maxAttempts: 1 });

  assert.deepEqual((await describe("signed/kept")).map((i) => [i.imageDigest, i.imageStatus]), [[digest, "ARCHIVED"]]);
  const pull = await new Oci(berth.endpoint, await passwordOf(root)).req("GET", `/v2/signed/kept/manifests/v1`, { headers: { accept: OCI_MANIFEST } });
  assert.equal(pull.status, 404);
  assert.deepEqual((await root.send(new ListPullTimeUpdateExclusionsCommand({}))).pullTimeUpdateExclusions, [principalArn]);
  assert.deepEqual((await root.send(new GetSigningConfigurationCommand({}))).signingConfiguration, signingConfiguration);
  const status = await root.send(new DescribeImageSigningStatusCommand({ repositoryName: "signed/kept", imageId: { imageDigest: digest } }));
  assert.deepEqual(status.signingStatuses?.map((s) => [s.signingProfileArn, s.status]), [[PROFILE, "FAILED"]]);
});
