import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateRepositoryCommand, DeleteRepositoryCommand, DescribeRepositoriesCommand, GetAuthorizationTokenCommand,
  InvalidParameterException, RepositoryAlreadyExistsException, RepositoryNotEmptyException, RepositoryNotFoundException,
} from "@aws-sdk/client-ecr";
import { BerthProcess } from "./harness.js";
import { ecr, Oci, registryPassword } from "./registry-kit.js";

let berth: BerthProcess;
let host: string;
before(async () => {
  berth = await BerthProcess.start();
  host = new URL(berth.endpoint).host;
});
after(async () => {
  await berth.dispose();
});

test("CreateRepository returns ECR's shape with defaults and settings; duplicates are refused", async () => {
  const before = Date.now();
  const { repository } = await ecr(berth).send(new CreateRepositoryCommand({ repositoryName: "team/web", tags: [{ Key: "team", Value: "core" }] }));
  assert.equal(repository?.repositoryArn, "arn:aws:ecr:us-east-1:000000000000:repository/team/web");
  assert.equal(repository?.registryId, "000000000000");
  assert.equal(repository?.repositoryUri, `${host}/team/web`);
  assert.equal(repository?.imageTagMutability, "MUTABLE");
  assert.deepEqual(repository?.imageScanningConfiguration, { scanOnPush: false });
  assert.deepEqual(repository?.encryptionConfiguration, { encryptionType: "AES256" });
  assert.ok(repository!.createdAt!.getTime() >= before - 1000);

  const strict = await ecr(berth).send(new CreateRepositoryCommand({
    repositoryName: "team/api", imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true },
    encryptionConfiguration: { encryptionType: "KMS", kmsKey: "arn:aws:kms:us-east-1:000000000000:key/abc" },
  }));
  assert.equal(strict.repository?.imageTagMutability, "IMMUTABLE");
  assert.deepEqual(strict.repository?.imageScanningConfiguration, { scanOnPush: true });
  assert.equal(strict.repository?.encryptionConfiguration?.encryptionType, "KMS");

  await assert.rejects(ecr(berth).send(new CreateRepositoryCommand({ repositoryName: "team/web" })), (e: unknown) => {
    assert.ok(e instanceof RepositoryAlreadyExistsException);
    assert.equal(e.message, "The repository with name 'team/web' already exists in the registry with id '000000000000'");
    return true;
  });
  await assert.rejects(ecr(berth).send(new CreateRepositoryCommand({ repositoryName: "x", imageTagMutability: "IMMUTABLE_WITH_EXCLUSION" })), InvalidParameterException);
  await assert.rejects(ecr(berth).send(new CreateRepositoryCommand({ repositoryName: "UPPER" })), InvalidParameterException);
});

test("DescribeRepositories: by name (a missing one fails the call), all with pagination, scoped by region", async () => {
  const client = ecr(berth, "ap-southeast-2");
  for (const n of ["d/c", "d/a", "d/b"]) await client.send(new CreateRepositoryCommand({ repositoryName: n }));
  const named = await client.send(new DescribeRepositoriesCommand({ repositoryNames: ["d/b"] }));
  assert.deepEqual(named.repositories?.map((r) => r.repositoryName), ["d/b"]);
  await assert.rejects(client.send(new DescribeRepositoriesCommand({ repositoryNames: ["d/a", "nope"] })), (e: unknown) => {
    assert.ok(e instanceof RepositoryNotFoundException);
    assert.equal(e.message, "The repository with name 'nope' does not exist in the registry with id '000000000000'");
    return true;
  });
  const seen: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new DescribeRepositoriesCommand({ maxResults: 2, nextToken }));
    assert.ok(page.repositories!.length <= 2);
    seen.push(...page.repositories!.map((r) => r.repositoryName!));
    nextToken = page.nextToken;
  } while (nextToken);
  assert.deepEqual(seen, ["d/a", "d/b", "d/c"]);
  const elsewhere = await ecr(berth, "ap-southeast-1").send(new DescribeRepositoriesCommand({}));
  assert.deepEqual(elsewhere.repositories, []);
});

test("DeleteRepository: RepositoryNotEmptyException unless force; then gone from ECR and the registry", async () => {
  const client = ecr(berth);
  await client.send(new CreateRepositoryCommand({ repositoryName: "del/full" }));
  const oci = new Oci(berth.endpoint, await registryPassword(berth));
  await oci.pushImage("del/full", "v1");
  await assert.rejects(client.send(new DeleteRepositoryCommand({ repositoryName: "del/full" })), RepositoryNotEmptyException);
  const { repository } = await client.send(new DeleteRepositoryCommand({ repositoryName: "del/full", force: true }));
  assert.equal(repository?.repositoryName, "del/full");
  await assert.rejects(client.send(new DescribeRepositoriesCommand({ repositoryNames: ["del/full"] })), RepositoryNotFoundException);
  assert.equal((await oci.req("GET", "/v2/del/full/tags/list")).status, 404);
  await assert.rejects(client.send(new DeleteRepositoryCommand({ repositoryName: "del/full" })), RepositoryNotFoundException);
  await client.send(new CreateRepositoryCommand({ repositoryName: "del/empty" }));
  await client.send(new DeleteRepositoryCommand({ repositoryName: "del/empty" }));
});

test("GetAuthorizationToken: base64 AWS:<token>, 12 hours, proxyEndpoint is the registry", async () => {
  const { authorizationData } = await ecr(berth).send(new GetAuthorizationTokenCommand({}));
  assert.equal(authorizationData?.length, 1);
  const [data] = authorizationData!;
  assert.match(Buffer.from(data!.authorizationToken!, "base64").toString(), /^AWS:\S+$/);
  const hours = (data!.expiresAt!.getTime() - Date.now()) / 3600_000;
  assert.ok(hours > 11.9 && hours <= 12, String(hours));
  assert.equal(data!.proxyEndpoint, `http://${host}`);
});

test("the AWS CLI: create-repository, describe-repositories, get-login-password", async () => {
  const created = await berth.aws("ecr", "create-repository", "--repository-name", "cli/web", "--image-tag-mutability", "IMMUTABLE");
  assert.equal(created.repository.repositoryUri, `${host}/cli/web`);
  const described = await berth.aws("ecr", "describe-repositories", "--repository-names", "cli/web");
  assert.equal(described.repositories[0].imageTagMutability, "IMMUTABLE");
  await berth.aws("ecr", "delete-repository", "--repository-name", "cli/web");
});

test("a fresh registry: DescribeRepositories with no names answers an empty list (SDK and AWS CLI)", async () => {
  // A region nothing in this file has touched: no repository was ever created there.
  const sdk = await ecr(berth, "eu-north-1").send(new DescribeRepositoriesCommand({}));
  assert.deepEqual(sdk.repositories, []);
  const cli = await berth.aws("ecr", "describe-repositories", "--region", "eu-north-1");
  assert.deepEqual(cli.repositories, []);
});

test("KMS without a key is the AWS managed key of the account and region, by ARN; AES256 has none", async () => {
  const client = ecr(berth, "eu-west-3");
  const kms = await client.send(new CreateRepositoryCommand({ repositoryName: "kms/a", encryptionConfiguration: { encryptionType: "KMS" } }));
  const key = kms.repository?.encryptionConfiguration?.kmsKey ?? "";
  assert.match(key, /^arn:aws:kms:eu-west-3:000000000000:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const again = await client.send(new CreateRepositoryCommand({ repositoryName: "kms/b", encryptionConfiguration: { encryptionType: "KMS" } }));
  assert.equal(again.repository?.encryptionConfiguration?.kmsKey, key, "one managed key per account and region");
  const described = await client.send(new DescribeRepositoriesCommand({ repositoryNames: ["kms/a"] }));
  assert.deepEqual(described.repositories?.[0]?.encryptionConfiguration, { encryptionType: "KMS", kmsKey: key });
  const otherRegion = await ecr(berth, "eu-west-2").send(new CreateRepositoryCommand({ repositoryName: "kms/a", encryptionConfiguration: { encryptionType: "KMS" } }));
  assert.match(otherRegion.repository!.encryptionConfiguration!.kmsKey!, /^arn:aws:kms:eu-west-2:/);
  assert.notEqual(otherRegion.repository!.encryptionConfiguration!.kmsKey, key);
  const aes = await client.send(new CreateRepositoryCommand({ repositoryName: "kms/c", encryptionConfiguration: { encryptionType: "AES256" } }));
  assert.deepEqual(aes.repository?.encryptionConfiguration, { encryptionType: "AES256" });
});

test("an enum out of range is refused in AWS's words, and nothing is created", async () => {
  const client = ecr(berth, "eu-south-1");
  await assert.rejects(client.send(new CreateRepositoryCommand({ repositoryName: "enum/x", imageTagMutability: "SOMETIMES" as never })), (e: unknown) => {
    assert.ok(e instanceof InvalidParameterException);
    assert.equal(e.message, "1 validation error detected: Value 'SOMETIMES' at 'imageTagMutability' failed to satisfy constraint: "
      + "Member must satisfy enum value set: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]");
    return true;
  });
  assert.deepEqual((await client.send(new DescribeRepositoriesCommand({}))).repositories, []);
});
