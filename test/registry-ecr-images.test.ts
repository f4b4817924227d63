import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import {
  BatchCheckLayerAvailabilityCommand, BatchDeleteImageCommand, BatchGetImageCommand, CompleteLayerUploadCommand, CreateRepositoryCommand,
  DeleteRepositoryPolicyCommand, DescribeImagesCommand, DescribeRegistryCommand, DescribeRepositoriesCommand, EmptyUploadException,
  GetDownloadUrlForLayerCommand, GetRegistryPolicyCommand, GetRepositoryPolicyCommand, ImageAlreadyExistsException,
  ImageDigestDoesNotMatchException, ImageNotFoundException, ImageTagAlreadyExistsException, InitiateLayerUploadCommand, InvalidLayerException,
  InvalidLayerPartException, InvalidParameterException, InvalidTagParameterException, LayerAlreadyExistsException, LayerInaccessibleException,
  LayersNotFoundException, ListImagesCommand, ListTagsForResourceCommand, PutImageCommand, PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand, ReferencedImagesNotFoundException, RegistryPolicyNotFoundException, RepositoryNotFoundException,
  RepositoryPolicyNotFoundException, SetRepositoryPolicyCommand, TagResourceCommand, TooManyTagsException, UntagResourceCommand,
  UploadLayerPartCommand, UploadNotFoundException, type DescribeImagesCommandOutput, type ECRClient, type ListImagesCommandOutput,
} from "@aws-sdk/client-ecr";
import { DockerCli } from "./docker-cli.js";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { ecr, Oci, OCI_INDEX, OCI_MANIFEST, registryPassword, sha256 } from "./registry-kit.js";

const run = promisify(execFile);

let berth: BerthProcess;
let client: ECRClient;
let oci: Oci;
let host: string;
let account: string;
let work: string;
const pulled = new Set<string>();

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start();
  client = ecr(berth);
  oci = new Oci(berth.endpoint, await registryPassword(berth));
  host = new URL(berth.endpoint).host;
  account = "000000000000";
  work = mkdtempSync(join(tmpdir(), "berth-ecr-images-"));
});
after(async () => {
  if (pulled.size) await run("docker", ["rmi", "-f", ...pulled]).catch(() => undefined);
  cli.dispose();
  rmSync(work, { recursive: true, force: true });
  await berth.dispose();
});

const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const cli = new DockerCli();
const docker = (...args: string[]) => cli.run(...args);

const createRepo = async (repositoryName: string, extra: Record<string, unknown> = {}) => {
  await client.send(new CreateRepositoryCommand({ repositoryName, ...extra }));
  return repositoryName;
};

/** Asserts the call fails with that exception class (and message, when given). */
async function rejects(p: Promise<unknown>, type: new (...args: never[]) => Error, message?: string | RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${(e as Error).name}: ${(e as Error).message}`);
    if (typeof message === "string") assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}

/** A layer pushed the way ECR clients push: InitiateLayerUpload, parts of partSize, CompleteLayerUpload. */
async function uploadLayer(name: string, content: Buffer): Promise<string> {
  const { uploadId, partSize } = await client.send(new InitiateLayerUploadCommand({ repositoryName: name }));
  assert.match(uploadId!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.ok(partSize! > 0);
  for (let first = 0; first < content.length; first += partSize!) {
    const part = content.subarray(first, first + partSize!);
    const res = await client.send(new UploadLayerPartCommand({
      repositoryName: name, uploadId, partFirstByte: first, partLastByte: first + part.length - 1, layerPartBlob: part,
    }));
    assert.equal(res.lastByteReceived, first + part.length - 1);
    assert.equal(res.uploadId, uploadId);
  }
  const digest = sha256(content);
  const done = await client.send(new CompleteLayerUploadCommand({ repositoryName: name, uploadId, layerDigests: [digest] }));
  assert.deepEqual([done.registryId, done.repositoryName, done.uploadId, done.layerDigest], [account, name, uploadId, digest]);
  return digest;
}

/** A small OCI image pushed over /v2, with its digest, manifest text and blob sizes. */
async function pushSmallImage(name: string, tag: string) {
  const { manifest, digest } = await oci.pushImage(name, tag);
  return { digest, text: JSON.stringify(manifest), manifest, size: manifest.config.size + manifest.layers[0].size };
}

const dockerLogin = (password: string) => cli.login(host, password);

test("the layer API builds an image that docker pulls and runs", async () => {
  const name = await createRepo("layers/app");
  // The base layer and config come from the locally built busybox image; a second layer adds a marker.
  const saved = join(work, "saved");
  mkdirSync(saved);
  await run("sh", ["-c", `docker save ${TEST_IMAGE} | tar -x -C ${saved}`]);
  const [entry] = JSON.parse(readFileSync(join(saved, "manifest.json"), "utf8")) as Array<{ Config: string; Layers: string[] }>;
  const baseConfig = JSON.parse(readFileSync(join(saved, entry!.Config), "utf8"));
  const marker = randomBytes(8).toString("hex");
  const markerDir = join(work, "marker");
  mkdirSync(markerDir);
  writeFileSync(join(markerDir, "marker.txt"), `built through the layer API ${marker}\n`);
  await run("tar", ["-cf", join(work, "marker.tar"), "-C", markerDir, "marker.txt"]);
  const tars = [...entry!.Layers.map((l) => readFileSync(join(saved, l))), readFileSync(join(work, "marker.tar"))];

  const layers = [];
  for (const tar of tars) {
    const gz = gzipSync(tar);
    layers.push({ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: gz.length, digest: await uploadLayer(name, gz) });
  }
  assert.ok(layers[0]!.size > 512 * 1024, "the base layer takes several parts");
  const config = Buffer.from(JSON.stringify({
    architecture: baseConfig.architecture, os: baseConfig.os,
    config: { Cmd: ["cat", "/marker.txt"], Env: ["PATH=/bin"] },
    rootfs: { type: "layers", diff_ids: tars.map((t) => sha256(t)) },
  }));
  const manifest = JSON.stringify({
    schemaVersion: 2, mediaType: DOCKER_MANIFEST,
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: config.length, digest: await uploadLayer(name, config) },
    layers,
  });
  const put = await client.send(new PutImageCommand({ repositoryName: name, imageManifest: manifest, imageTag: "v1" }));
  assert.deepEqual(put.image, {
    registryId: account, repositoryName: name, imageId: { imageDigest: sha256(manifest), imageTag: "v1" }, imageManifest: manifest, imageManifestMediaType: DOCKER_MANIFEST,
  });

  await dockerLogin(await registryPassword(berth));
  const ref = `${host}/${name}:v1`;
  pulled.add(ref);
  const pull = await docker("pull", ref);
  assert.match(pull.stdout, new RegExp(`Digest: ${sha256(manifest)}`));
  assert.equal((await docker("run", "--rm", ref)).stdout, `built through the layer API ${marker}\n`);
});

test("layer upload errors: out-of-order parts, unknown uploads, digest mismatch, empty and existing layers", async () => {
  const name = await createRepo("layers/errors");
  const content = randomBytes(3000);
  const { uploadId } = await client.send(new InitiateLayerUploadCommand({ repositoryName: name }));
  await client.send(new UploadLayerPartCommand({ repositoryName: name, uploadId, partFirstByte: 0, partLastByte: 999, layerPartBlob: content.subarray(0, 1000) }));
  await assert.rejects(
    client.send(new UploadLayerPartCommand({ repositoryName: name, uploadId, partFirstByte: 2000, partLastByte: 2999, layerPartBlob: content.subarray(2000) })),
    (e: unknown) => {
      assert.ok(e instanceof InvalidLayerPartException);
      assert.equal(e.lastValidByteReceived, 999);
      assert.equal(e.uploadId, uploadId);
      assert.equal(e.repositoryName, name);
      assert.equal(e.registryId, account);
      return true;
    },
  );
  // A part whose byte range does not match its length.
  await rejects(client.send(new UploadLayerPartCommand({ repositoryName: name, uploadId, partFirstByte: 1000, partLastByte: 1500, layerPartBlob: content.subarray(1000, 2000) })), InvalidLayerPartException);
  await client.send(new UploadLayerPartCommand({ repositoryName: name, uploadId, partFirstByte: 1000, partLastByte: 2999, layerPartBlob: content.subarray(1000) }));
  await rejects(client.send(new CompleteLayerUploadCommand({ repositoryName: name, uploadId, layerDigests: [sha256("other")] })), InvalidLayerException);
  // A mismatch discards the upload, as ECR does: nothing of it is stored.
  await rejects(client.send(new CompleteLayerUploadCommand({ repositoryName: name, uploadId, layerDigests: [sha256(content)] })), UploadNotFoundException);
  const check = await client.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: name, layerDigests: [sha256(content)] }));
  assert.equal(check.failures?.[0]?.failureCode, "MissingLayerDigest");

  const unknown = "00000000-0000-4000-8000-000000000000";
  await rejects(client.send(new UploadLayerPartCommand({ repositoryName: name, uploadId: unknown, partFirstByte: 0, partLastByte: 0, layerPartBlob: Buffer.from("x") })), UploadNotFoundException);
  await rejects(client.send(new CompleteLayerUploadCommand({ repositoryName: name, uploadId: unknown, layerDigests: [sha256("x")] })), UploadNotFoundException);

  const empty = await client.send(new InitiateLayerUploadCommand({ repositoryName: name }));
  await rejects(client.send(new CompleteLayerUploadCommand({ repositoryName: name, uploadId: empty.uploadId, layerDigests: [sha256("")] })), EmptyUploadException);

  await uploadLayer(name, content);
  const again = await client.send(new InitiateLayerUploadCommand({ repositoryName: name }));
  await client.send(new UploadLayerPartCommand({ repositoryName: name, uploadId: again.uploadId, partFirstByte: 0, partLastByte: 2999, layerPartBlob: content }));
  await rejects(client.send(new CompleteLayerUploadCommand({ repositoryName: name, uploadId: again.uploadId, layerDigests: [sha256(content)] })), LayerAlreadyExistsException);
  await rejects(client.send(new InitiateLayerUploadCommand({ repositoryName: "layers/missing" })), RepositoryNotFoundException);
});

test("DescribeImages: ECR's fields, by tag and digest, index sizes, ImageNotFoundException", async () => {
  const name = await createRepo("describe/app");
  const before = Date.now();
  const a = await pushSmallImage(name, "a");
  await oci.pushManifest(name, "a2", a.manifest);
  const b = await pushSmallImage(name, "b");
  const index = JSON.stringify({
    schemaVersion: 2, mediaType: OCI_INDEX,
    manifests: [a, b].map((i) => ({ mediaType: OCI_MANIFEST, digest: i.digest, size: i.text.length, platform: { architecture: "amd64", os: "linux" } })),
  });
  await client.send(new PutImageCommand({ repositoryName: name, imageManifest: index, imageTag: "multi" }));

  const { imageDetails } = await client.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: "a" }] }));
  assert.equal(imageDetails?.length, 1);
  const d = imageDetails![0]!;
  assert.equal(d.registryId, account);
  assert.equal(d.repositoryName, name);
  assert.equal(d.imageDigest, a.digest);
  assert.deepEqual(d.imageTags, ["a", "a2"]);
  assert.equal(d.imageSizeInBytes, a.size);
  assert.ok(d.imagePushedAt!.getTime() >= before - 1000 && d.imagePushedAt!.getTime() <= Date.now() + 1000);
  assert.equal(d.imageManifestMediaType, OCI_MANIFEST);
  assert.equal(d.artifactMediaType, "application/vnd.oci.image.config.v1+json");
  assert.equal(d.lastRecordedPullTime, undefined);

  const byDigest = await client.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageDigest: b.digest }, { imageTag: "b" }] }));
  assert.deepEqual(byDigest.imageDetails?.map((i) => i.imageTags), [["b"]]);
  const multi = await client.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: "multi" }] }));
  assert.equal(multi.imageDetails![0]!.imageManifestMediaType, OCI_INDEX);
  assert.equal(multi.imageDetails![0]!.imageSizeInBytes, Math.max(a.size, b.size));

  await rejects(
    client.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: "nope" }] })),
    ImageNotFoundException,
    `The image with imageId {imageDigest:'null', imageTag:'nope'} does not exist within the repository with name '${name}' in the registry with id '${account}'`,
  );
  await rejects(client.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: "a" }], maxResults: 5 })), InvalidParameterException);
  await rejects(client.send(new DescribeImagesCommand({ repositoryName: "describe/missing" })), RepositoryNotFoundException);
  await rejects(client.send(new DescribeImagesCommand({ repositoryName: name, registryId: "111111111111" })), RepositoryNotFoundException);

  // A pull through the ECR API records lastRecordedPullTime.
  await client.send(new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: "a" }] }));
  const afterPull = await client.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: "a" }] }));
  assert.ok(afterPull.imageDetails![0]!.lastRecordedPullTime!.getTime() >= before - 1000);
});

test("ListImages and DescribeImages: tagStatus filters and pagination", async () => {
  const name = await createRepo("list/app");
  const tagged: Array<Awaited<ReturnType<typeof pushSmallImage>>> = [];
  for (const t of ["t1", "t2", "t3"]) tagged.push(await pushSmallImage(name, t));
  await oci.pushManifest(name, "t1-alias", tagged[0]!.manifest);
  // Untagged: pushed by digest, and one whose tag moved away.
  const loose = await oci.pushImage(name, "moving");
  await oci.pushImage(name, "moving");
  const byDigest = (await oci.pushImage(name, "tmp")).digest;
  await client.send(new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageTag: "tmp" }] }));
  const untaggedManifest = JSON.stringify({ ...loose.manifest, annotations: { x: "y" } });
  await oci.pushManifest(name, sha256(untaggedManifest), JSON.parse(untaggedManifest));

  const all = await client.send(new ListImagesCommand({ repositoryName: name }));
  assert.equal(all.imageIds!.length, 7, JSON.stringify(all.imageIds));
  assert.ok(all.imageIds!.some((i) => i.imageTag === "t1-alias" && i.imageDigest === tagged[0]!.digest));
  const untagged = await client.send(new ListImagesCommand({ repositoryName: name, filter: { tagStatus: "UNTAGGED" } }));
  assert.deepEqual(untagged.imageIds!.map((i) => i.imageDigest).sort(), [loose.digest, sha256(untaggedManifest)].sort());
  assert.ok(untagged.imageIds!.every((i) => i.imageTag === undefined));
  assert.ok(!untagged.imageIds!.some((i) => i.imageDigest === byDigest), "deleting the last tag deleted the image");
  const taggedIds = await client.send(new ListImagesCommand({ repositoryName: name, filter: { tagStatus: "TAGGED" } }));
  assert.deepEqual(taggedIds.imageIds!.map((i) => i.imageTag).sort(), ["moving", "t1", "t1-alias", "t2", "t3"]);

  const seen: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page: ListImagesCommandOutput = await client.send(new ListImagesCommand({ repositoryName: name, maxResults: 2, nextToken }));
    assert.ok(page.imageIds!.length <= 2);
    seen.push(...page.imageIds!.map((i) => `${i.imageDigest}:${i.imageTag ?? ""}`));
    nextToken = page.nextToken;
    pages++;
  } while (nextToken);
  assert.equal(pages, 4);
  assert.deepEqual([...seen].sort(), all.imageIds!.map((i) => `${i.imageDigest}:${i.imageTag ?? ""}`).sort());

  const details: string[] = [];
  nextToken = undefined;
  do {
    const page: DescribeImagesCommandOutput = await client.send(new DescribeImagesCommand({ repositoryName: name, maxResults: 1, nextToken, filter: { tagStatus: "TAGGED" } }));
    details.push(...page.imageDetails!.map((i) => i.imageDigest!));
    nextToken = page.nextToken;
  } while (nextToken);
  assert.equal(details.length, 4);
  assert.equal(new Set(details).size, 4);
  await rejects(client.send(new ListImagesCommand({ repositoryName: name, nextToken: "bogus" })), InvalidParameterException);
});

test("BatchGetImage: manifests as stored, acceptedMediaTypes, failures", async () => {
  const name = await createRepo("get/app");
  const a = await pushSmallImage(name, "a");
  const res = await client.send(new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: "a" }, { imageDigest: a.digest }] }));
  assert.equal(res.failures?.length, 0);
  assert.deepEqual(res.images?.map((i) => i.imageId), [{ imageDigest: a.digest, imageTag: "a" }, { imageDigest: a.digest }]);
  assert.equal(res.images![0]!.imageManifest, a.text);
  assert.equal(res.images![0]!.imageManifestMediaType, OCI_MANIFEST);
  assert.equal(res.images![0]!.registryId, account);

  const accepted = await client.send(new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: "a" }], acceptedMediaTypes: [OCI_MANIFEST] }));
  assert.equal(accepted.images?.length, 1);
  const refused = await client.send(new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: "a" }], acceptedMediaTypes: [DOCKER_MANIFEST] }));
  assert.deepEqual(refused.images, []);
  assert.deepEqual(refused.failures, [{ imageId: { imageTag: "a" }, failureCode: "ImageNotFound", failureReason: "Requested image not found" }]);

  const failures = await client.send(new BatchGetImageCommand({
    repositoryName: name,
    imageIds: [{ imageTag: "nope" }, { imageDigest: "invalid_digest" }, {}, { imageTag: "a", imageDigest: sha256("other") }],
  }));
  assert.deepEqual(failures.failures, [
    { imageId: { imageTag: "nope" }, failureCode: "ImageNotFound", failureReason: "Requested image not found" },
    { imageId: { imageDigest: "invalid_digest" }, failureCode: "InvalidImageDigest", failureReason: "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'" },
    { imageId: {}, failureCode: "MissingDigestAndTag", failureReason: "Invalid request parameters: both tag and digest cannot be null" },
    { imageId: { imageTag: "a", imageDigest: sha256("other") }, failureCode: "ImageTagDoesNotMatchDigest", failureReason: "Invalid request parameters: given tag does not map to the given digest" },
  ]);
  await rejects(client.send(new BatchGetImageCommand({ repositoryName: "get/missing", imageIds: [{ imageTag: "a" }] })), RepositoryNotFoundException);
});

test("BatchDeleteImage: by tag, last tag, digest, mismatches and manifest lists", async () => {
  const name = await createRepo("delete/app");
  const a = await pushSmallImage(name, "a1");
  await oci.pushManifest(name, "a2", a.manifest);
  const b = await pushSmallImage(name, "b");

  const one = await client.send(new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageTag: "a2" }] }));
  assert.deepEqual([one.imageIds, one.failures], [[{ imageDigest: a.digest, imageTag: "a2" }], []]);
  const still = await client.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageDigest: a.digest }] }));
  assert.deepEqual(still.imageDetails![0]!.imageTags, ["a1"]);

  const mismatch = await client.send(new BatchDeleteImageCommand({
    repositoryName: name, imageIds: [{ imageTag: "a1", imageDigest: b.digest }, { imageTag: "gone" }, { imageDigest: "sha256:xyz" }],
  }));
  assert.deepEqual(mismatch.imageIds, []);
  assert.deepEqual(mismatch.failures?.map((f) => f.failureCode), ["ImageTagDoesNotMatchDigest", "ImageNotFound", "InvalidImageDigest"]);

  // The last tag takes the image with it; a digest and a tag of one image delete it once.
  await oci.pushManifest(name, "b2", b.manifest);
  const both = await client.send(new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageTag: "a1" }, { imageDigest: b.digest }, { imageTag: "b" }] }));
  assert.deepEqual(both.failures, []);
  assert.deepEqual(
    both.imageIds?.map((i) => `${i.imageDigest}:${i.imageTag}`).sort(),
    [`${a.digest}:a1`, `${b.digest}:b`, `${b.digest}:b2`].sort(),
  );
  assert.deepEqual((await client.send(new ListImagesCommand({ repositoryName: name }))).imageIds, []);

  // An image a manifest list names stays until the list goes, in the same call or before.
  const c = await pushSmallImage(name, "c");
  const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: c.digest, size: c.text.length }] });
  await client.send(new PutImageCommand({ repositoryName: name, imageManifest: index, imageTag: "list" }));
  const blocked = await client.send(new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageDigest: c.digest }] }));
  assert.deepEqual(blocked.failures, [{ imageId: { imageDigest: c.digest }, failureCode: "ImageReferencedByManifestList", failureReason: `Requested image referenced by manifest list: [${sha256(index)}]` }]);
  const together = await client.send(new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageDigest: c.digest }, { imageDigest: sha256(index) }] }));
  assert.deepEqual(together.failures, []);
  assert.equal(together.imageIds?.length, 2);
  await rejects(client.send(new BatchDeleteImageCommand({ repositoryName: "delete/missing", imageIds: [{ imageTag: "a" }] })), RepositoryNotFoundException);
});

test("PutImage: retagging, ImageAlreadyExists, digest mismatch, missing layers and images, malformed manifests", async () => {
  const name = await createRepo("put/app");
  const a = await pushSmallImage(name, "v1");
  const put = (extra: Record<string, unknown>) => client.send(new PutImageCommand({ repositoryName: name, imageManifest: a.text, ...extra }));

  await rejects(put({ imageTag: "v1" }), ImageAlreadyExistsException,
    `Image with digest '${a.digest}' and tag 'v1' already exists in the repository with name '${name}' in registry with id '${account}'`);
  await rejects(put({}), ImageAlreadyExistsException);
  const retag = await put({ imageTag: "latest", imageDigest: a.digest });
  assert.deepEqual(retag.image?.imageId, { imageDigest: a.digest, imageTag: "latest" });
  const tags = await client.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageDigest: a.digest }] }));
  assert.deepEqual(tags.imageDetails![0]!.imageTags, ["latest", "v1"]);

  await rejects(put({ imageTag: "v2", imageDigest: sha256("something else") }), ImageDigestDoesNotMatchException);
  const missingLayer = { ...a.manifest, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256("never pushed"), size: 12 }] };
  await rejects(client.send(new PutImageCommand({ repositoryName: name, imageManifest: JSON.stringify(missingLayer), imageTag: "v3" })), LayersNotFoundException,
    `Layers with digests '[${sha256("never pushed")}]' required for pushing image into repository with name '${name}' in the registry with id '${account}' do not exist`);
  const missingChild = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: sha256("no such image"), size: 10 }] });
  await rejects(client.send(new PutImageCommand({ repositoryName: name, imageManifest: missingChild })), ReferencedImagesNotFoundException);

  const invalidJson = "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'";
  await rejects(client.send(new PutImageCommand({ repositoryName: name, imageManifest: "{not json" })), InvalidParameterException, invalidJson);
  const { mediaType, ...untyped } = a.manifest;
  await rejects(client.send(new PutImageCommand({ repositoryName: name, imageManifest: JSON.stringify(untyped), imageTag: "u" })), InvalidParameterException, invalidJson);
  const typed = await client.send(new PutImageCommand({ repositoryName: name, imageManifest: JSON.stringify(untyped), imageTag: "u", imageManifestMediaType: mediaType }));
  assert.equal(typed.image?.imageManifestMediaType, OCI_MANIFEST);
  await rejects(client.send(new PutImageCommand({ repositoryName: name, imageManifest: a.text, imageTag: "x", imageManifestMediaType: DOCKER_MANIFEST })), InvalidParameterException);
  await rejects(client.send(new PutImageCommand({ repositoryName: name, imageManifest: JSON.stringify({ ...a.manifest, schemaVersion: 1 }), imageTag: "s1" })), InvalidParameterException);
  await rejects(client.send(new PutImageCommand({ repositoryName: name, imageManifest: JSON.stringify({ ...a.manifest, config: "x" }), imageTag: "c" })), InvalidParameterException);
  await rejects(put({ imageTag: "-bad" }), InvalidParameterException);
  await rejects(client.send(new PutImageCommand({ repositoryName: "put/missing", imageManifest: a.text })), RepositoryNotFoundException);
  // Nothing of the refused pushes was stored.
  const ids = await client.send(new ListImagesCommand({ repositoryName: name }));
  assert.deepEqual(ids.imageIds?.map((i) => i.imageTag).sort(), ["latest", "u", "v1"]);
});

test("IMMUTABLE tags: PutImageTagMutability, ImageTagAlreadyExistsException, exclusion filters", async () => {
  const name = await createRepo("immutable/app");
  const a = await pushSmallImage(name, "v1");
  const b = await pushSmallImage(name, "other");
  const res = await client.send(new PutImageTagMutabilityCommand({ repositoryName: name, imageTagMutability: "IMMUTABLE" }));
  assert.deepEqual([res.registryId, res.repositoryName, res.imageTagMutability, res.imageTagMutabilityExclusionFilters], [account, name, "IMMUTABLE", undefined]);
  const described = await client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
  assert.equal(described.repositories![0]!.imageTagMutability, "IMMUTABLE");

  await rejects(client.send(new PutImageCommand({ repositoryName: name, imageManifest: b.text, imageTag: "v1" })), ImageTagAlreadyExistsException,
    `The image tag 'v1' already exists in the '${name}' repository and cannot be overwritten because the repository is immutable.`);
  // The same manifest under its own tag is ImageAlreadyExists; a new tag is fine.
  await rejects(client.send(new PutImageCommand({ repositoryName: name, imageManifest: a.text, imageTag: "v1" })), ImageAlreadyExistsException);
  await client.send(new PutImageCommand({ repositoryName: name, imageManifest: b.text, imageTag: "v2" }));
  // The registry endpoint obeys the same setting.
  assert.equal((await oci.pushManifest(name, "v1", b.manifest)).status, 400);

  await client.send(new PutImageTagMutabilityCommand({
    repositoryName: name, imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "dev-*" }],
  }));
  await client.send(new PutImageCommand({ repositoryName: name, imageManifest: a.text, imageTag: "dev-1" }));
  await client.send(new PutImageCommand({ repositoryName: name, imageManifest: b.text, imageTag: "dev-1" }));
  await rejects(client.send(new PutImageCommand({ repositoryName: name, imageManifest: a.text, imageTag: "v2" })), ImageTagAlreadyExistsException);
  await rejects(client.send(new PutImageTagMutabilityCommand({ repositoryName: name, imageTagMutability: "MUTABLE_WITH_EXCLUSION" })), InvalidParameterException);

  const back = await client.send(new PutImageTagMutabilityCommand({ repositoryName: name, imageTagMutability: "MUTABLE" }));
  assert.equal(back.imageTagMutabilityExclusionFilters, undefined);
  await client.send(new PutImageCommand({ repositoryName: name, imageManifest: b.text, imageTag: "v1" }));
  await rejects(client.send(new PutImageTagMutabilityCommand({ repositoryName: "immutable/missing", imageTagMutability: "MUTABLE" })), RepositoryNotFoundException);
});

test("repository policies: valid ones stored as ECR writes them, invalid ones refused, force, delete", async () => {
  const name = await createRepo("policy/app");
  await rejects(client.send(new GetRepositoryPolicyCommand({ repositoryName: name })), RepositoryPolicyNotFoundException,
    `Repository policy does not exist for the repository with name '${name}' in the registry with id '${account}'`);
  const policy = { Version: "2012-10-17", Statement: [{ Sid: "pull", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"] }] };
  const expected = [
    "{", '  "Version" : "2012-10-17",', '  "Statement" : [ {', '    "Sid" : "pull",', '    "Effect" : "Allow",', '    "Principal" : {',
    '      "AWS" : "arn:aws:iam::123456789012:root"', "    },", '    "Action" : [ "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer" ]', "  } ]", "}",
  ].join("\n");
  const set = await client.send(new SetRepositoryPolicyCommand({ repositoryName: name, policyText: JSON.stringify(policy) }));
  assert.deepEqual([set.registryId, set.repositoryName, set.policyText], [account, name, expected]);
  assert.equal((await client.send(new GetRepositoryPolicyCommand({ repositoryName: name }))).policyText, expected);

  const invalid = "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'";
  const bad = [
    "not json",
    JSON.stringify({ ...policy, Statement: [{ ...policy.Statement[0], Resource: "*" }] }),
    JSON.stringify({ ...policy, Statement: [{ ...policy.Statement[0], Principal: undefined }] }),
    JSON.stringify({ ...policy, Statement: [{ ...policy.Statement[0], Effect: "Maybe" }] }),
    JSON.stringify({ ...policy, Version: "2020-01-01" }),
  ];
  for (const policyText of bad) await rejects(client.send(new SetRepositoryPolicyCommand({ repositoryName: name, policyText })), InvalidParameterException, invalid);
  assert.equal((await client.send(new GetRepositoryPolicyCommand({ repositoryName: name }))).policyText, expected, "refused policies change nothing");

  const lockout = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "ecr:*" }] });
  await rejects(client.send(new SetRepositoryPolicyCommand({ repositoryName: name, policyText: lockout })), InvalidParameterException);
  const forced = await client.send(new SetRepositoryPolicyCommand({ repositoryName: name, policyText: lockout, force: true }));
  assert.match(forced.policyText!, /"Effect" : "Deny"/);

  const deleted = await client.send(new DeleteRepositoryPolicyCommand({ repositoryName: name }));
  assert.equal(deleted.policyText, forced.policyText);
  await rejects(client.send(new GetRepositoryPolicyCommand({ repositoryName: name })), RepositoryPolicyNotFoundException);
  await rejects(client.send(new DeleteRepositoryPolicyCommand({ repositoryName: name })), RepositoryPolicyNotFoundException);
  await rejects(client.send(new SetRepositoryPolicyCommand({ repositoryName: "policy/missing", policyText: JSON.stringify(policy) })), RepositoryNotFoundException);

  const scan = await client.send(new PutImageScanningConfigurationCommand({ repositoryName: name, imageScanningConfiguration: { scanOnPush: true } }));
  assert.deepEqual(scan.imageScanningConfiguration, { scanOnPush: true });
  const repo = await client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
  assert.deepEqual(repo.repositories![0]!.imageScanningConfiguration, { scanOnPush: true });
});

test("resource tags, DescribeRegistry and GetRegistryPolicy", async () => {
  const name = await createRepo("tagged/app", { tags: [{ Key: "team", Value: "core" }] });
  const arn = `arn:aws:ecr:us-east-1:${account}:repository/${name}`;
  await client.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: "env", Value: "dev" }, { Key: "team", Value: "platform" }] }));
  const listed = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
  assert.deepEqual(listed.tags, [{ Key: "env", Value: "dev" }, { Key: "team", Value: "platform" }]);
  await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["env", "absent"] }));
  assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, [{ Key: "team", Value: "platform" }]);

  await rejects(client.send(new ListTagsForResourceCommand({ resourceArn: "invalid" })), InvalidParameterException,
    "Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'");
  await rejects(client.send(new TagResourceCommand({ resourceArn: `${arn}-nope`, tags: [{ Key: "a", Value: "b" }] })), RepositoryNotFoundException);
  await rejects(client.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: "aws:x", Value: "b" }] })), InvalidTagParameterException);
  await rejects(client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["aws:x"] })), InvalidTagParameterException);
  const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
  await rejects(client.send(new TagResourceCommand({ resourceArn: arn, tags: many })), TooManyTagsException);
  assert.equal((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags?.length, 1);

  const registry = await client.send(new DescribeRegistryCommand({}));
  assert.equal(registry.registryId, account);
  assert.deepEqual(registry.replicationConfiguration, { rules: [] });
  await rejects(client.send(new GetRegistryPolicyCommand({})), RegistryPolicyNotFoundException, `Registry policy does not exist in the registry with id '${account}'`);
});

test("BatchCheckLayerAvailability and GetDownloadUrlForLayer: a URL on Berth's port that plain fetch can use", async () => {
  const name = await createRepo("download/app");
  const a = await pushSmallImage(name, "v1");
  const layer = a.manifest.layers[0];
  const orphan = await uploadLayer(name, randomBytes(100));

  const check = await client.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: name, layerDigests: [layer.digest, sha256("nope"), "nope", orphan] }));
  assert.deepEqual(check.layers, [
    { layerDigest: layer.digest, layerAvailability: "AVAILABLE", layerSize: layer.size, mediaType: layer.mediaType },
    { layerDigest: orphan, layerAvailability: "AVAILABLE", layerSize: 100 },
  ]);
  assert.deepEqual(check.failures?.map((f) => [f.layerDigest, f.failureCode]), [[sha256("nope"), "MissingLayerDigest"], ["nope", "InvalidLayerDigest"]]);

  const { downloadUrl, layerDigest } = await client.send(new GetDownloadUrlForLayerCommand({ repositoryName: name, layerDigest: layer.digest }));
  assert.equal(layerDigest, layer.digest);
  const url = new URL(downloadUrl!);
  assert.equal(url.host, host);
  const res = await fetch(downloadUrl!);
  assert.equal(res.status, 200);
  assert.equal(sha256(Buffer.from(await res.arrayBuffer())), layer.digest);
  // The config is part of the image too.
  const configUrl = (await client.send(new GetDownloadUrlForLayerCommand({ repositoryName: name, layerDigest: a.manifest.config.digest }))).downloadUrl!;
  assert.equal(sha256(Buffer.from(await (await fetch(configUrl)).arrayBuffer())), a.manifest.config.digest);

  // The token is good for that blob only, and cannot be forged.
  const token = url.searchParams.get("X-Berth-Download")!;
  const other = new URL(configUrl);
  other.searchParams.set("X-Berth-Download", token);
  assert.equal((await fetch(other)).status, 403);
  url.searchParams.set("X-Berth-Download", `${token.split(".")[0]}.forged`);
  assert.equal((await fetch(url)).status, 403);
  assert.equal((await fetch(`${berth.endpoint}/v2/${name}/blobs/${layer.digest}`)).status, 401, "no token, no credentials");

  await rejects(client.send(new GetDownloadUrlForLayerCommand({ repositoryName: name, layerDigest: orphan })), LayerInaccessibleException);
  await rejects(client.send(new GetDownloadUrlForLayerCommand({ repositoryName: name, layerDigest: sha256("nope") })), LayersNotFoundException);
  await rejects(client.send(new GetDownloadUrlForLayerCommand({ repositoryName: "download/missing", layerDigest: layer.digest })), RepositoryNotFoundException);
});

test("the AWS CLI: describe-images and batch-delete-image", async () => {
  const name = await createRepo("cli/images");
  const a = await pushSmallImage(name, "v1");
  await oci.pushManifest(name, "v2", a.manifest);
  const described = await berth.aws("ecr", "describe-images", "--repository-name", name);
  assert.equal(described.imageDetails.length, 1);
  assert.equal(described.imageDetails[0].imageDigest, a.digest);
  assert.deepEqual(described.imageDetails[0].imageTags, ["v1", "v2"]);
  assert.equal(described.imageDetails[0].imageSizeInBytes, a.size);
  assert.equal(described.imageDetails[0].imageManifestMediaType, OCI_MANIFEST);
  assert.ok(!Number.isNaN(Date.parse(described.imageDetails[0].imagePushedAt)));

  const deleted = await berth.aws("ecr", "batch-delete-image", "--repository-name", name, "--image-ids", "imageTag=v1", "imageTag=missing");
  assert.deepEqual(deleted.imageIds, [{ imageDigest: a.digest, imageTag: "v1" }]);
  assert.deepEqual(deleted.failures, [{ imageId: { imageTag: "missing" }, failureCode: "ImageNotFound", failureReason: "Requested image not found" }]);
  const listed = await berth.aws("ecr", "list-images", "--repository-name", name);
  assert.deepEqual(listed.imageIds, [{ imageDigest: a.digest, imageTag: "v2" }]);
});

test("without iamEnforcement another account's repository is reached by naming its registryId", async () => {
  const other = "111122223333";
  const otherClient = ecr(berth, "us-east-1", other);
  await otherClient.send(new CreateRepositoryCommand({ repositoryName: "elsewhere/app" }));
  const { digest, manifest } = await new Oci(berth.endpoint, await registryPassword(berth, "us-east-1", other)).pushImage("elsewhere/app", "v1");
  const described = await client.send(new DescribeImagesCommand({ registryId: other, repositoryName: "elsewhere/app" }));
  assert.deepEqual(described.imageDetails?.map((d) => [d.registryId, d.imageDigest, d.imageTags]), [[other, digest, ["v1"]]]);
  const got = await client.send(new BatchGetImageCommand({ registryId: other, repositoryName: "elsewhere/app", imageIds: [{ imageTag: "v1" }] }));
  assert.deepEqual(JSON.parse(got.images![0]!.imageManifest!), manifest);
  const listed = await client.send(new DescribeRepositoriesCommand({ registryId: other, repositoryNames: ["elsewhere/app"] }));
  assert.equal(listed.repositories?.[0]?.registryId, other);
  // Nothing of it is in the caller's own registry.
  await rejects(client.send(new DescribeImagesCommand({ repositoryName: "elsewhere/app" })), RepositoryNotFoundException);
});
