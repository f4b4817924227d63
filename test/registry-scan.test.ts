import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CreateRepositoryCommand, DescribeImageScanFindingsCommand, DescribeImagesCommand, DescribeRepositoriesCommand, ImageNotFoundException,
  LimitExceededException, PutImageCommand, PutImageScanningConfigurationCommand, RepositoryNotFoundException, ScanNotFoundException,
  StartImageScanCommand, UnsupportedImageTypeException, type DescribeImageScanFindingsCommandOutput, type ECRClient,
  type ImageScanFinding,
} from "@aws-sdk/client-ecr";
import { BerthProcess } from "./harness.js";
import { ecr, Oci, OCI_INDEX, OCI_MANIFEST, registryPassword, sha256 } from "./registry-kit.js";
import { waitFor } from "./wait.js";
import { buildTar, type TarEntry } from "../src/registry/scan/tar-builder.js";

/** The hand-written OSV records the images below are matched against. */
const OSV = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "test", "fixtures", "osv");

let berth: BerthProcess;
let client: ECRClient;
let oci: Oci;
before(async () => {
  berth = await BerthProcess.start({ args: ["--scan-database-dir", OSV] });
  client = ecr(berth);
  oci = new Oci(berth.endpoint, await registryPassword(berth));
});
after(async () => {
  await berth.dispose();
});

/** Pushes an image whose layers are these tars (gzip'd) through /v2; returns its digest. */
async function pushLayers(repo: string, tag: string, layers: TarEntry[][], { gzip = true } = {}): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }));
  const descriptors = [];
  for (const entries of layers) {
    const tar = await buildTar(entries, { gzip });
    descriptors.push({ mediaType: `application/vnd.oci.image.layer.v1.tar${gzip ? "+gzip" : ""}`, digest: await oci.pushBlob(repo, tar), size: tar.length });
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: await oci.pushBlob(repo, config), size: config.length },
    layers: descriptors,
  };
  const res = await oci.pushManifest(repo, tag, manifest);
  assert.equal(res.status, 201, res.text);
  return sha256(JSON.stringify(manifest));
}

/** A Debian 12 image with an app: dpkg packages, an npm lock file, pinned pip requirements, a whiteout. */
const DEBIAN_APP: TarEntry[][] = [
  [
    { name: "etc/os-release", content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' },
    {
      name: "var/lib/dpkg/status",
      content: [
        "Package: libssl3", "Status: install ok installed", "Version: 3.0.11-1~deb12u2", "Source: openssl", "",
        "Package: zlib1g", "Status: install ok installed", "Version: 1:1.2.13.dfsg-1", "Source: zlib", "",
        "Package: libc-bin", "Status: install ok installed", "Version: 2.36-9+deb12u3", "Source: glibc", "",
        "Package: tar", "Status: install ok installed", "Version: 1.34+dfsg-1.2", "",
        "Package: gone", "Status: deinstall ok config-files", "Version: 0.1", "",
      ].join("\n"),
    },
  ],
  [
    {
      name: "app/package-lock.json",
      content: JSON.stringify({
        name: "app", lockfileVersion: 3,
        packages: { "": { name: "app" }, "node_modules/lodash": { version: "4.17.20" }, "node_modules/minimist": { version: "1.2.5" }, "node_modules/express": { version: "4.18.2" } },
      }),
    },
    { name: "app/requirements.txt", content: "requests==2.25.0\nDjango==3.2.0\nflask>=2.0\n" },
    { name: "old/package-lock.json", content: JSON.stringify({ lockfileVersion: 2, packages: { "node_modules/node-fetch": { version: "2.6.0" } } }) },
  ],
  [{ name: ".wh.old", content: "" }],
];

/** name -> [severity, package_name] as the fixture's records make them. */
const DEBIAN_APP_FINDINGS: Record<string, [string, string]> = {
  "CVE-2021-44906": ["CRITICAL", "minimist"],
  "CVE-2021-23337": ["HIGH", "lodash"],
  "CVE-2023-6246": ["HIGH", "libc-bin"],
  "CVE-2021-31542": ["MEDIUM", "Django"],
  "CVE-2023-32681": ["MEDIUM", "requests"],
  "CVE-2023-5678": ["MEDIUM", "libssl3"],
  "CVE-2005-2541": ["INFORMATIONAL", "tar"],
};

const ALPINE: TarEntry[][] = [
  [
    { name: "etc/os-release", content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n' },
    { name: "lib/apk/db/installed", content: "P:busybox\nV:1.36.1-r15\no:busybox\n\nP:libcrypto3\nV:3.1.4-r5\no:openssl\n\n" },
  ],
];

/** DescribeImageScanFindings once the scan is no longer IN_PROGRESS. */
async function finishedScan(repositoryName: string, imageId: { imageTag?: string; imageDigest?: string }): Promise<DescribeImageScanFindingsCommandOutput> {
  return waitFor(`scan of ${repositoryName}`, async () => {
    const out = await client.send(new DescribeImageScanFindingsCommand({ repositoryName, imageId }));
    return out.imageScanStatus?.status === "IN_PROGRESS" ? undefined : out;
  }, 30_000);
}

const attr = (f: ImageScanFinding, key: string) => f.attributes?.find((a) => a.key === key)?.value;

test("scan on push: findings from dpkg, npm and pip with ECR's severities, attributes and counts; whiteouts respected", async () => {
  await client.send(new CreateRepositoryCommand({ repositoryName: "scan/app", imageScanningConfiguration: { scanOnPush: true } }));
  const before = Date.now();
  const digest = await pushLayers("scan/app", "v1", DEBIAN_APP);
  const out = await finishedScan("scan/app", { imageTag: "v1" });
  assert.equal(out.registryId, "000000000000");
  assert.equal(out.repositoryName, "scan/app");
  assert.deepEqual(out.imageId, { imageDigest: digest, imageTag: "v1" });
  assert.deepEqual(out.imageScanStatus, { status: "COMPLETE", description: "The scan was completed successfully." });
  const findings = out.imageScanFindings!;
  assert.ok(findings.imageScanCompletedAt!.getTime() >= before - 1000);
  // The newest `modified` among the fixture's records.
  assert.deepEqual(findings.vulnerabilitySourceUpdatedAt, new Date("2024-04-02T00:00:00Z"));
  assert.deepEqual(findings.findingSeverityCounts, { CRITICAL: 1, HIGH: 2, MEDIUM: 3, INFORMATIONAL: 1 });
  const got = Object.fromEntries(findings.findings!.map((f) => [f.name, [f.severity, attr(f, "package_name")]]));
  assert.deepEqual(got, DEBIAN_APP_FINDINGS);
  // Highest severity first, as ECR lists them.
  assert.equal(findings.findings![0]!.name, "CVE-2021-44906");

  const openssl = findings.findings!.find((f) => f.name === "CVE-2023-5678")!;
  assert.equal(openssl.uri, "https://security-tracker.debian.org/tracker/CVE-2023-5678");
  assert.match(openssl.description!, /X9\.42 DH keys/);
  assert.deepEqual(openssl.attributes, [
    { key: "package_version", value: "3.0.11-1~deb12u2" },
    { key: "package_name", value: "libssl3" },
    { key: "CVSS3_VECTOR", value: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L" },
    { key: "CVSS3_SCORE", value: "5.3" },
  ]);
  const django = findings.findings!.find((f) => f.name === "CVE-2021-31542")!;
  assert.equal(attr(django, "CVSS2_VECTOR"), "AV:N/AC:L/Au:N/C:P/I:N/A:N");
  assert.equal(attr(django, "CVSS2_SCORE"), "5");
  // node-fetch was only in /old, which the last layer whites out; zlib is fixed; the Debian 11
  // record and the withdrawn express advisory do not apply.
  for (const absent of ["CVE-2022-0235", "CVE-2022-37434", "CVE-2099-0001", "CVE-2099-0002"]) {
    assert.ok(!findings.findings!.some((f) => f.name === absent), absent);
  }

  // DescribeImages shows the scan's status and summary.
  const { imageDetails } = await client.send(new DescribeImagesCommand({ repositoryName: "scan/app", imageIds: [{ imageTag: "v1" }] }));
  assert.deepEqual(imageDetails![0]!.imageScanStatus, out.imageScanStatus);
  assert.deepEqual(imageDetails![0]!.imageScanFindingsSummary, {
    imageScanCompletedAt: findings.imageScanCompletedAt,
    vulnerabilitySourceUpdatedAt: findings.vulnerabilitySourceUpdatedAt,
    findingSeverityCounts: findings.findingSeverityCounts,
  });

  // The image was scanned on push, which counts against the once-a-day quota.
  await assert.rejects(client.send(new StartImageScanCommand({ repositoryName: "scan/app", imageId: { imageDigest: digest } })), (e: unknown) => {
    assert.ok(e instanceof LimitExceededException);
    return true;
  });
  // Pushing the same image under another tag is not a new image: the scan stays.
  const retag = await oci.req("PUT", "/v2/scan/app/manifests/v1-again", {
    body: (await oci.req("GET", "/v2/scan/app/manifests/v1", { headers: { accept: OCI_MANIFEST } })).text, headers: { "content-type": OCI_MANIFEST },
  });
  assert.equal(retag.status, 201);
  const again = await client.send(new DescribeImageScanFindingsCommand({ repositoryName: "scan/app", imageId: { imageTag: "v1-again" } }));
  assert.deepEqual(again.imageScanFindings?.imageScanCompletedAt, findings.imageScanCompletedAt);
});

test("DescribeImageScanFindings pages with maxResults and nextToken; counts on every page", async () => {
  const seen: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await client.send(new DescribeImageScanFindingsCommand({ repositoryName: "scan/app", imageId: { imageTag: "v1" }, maxResults: 2, nextToken }));
    pages++;
    assert.ok(page.imageScanFindings!.findings!.length <= 2);
    assert.deepEqual(page.imageScanFindings!.findingSeverityCounts, { CRITICAL: 1, HIGH: 2, MEDIUM: 3, INFORMATIONAL: 1 });
    seen.push(...page.imageScanFindings!.findings!.map((f) => f.name!));
    nextToken = page.nextToken;
  } while (nextToken);
  assert.equal(pages, 4);
  assert.deepEqual([...seen].sort(), Object.keys(DEBIAN_APP_FINDINGS).sort());
  assert.equal(new Set(seen).size, seen.length);
  const all = await client.send(new DescribeImageScanFindingsCommand({ repositoryName: "scan/app", imageId: { imageTag: "v1" } }));
  assert.equal(all.nextToken, undefined);
  assert.deepEqual(all.imageScanFindings!.findings!.map((f) => f.name), seen);
  await assert.rejects(
    client.send(new DescribeImageScanFindingsCommand({ repositoryName: "scan/app", imageId: { imageTag: "v1" }, nextToken: "bm9wZQ" })),
    (e: Error) => e.name === "InvalidParameterException",
  );
});

test("StartImageScan on a repository without scanOnPush: ScanNotFound first, IN_PROGRESS, then COMPLETE; once a day", async () => {
  await client.send(new CreateRepositoryCommand({ repositoryName: "scan/alpine" }));
  const digest = await pushLayers("scan/alpine", "3.19", ALPINE);
  await assert.rejects(client.send(new DescribeImageScanFindingsCommand({ repositoryName: "scan/alpine", imageId: { imageTag: "3.19" } })), (e: unknown) => {
    assert.ok(e instanceof ScanNotFoundException);
    assert.match(e.message, /Image scan does not exist for the image/);
    return true;
  });
  const started = await client.send(new StartImageScanCommand({ repositoryName: "scan/alpine", imageId: { imageTag: "3.19" } }));
  assert.deepEqual(started.imageScanStatus, { status: "IN_PROGRESS" });
  assert.deepEqual(started.imageId, { imageDigest: digest, imageTag: "3.19" });
  assert.equal(started.registryId, "000000000000");
  const out = await finishedScan("scan/alpine", { imageDigest: digest });
  assert.equal(out.imageScanStatus?.status, "COMPLETE");
  assert.deepEqual(out.imageScanFindings!.findings!.map((f) => [f.name, f.severity, attr(f, "package_name"), attr(f, "package_version")]), [
    ["CVE-2023-42363", "MEDIUM", "busybox", "1.36.1-r15"],
  ]);
  assert.deepEqual(out.imageScanFindings!.findingSeverityCounts, { MEDIUM: 1 });
  await assert.rejects(client.send(new StartImageScanCommand({ repositoryName: "scan/alpine", imageId: { imageTag: "3.19" } })), LimitExceededException);
});

test("an image with no known packages is COMPLETE with no findings; an unreadable layer FAILED", async () => {
  await client.send(new CreateRepositoryCommand({ repositoryName: "scan/plain", imageScanningConfiguration: { scanOnPush: true } }));
  await pushLayers("scan/plain", "hello", [[{ name: "hello.txt", content: "hello" }, { name: "bin/", type: "directory" }]], { gzip: false });
  const out = await finishedScan("scan/plain", { imageTag: "hello" });
  assert.equal(out.imageScanStatus?.status, "COMPLETE");
  assert.deepEqual(out.imageScanFindings?.findings, []);
  assert.deepEqual(out.imageScanFindings?.findingSeverityCounts, {});

  // registry-kit's images have a random 64-byte "tar" layer: not a tar archive.
  await oci.pushImage("scan/plain", "garbage");
  const failed = await finishedScan("scan/plain", { imageTag: "garbage" });
  assert.equal(failed.imageScanStatus?.status, "FAILED");
  assert.match(failed.imageScanStatus!.description!, /^UnsupportedImageError: layer sha256:[0-9a-f]{64} could not be read/);
  assert.equal(failed.imageScanFindings, undefined);
  // A failed scan can be started again at once.
  const retry = await client.send(new StartImageScanCommand({ repositoryName: "scan/plain", imageId: { imageTag: "garbage" } }));
  assert.equal(retry.imageScanStatus?.status, "IN_PROGRESS");
  assert.equal((await finishedScan("scan/plain", { imageTag: "garbage" })).imageScanStatus?.status, "FAILED");
});

test("PutImageScanningConfiguration turns scan on push on for later pushes; indexes and unknown images are refused", async () => {
  await client.send(new CreateRepositoryCommand({ repositoryName: "scan/later" }));
  await pushLayers("scan/later", "before", ALPINE);
  const put = await client.send(new PutImageScanningConfigurationCommand({ repositoryName: "scan/later", imageScanningConfiguration: { scanOnPush: true } }));
  assert.deepEqual(put.imageScanningConfiguration, { scanOnPush: true });
  assert.equal(put.repositoryName, "scan/later");
  const { repositories } = await client.send(new DescribeRepositoriesCommand({ repositoryNames: ["scan/later"] }));
  assert.deepEqual(repositories![0]!.imageScanningConfiguration, { scanOnPush: true });
  await assert.rejects(client.send(new DescribeImageScanFindingsCommand({ repositoryName: "scan/later", imageId: { imageTag: "before" } })), ScanNotFoundException);
  const unscanned = await client.send(new DescribeImagesCommand({ repositoryName: "scan/later", imageIds: [{ imageTag: "before" }] }));
  assert.equal(unscanned.imageDetails![0]!.imageScanStatus, undefined);
  assert.equal(unscanned.imageDetails![0]!.imageScanFindingsSummary, undefined);
  const after = await pushLayers("scan/later", "after", [...ALPINE, [{ name: "etc/motd", content: "new layer" }]]);
  assert.equal((await finishedScan("scan/later", { imageDigest: after })).imageScanStatus?.status, "COMPLETE");
  // ECR's PutImage is a push too.
  const child = await oci.req("GET", "/v2/scan/later/manifests/after", { headers: { accept: OCI_MANIFEST } });
  const variant = JSON.stringify({ ...JSON.parse(child.text), annotations: { "org.example.variant": "put-image" } });
  const put2 = await client.send(new PutImageCommand({ repositoryName: "scan/later", imageManifest: variant, imageManifestMediaType: OCI_MANIFEST, imageTag: "via-put-image" }));
  const viaPutImage = await finishedScan("scan/later", { imageDigest: put2.image!.imageId!.imageDigest! });
  assert.deepEqual(viaPutImage.imageScanFindings?.findingSeverityCounts, { MEDIUM: 1 });

  // An index is not scanned on push, and StartImageScan refuses it.
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: after, size: Buffer.byteLength(child.text) }] };
  assert.equal((await oci.pushManifest("scan/later", "multi", index, OCI_INDEX)).status, 201);
  await assert.rejects(client.send(new StartImageScanCommand({ repositoryName: "scan/later", imageId: { imageTag: "multi" } })), UnsupportedImageTypeException);
  await assert.rejects(client.send(new DescribeImageScanFindingsCommand({ repositoryName: "scan/later", imageId: { imageTag: "multi" } })), ScanNotFoundException);

  await assert.rejects(client.send(new StartImageScanCommand({ repositoryName: "scan/later", imageId: { imageTag: "nope" } })), (e: unknown) => {
    assert.ok(e instanceof ImageNotFoundException);
    assert.match(e.message, /imageTag:'nope'/);
    return true;
  });
  await assert.rejects(client.send(new StartImageScanCommand({ repositoryName: "scan/none", imageId: { imageTag: "x" } })), RepositoryNotFoundException);
  await assert.rejects(client.send(new StartImageScanCommand({ repositoryName: "scan/later", imageId: {} })), (e: Error) => e.name === "InvalidParameterException");
});

test("the AWS CLI: describe-image-scan-findings and start-image-scan", async () => {
  const out = await berth.aws("ecr", "describe-image-scan-findings", "--repository-name", "scan/app", "--image-id", "imageTag=v1");
  assert.equal(out.imageScanStatus.status, "COMPLETE");
  assert.deepEqual(out.imageScanFindings.findingSeverityCounts, { CRITICAL: 1, HIGH: 2, MEDIUM: 3, INFORMATIONAL: 1 });
  assert.equal(out.imageScanFindings.findings.length, 7);
  assert.equal(out.imageScanFindings.findings[0].name, "CVE-2021-44906");
  await assert.rejects(berth.aws("ecr", "start-image-scan", "--repository-name", "scan/app", "--image-id", "imageTag=v1"), /LimitExceededException/);
});
