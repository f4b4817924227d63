import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import {
  GetLifecyclePolicyCommand, GetLifecyclePolicyPreviewCommand, InvalidParameterException, LifecyclePolicyNotFoundException,
  LifecyclePolicyPreviewNotFoundException, PutLifecyclePolicyCommand, StartLifecyclePolicyPreviewCommand, DeleteLifecyclePolicyCommand,
  type LifecyclePolicyPreviewResult,
} from "@aws-sdk/client-ecr";
import { BerthProcess } from "./harness.js";
import { createRepository, ecr, errorCode, Oci, OCI_MANIFEST, registryPassword, sha256 } from "./registry-kit.js";

/**
 * Lifecycle policies really executed, and the garbage collector that follows them.
 *
 * Images must be days old for sinceImagePushed rules, so the test pushes some, stops Berth,
 * and starts it again on the same data directory three days later — under libfaketime
 * (Debian's faketime), which shifts the clock of that one process, Berth's code unchanged.
 */
const FAKETIME_LIB = readdirSync("/usr/lib").map((d) => join("/usr/lib", d, "faketime", "libfaketime.so.1")).find((p) => existsSync(p));
const REPO = "life/app";
const gcArgs = ["--registry-gc-grace-seconds", "1", "--registry-gc-interval-seconds", "0"];

interface Pushed {
  digest: string;
  blobs: string[];
}

/** An image of a fresh config and `layers`, pushed under `reference` (a tag, or "" for untagged: by digest). */
async function pushImage(oci: Oci, name: string, reference: string, layers: Buffer[]): Promise<Pushed> {
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", nonce: randomBytes(8).toString("hex") }));
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: await oci.pushBlob(name, config), size: config.length },
    layers: await Promise.all(layers.map(async (l) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: await oci.pushBlob(name, l), size: l.length }))),
  };
  const digest = sha256(JSON.stringify(manifest));
  const res = await oci.pushManifest(name, reference || digest, manifest);
  assert.equal(res.status, 201, res.text);
  // Distinct push times, so "newest" is never a tie.
  await new Promise((r) => setTimeout(r, 15));
  return { digest, blobs: [manifest.config.digest, ...manifest.layers.map((l) => l.digest)] };
}

/** Pulls the image by digest: the manifest and every blob, each checked against its digest. */
async function pull(oci: Oci, name: string, image: Pushed): Promise<void> {
  const m = await oci.req("GET", `/v2/${name}/manifests/${image.digest}`, { headers: { accept: OCI_MANIFEST } });
  assert.equal(m.status, 200, `manifest ${image.digest}: ${m.text}`);
  for (const b of image.blobs) {
    const res = await fetch(`${oci.endpoint}/v2/${name}/blobs/${b}`, { headers: { authorization: `Basic ${Buffer.from(`AWS:${oci.password}`).toString("base64")}` } });
    assert.equal(res.status, 200, `blob ${b}`);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), b);
  }
}

const blobFile = (dataDir: string, digest: string) => join(dataDir, "registry", "blobs", "sha256", digest.slice(7, 9), digest.slice(7));

const rule = (rulePriority: number, selection: Record<string, unknown>) => ({ rulePriority, description: `rule ${rulePriority}`, selection, action: { type: "expire" } });
const POLICY = JSON.stringify({
  rules: [
    rule(1, { tagStatus: "tagged", tagPrefixList: ["rel-"], countType: "imageCountMoreThan", countNumber: 2 }),
    rule(2, { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 2 }),
    rule(3, { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 2 }),
  ],
});

async function gc(berth: BerthProcess): Promise<Record<string, number>> {
  const res = await fetch(`${berth.endpoint}/_berth/registry/gc`, { method: "POST" });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, number>;
}

/**
 * Collects until `done` holds. A pull restarts its blobs' links' grace period (1 s here), so the
 * blobs of an image pulled just before it expired go one grace period later.
 */
async function collectUntil(berth: BerthProcess, done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    await gc(berth);
    if (done()) return;
    assert.ok(Date.now() < deadline, `GC did not collect ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("lifecycle policies: validated, previewed, applied at once and by the sweeper; GC reclaims expired images' blobs and keeps shared ones", async () => {
  assert.ok(FAKETIME_LIB, "libfaketime is missing: install Debian's faketime (scripts/setup-debian.sh does)");
  const dataDir = mkdtempSync(join(tmpdir(), "berth-lifecycle-"));
  let berth = await BerthProcess.start({ dataDir, args: [...gcArgs, "--lifecycle-policy-interval-seconds", "0"] });
  try {
    // ---- day 0: the old images ---------------------------------------------------------
    await createRepository(berth, { repositoryName: REPO });
    const client = ecr(berth);
    await assert.rejects(client.send(new GetLifecyclePolicyCommand({ repositoryName: REPO })), (e: unknown) => {
      assert.ok(e instanceof LifecyclePolicyNotFoundException);
      assert.equal(e.message, `Lifecycle policy does not exist for the repository with name '${REPO}' in the registry with id '000000000000'`);
      return true;
    });
    await assert.rejects(client.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REPO })), LifecyclePolicyPreviewNotFoundException);
    const invalid = JSON.stringify({ rules: [rule(1, { tagStatus: "tagged", countType: "imageCountMoreThan", countNumber: 1 })] });
    await assert.rejects(client.send(new PutLifecyclePolicyCommand({ repositoryName: REPO, lifecyclePolicyText: invalid })), (e: unknown) => {
      assert.ok(e instanceof InvalidParameterException);
      assert.equal(e.message, "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.'");
      return true;
    });

    let oci = new Oci(berth.endpoint, await registryPassword(berth));
    const shared = randomBytes(4096);
    const rel1 = await pushImage(oci, REPO, "rel-1", [shared, randomBytes(1000)]);
    const rel2 = await pushImage(oci, REPO, "rel-2", [randomBytes(1000)]);
    const rel3 = await pushImage(oci, REPO, "rel-3", [shared, randomBytes(1000)]);
    const rel4 = await pushImage(oci, REPO, "rel-4", [randomBytes(1000)]);
    const devA = await pushImage(oci, REPO, "dev-a", [randomBytes(1000)]);
    const untagged1 = await pushImage(oci, REPO, "", [randomBytes(1000)]);
    const untagged2 = await pushImage(oci, REPO, "", [randomBytes(1000)]);
    await berth.stop();

    // ---- three days later --------------------------------------------------------------
    berth = await BerthProcess.start({
      dataDir,
      args: [...gcArgs, "--lifecycle-policy-interval-seconds", "1"],
      env: { LD_PRELOAD: FAKETIME_LIB!, FAKETIME: "+3d", FAKETIME_DONT_FAKE_MONOTONIC: "1" },
    });
    oci = new Oci(berth.endpoint, await registryPassword(berth));
    const later = ecr(berth);
    const untaggedNew = await pushImage(oci, REPO, "", [randomBytes(1000)]);
    const devB = await pushImage(oci, REPO, "dev-b", [randomBytes(1000)]);
    // Rule 1 keeps the two newest rel-*; rule 2 expires untagged images older than two days;
    // rule 3 keeps the two newest images of all, but may expire only what rules 1 and 2 did
    // not select (dev-a).
    const expected: Record<string, number> = { [rel1.digest]: 1, [rel2.digest]: 1, [untagged1.digest]: 2, [untagged2.digest]: 2, [devA.digest]: 3 };

    // Preview: what would go, and nothing goes.
    const started = await later.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: REPO, lifecyclePolicyText: POLICY }));
    assert.equal(started.status, "IN_PROGRESS");
    assert.deepEqual(JSON.parse(started.lifecyclePolicyText!), JSON.parse(POLICY));
    const preview = await later.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REPO }));
    assert.equal(preview.status, "COMPLETE");
    assert.equal(preview.summary?.expiringImageTotalCount, 5);
    const byDigest = (results: LifecyclePolicyPreviewResult[] = []) => Object.fromEntries(results.map((r) => [r.imageDigest!, r.appliedRulePriority!]));
    assert.deepEqual(byDigest(preview.previewResults), expected);
    const rel1Result = preview.previewResults!.find((r) => r.imageDigest === rel1.digest)!;
    assert.deepEqual(rel1Result.imageTags, ["rel-1"]);
    assert.equal(rel1Result.action?.type, "EXPIRE");
    assert.ok(rel1Result.imagePushedAt instanceof Date);
    const untaggedOnly = await later.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REPO, filter: { tagStatus: "UNTAGGED" } }));
    assert.deepEqual(Object.keys(byDigest(untaggedOnly.previewResults)).sort(), [untagged1.digest, untagged2.digest].sort());
    const paged: LifecyclePolicyPreviewResult[] = [];
    let nextToken: string | undefined;
    do {
      const page = await later.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REPO, maxResults: 2, nextToken }));
      assert.ok(page.previewResults!.length <= 2);
      paged.push(...page.previewResults!);
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(byDigest(paged), expected);
    const cliPreview = await berth.aws("ecr", "get-lifecycle-policy-preview", "--repository-name", REPO);
    assert.equal(cliPreview.status, "COMPLETE");
    assert.equal(cliPreview.previewResults.length, 5);
    await pull(oci, REPO, rel1);

    // Put (through the AWS CLI): applied at once.
    const put = await berth.aws("ecr", "put-lifecycle-policy", "--repository-name", REPO, "--lifecycle-policy-text", POLICY);
    assert.deepEqual(JSON.parse(put.lifecyclePolicyText), JSON.parse(POLICY));
    for (const gone of [rel1, rel2, untagged1, untagged2, devA]) {
      const res = await oci.req("GET", `/v2/${REPO}/manifests/${gone.digest}`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(res.status, 404, `${gone.digest} should be expired`);
      assert.equal(errorCode(res), "MANIFEST_UNKNOWN");
    }
    for (const kept of [rel3, rel4, untaggedNew, devB]) await pull(oci, REPO, kept);
    assert.deepEqual((await oci.req("GET", `/v2/${REPO}/tags/list`)).json().tags, ["dev-b", "rel-3", "rel-4"]);
    const got = await later.send(new GetLifecyclePolicyCommand({ repositoryName: REPO }));
    assert.ok(got.lastEvaluatedAt instanceof Date);
    assert.ok(got.lastEvaluatedAt.getTime() > Date.now() + 2 * 24 * 3600 * 1000, "evaluated by the server's clock, three days ahead");

    // GC: the blobs only expired images used are gone from disk; the shared layer stays.
    const report = await gc(berth);
    for (const key of ["linksRemoved", "uploadsExpired", "blobsDeleted", "bytesFreed", "blobsInUse", "blobsSpared"]) assert.equal(typeof report[key], "number");
    const expiredBlobs = [rel1, rel2, untagged1, untagged2, devA].flatMap((i) => i.blobs).filter((b) => b !== sha256(shared));
    await collectUntil(berth, () => expiredBlobs.every((b) => !existsSync(blobFile(dataDir, b))), "the expired images' blobs");
    assert.ok(existsSync(blobFile(dataDir, sha256(shared))), "the layer rel-3 shares with rel-1 stays");
    for (const kept of [rel3, rel4, untaggedNew, devB]) {
      for (const b of kept.blobs) assert.ok(existsSync(blobFile(dataDir, b)));
      await pull(oci, REPO, kept);
    }

    // The sweeper (every second here) applies the policy to what is pushed afterwards.
    const rel5 = await pushImage(oci, REPO, "rel-5", [randomBytes(1000)]);
    const deadline = Date.now() + 15_000;
    while ((await oci.req("GET", `/v2/${REPO}/manifests/${rel3.digest}`)).status !== 404) {
      assert.ok(Date.now() < deadline, "the sweeper did not expire rel-3");
      await new Promise((r) => setTimeout(r, 200));
    }
    await collectUntil(berth, () => !existsSync(blobFile(dataDir, sha256(shared))), "the shared layer no image uses any more");
    for (const kept of [rel4, rel5, untaggedNew, devB]) await pull(oci, REPO, kept);

    // Delete returns the policy; afterwards it is gone.
    const deleted = await later.send(new DeleteLifecyclePolicyCommand({ repositoryName: REPO }));
    assert.deepEqual(JSON.parse(deleted.lifecyclePolicyText!), JSON.parse(POLICY));
    assert.ok(deleted.lastEvaluatedAt instanceof Date);
    await assert.rejects(later.send(new GetLifecyclePolicyCommand({ repositoryName: REPO })), LifecyclePolicyNotFoundException);
  } finally {
    await berth.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("GC running throughout a chunked upload and a manifest push breaks neither; abandoned sessions expire", async () => {
  const berth = await BerthProcess.start({ args: ["--registry-gc-grace-seconds", "2", "--registry-gc-interval-seconds", "0", "--registry-upload-expiry-seconds", "3"] });
  try {
    const name = "race/app";
    await createRepository(berth, { repositoryName: name });
    const oci = new Oci(berth.endpoint, await registryPassword(berth));
    const abandoned = (await oci.req("POST", `/v2/${name}/blobs/uploads/`)).headers.get("location")!;
    assert.equal((await oci.req("PATCH", abandoned, { body: randomBytes(10), headers: { "content-range": "0-9" } })).status, 202);
    const t0 = Date.now();

    // The collector runs back to back while a chunked upload and its manifest push proceed.
    let hammering = true;
    let runs = 0;
    const hammer = (async () => {
      while (hammering) {
        await gc(berth);
        runs++;
      }
    })();
    try {
      const layer = randomBytes(3 * 1024 * 1024 + 5);
      const location = (await oci.req("POST", `/v2/${name}/blobs/uploads/`)).headers.get("location")!;
      const mib = 1024 * 1024;
      for (let at = 0; at < 3 * mib; at += mib) {
        const res = await oci.req("PATCH", location, { body: layer.subarray(at, at + mib), headers: { "content-range": `${at}-${at + mib - 1}` } });
        assert.equal(res.status, 202, res.text);
      }
      const done = await oci.req("PUT", `${location}?digest=${sha256(layer)}`, { body: layer.subarray(3 * mib), headers: { "content-type": "application/octet-stream" } });
      assert.equal(done.status, 201, done.text);
      const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux" }));
      const manifest = {
        schemaVersion: 2, mediaType: OCI_MANIFEST,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: await oci.pushBlob(name, config), size: config.length },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.length }],
      };
      const put = await oci.pushManifest(name, "v1", manifest);
      assert.equal(put.status, 201, put.text);
      await pull(oci, name, { digest: sha256(JSON.stringify(manifest)), blobs: [manifest.config.digest, sha256(layer)] });
    } finally {
      hammering = false;
      await hammer;
    }
    assert.ok(runs > 0);

    // Blobs uploaded and left unreferenced become garbage once older than the grace period.
    // Pushed again (as a client that lost the race would) while the collector deletes them,
    // each either lands before the collector's check or waits for its delete and writes the
    // bytes again: the manifests that name them always pull.
    const garbage = Array.from({ length: 6 }, () => randomBytes(200_000));
    for (const g of garbage) await oci.pushBlob(name, g);
    await new Promise((r) => setTimeout(r, 2200));
    const results = await Promise.all([gc(berth), ...garbage.map(async (g, i) => {
      await new Promise((r) => setTimeout(r, i * 3));
      await oci.pushBlob(name, g);
      const config = Buffer.from(`{"i":${i}}`);
      const m = {
        schemaVersion: 2, mediaType: OCI_MANIFEST,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: await oci.pushBlob(name, config), size: config.length },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(g), size: g.length }],
      };
      const res = await oci.pushManifest(name, `g${i}`, m);
      assert.equal(res.status, 201, res.text);
      return { digest: sha256(JSON.stringify(m)), blobs: [m.config.digest, sha256(g)] };
    })]);
    for (const image of results.slice(1) as Pushed[]) await pull(oci, name, image);

    // The abandoned session: idle for more than registryUploadExpirySeconds, so cancelled.
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + 3500 - Date.now())));
    await gc(berth);
    const status = await oci.req("GET", abandoned);
    assert.equal(status.status, 404);
    assert.equal(errorCode(status), "BLOB_UPLOAD_UNKNOWN");
  } finally {
    await berth.dispose();
  }
});
