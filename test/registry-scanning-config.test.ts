import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  BatchGetRepositoryScanningConfigurationCommand, GetAccountSettingCommand, PutAccountSettingCommand, DescribeImageScanFindingsCommand, GetRegistryScanningConfigurationCommand, InvalidParameterException,
  ListImageReferrersCommand, PutRegistryScanningConfigurationCommand, RepositoryNotFoundException, ScanNotFoundException,
} from "@aws-sdk/client-ecr";
import { BerthProcess } from "./harness.js";
import { createRepository, ecr, Oci, OCI_MANIFEST, registryPassword } from "./registry-kit.js";

let berth: BerthProcess;
before(async () => {
  berth = await BerthProcess.start();
});
after(async () => {
  await berth.dispose();
});

test("registry scanning configuration: BASIC by default; rules stored; SCAN_ON_PUSH filters decide which pushes are scanned", async () => {
  const client = ecr(berth);
  assert.deepEqual((await client.send(new GetRegistryScanningConfigurationCommand({}))).scanningConfiguration, { scanType: "BASIC", rules: [] });
  await assert.rejects(
    client.send(new PutRegistryScanningConfigurationCommand({ scanType: "BASIC", rules: [{ scanFrequency: "CONTINUOUS_SCAN", repositoryFilters: [{ filter: "*", filterType: "WILDCARD" }] }] })),
    InvalidParameterException,
  );
  await assert.rejects(client.send(new PutRegistryScanningConfigurationCommand({ scanType: "DEEP" as "BASIC" })), InvalidParameterException);
  assert.deepEqual((await client.send(new GetRegistryScanningConfigurationCommand({}))).scanningConfiguration, { scanType: "BASIC", rules: [] });

  const rules = [{ scanFrequency: "SCAN_ON_PUSH" as const, repositoryFilters: [{ filter: "prod-*", filterType: "WILDCARD" as const }] }];
  const put = await client.send(new PutRegistryScanningConfigurationCommand({ scanType: "BASIC", rules }));
  assert.deepEqual(put.registryScanningConfiguration, { scanType: "BASIC", rules });
  const got = await client.send(new GetRegistryScanningConfigurationCommand({}));
  assert.equal(got.registryId, "000000000000");
  assert.deepEqual(got.scanningConfiguration, { scanType: "BASIC", rules });

  await createRepository(berth, { repositoryName: "prod-api" });
  await createRepository(berth, { repositoryName: "dev-api" });
  const oci = new Oci(berth.endpoint, await registryPassword(berth));
  await oci.pushImage("prod-api", "v1");
  await oci.pushImage("dev-api", "v1");
  // The matching repository's push has a scan; the other's has none.
  const scanned = await client.send(new DescribeImageScanFindingsCommand({ repositoryName: "prod-api", imageId: { imageTag: "v1" } }));
  assert.ok(scanned.imageScanStatus?.status);
  await assert.rejects(client.send(new DescribeImageScanFindingsCommand({ repositoryName: "dev-api", imageId: { imageTag: "v1" } })), ScanNotFoundException);

  const batch = await client.send(new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: ["prod-api", "dev-api", "none"] }));
  assert.deepEqual(batch.scanningConfigurations?.map((c) => [c.repositoryName, c.scanOnPush, c.scanFrequency]), [["prod-api", true, "SCAN_ON_PUSH"], ["dev-api", false, "MANUAL"]]);
  assert.deepEqual(batch.failures?.map((f) => [f.repositoryName, f.failureCode]), [["none", "REPOSITORY_NOT_FOUND"]]);

  // ENHANCED is recorded (Berth's scanner stays basic).
  await client.send(new PutRegistryScanningConfigurationCommand({ scanType: "ENHANCED", rules: [{ scanFrequency: "CONTINUOUS_SCAN", repositoryFilters: [{ filter: "*", filterType: "WILDCARD" }] }] }));
  assert.equal((await client.send(new GetRegistryScanningConfigurationCommand({}))).scanningConfiguration?.scanType, "ENHANCED");
});

test("ListImageReferrers lists the OCI referrers of an image, filtered by artifact type, paged", async () => {
  const client = ecr(berth);
  await createRepository(berth, { repositoryName: "refs/app" });
  const oci = new Oci(berth.endpoint, await registryPassword(berth));
  const subject = await oci.pushImage("refs/app", "app");
  const subjectDesc = { mediaType: OCI_MANIFEST, digest: subject.digest, size: JSON.stringify(subject.manifest).length };
  const sbom = await oci.pushImage("refs/app", "sbom", { artifactType: "application/vnd.example.sbom", subject: subjectDesc, annotations: { kind: "sbom" } });
  const sig = await oci.pushImage("refs/app", "sig", { artifactType: "application/vnd.example.sig", subject: subjectDesc });

  const all = await client.send(new ListImageReferrersCommand({ repositoryName: "refs/app", subjectId: { imageDigest: subject.digest } }));
  assert.deepEqual(all.referrers?.map((r) => r.digest).sort(), [sbom.digest, sig.digest].sort());
  const s = all.referrers!.find((r) => r.digest === sbom.digest)!;
  assert.equal(s.mediaType, OCI_MANIFEST);
  assert.equal(s.artifactType, "application/vnd.example.sbom");
  assert.deepEqual(s.annotations, { kind: "sbom" });
  assert.equal(s.artifactStatus, "ACTIVE");
  assert.equal(s.size, JSON.stringify(sbom.manifest).length);

  const filtered = await client.send(new ListImageReferrersCommand({ repositoryName: "refs/app", subjectId: { imageDigest: subject.digest }, filter: { artifactTypes: ["application/vnd.example.sig"] } }));
  assert.deepEqual(filtered.referrers?.map((r) => r.digest), [sig.digest]);
  const page1 = await client.send(new ListImageReferrersCommand({ repositoryName: "refs/app", subjectId: { imageDigest: subject.digest }, maxResults: 1 }));
  assert.equal(page1.referrers?.length, 1);
  const page2 = await client.send(new ListImageReferrersCommand({ repositoryName: "refs/app", subjectId: { imageDigest: subject.digest }, maxResults: 1, nextToken: page1.nextToken }));
  assert.equal(page2.referrers?.length, 1);
  assert.equal(page2.nextToken, undefined);
  assert.notEqual(page1.referrers![0]!.digest, page2.referrers![0]!.digest);
  await assert.rejects(client.send(new ListImageReferrersCommand({ repositoryName: "refs/none", subjectId: { imageDigest: subject.digest } })), RepositoryNotFoundException);
});

test("account settings: defaults, Put then Get, per region; unknown names and values refused", async () => {
  const client = ecr(berth, "eu-north-1");
  assert.deepEqual(await pick(client.send(new GetAccountSettingCommand({ name: "BASIC_SCAN_TYPE_VERSION" }))), { name: "BASIC_SCAN_TYPE_VERSION", value: "AWS_NATIVE" });
  assert.deepEqual(await pick(client.send(new GetAccountSettingCommand({ name: "REGISTRY_POLICY_SCOPE" }))), { name: "REGISTRY_POLICY_SCOPE", value: "V2" });
  assert.deepEqual(await pick(client.send(new PutAccountSettingCommand({ name: "BASIC_SCAN_TYPE_VERSION", value: "CLAIR" }))), { name: "BASIC_SCAN_TYPE_VERSION", value: "CLAIR" });
  assert.deepEqual(await pick(client.send(new GetAccountSettingCommand({ name: "BASIC_SCAN_TYPE_VERSION" }))), { name: "BASIC_SCAN_TYPE_VERSION", value: "CLAIR" });
  assert.equal((await ecr(berth, "eu-south-1").send(new GetAccountSettingCommand({ name: "BASIC_SCAN_TYPE_VERSION" }))).value, "AWS_NATIVE");
  await assert.rejects(client.send(new PutAccountSettingCommand({ name: "BASIC_SCAN_TYPE_VERSION", value: "V2" })), InvalidParameterException);
  await assert.rejects(client.send(new PutAccountSettingCommand({ name: "NOPE", value: "V2" })), InvalidParameterException);
  await assert.rejects(client.send(new GetAccountSettingCommand({ name: "NOPE" })), InvalidParameterException);
  assert.equal((await client.send(new GetAccountSettingCommand({ name: "BASIC_SCAN_TYPE_VERSION" }))).value, "CLAIR");
});

const pick = async (p: Promise<{ name?: string; value?: string }>) => {
  const { name, value } = await p;
  return { name, value };
};
