import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateRepositoryCreationTemplateCommand, DeleteRegistryPolicyCommand, DeleteRepositoryCreationTemplateCommand, DescribeImageReplicationStatusCommand,
  DescribeImagesCommand, DescribeRegistryCommand, DescribeRepositoriesCommand, DescribeRepositoryCreationTemplatesCommand, GetLifecyclePolicyCommand,
  GetRegistryPolicyCommand, InvalidParameterException, ListTagsForResourceCommand, PutRegistryPolicyCommand, PutReplicationConfigurationCommand,
  RegistryPolicyNotFoundException, TemplateAlreadyExistsException, TemplateNotFoundException, UpdateRepositoryCreationTemplateCommand,
} from "@aws-sdk/client-ecr";
import { BerthProcess } from "./harness.js";
import { createRepository, ecr, Oci, registryPassword } from "./registry-kit.js";

let berth: BerthProcess;
before(async () => {
  berth = await BerthProcess.start();
});
after(async () => {
  await berth.dispose();
});

const ACCOUNT = "000000000000";
const OTHER = "111122223333";

/** Polls until `check` returns a value (replication is asynchronous, as on ECR). */
async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

test("registry policy: Put validates and returns the policy, Get returns it, Delete removes it; RegistryPolicyNotFoundException otherwise", async () => {
  const client = ecr(berth, "eu-central-1");
  await assert.rejects(client.send(new GetRegistryPolicyCommand({})), (e: unknown) => {
    assert.ok(e instanceof RegistryPolicyNotFoundException);
    assert.equal(e.message, `Registry policy does not exist in the registry with id '${ACCOUNT}'`);
    return true;
  });
  await assert.rejects(client.send(new DeleteRegistryPolicyCommand({})), RegistryPolicyNotFoundException);
  for (const bad of ["not json", "{}", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Maybe", Principal: "*", Action: "ecr:*" }] })]) {
    await assert.rejects(client.send(new PutRegistryPolicyCommand({ policyText: bad })), (e: unknown) => {
      assert.ok(e instanceof InvalidParameterException);
      assert.equal(e.message, "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid registry policy provided'");
      return true;
    });
  }
  await assert.rejects(client.send(new GetRegistryPolicyCommand({})), RegistryPolicyNotFoundException);

  const policy = {
    Version: "2012-10-17",
    Statement: [{
      Sid: "ReplicationAccess", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
      Action: ["ecr:CreateRepository", "ecr:ReplicateImage"], Resource: `arn:aws:ecr:eu-central-1:${ACCOUNT}:repository/*`,
    }],
  };
  const put = await client.send(new PutRegistryPolicyCommand({ policyText: JSON.stringify(policy) }));
  assert.equal(put.registryId, ACCOUNT);
  assert.deepEqual(JSON.parse(put.policyText!), policy);
  const got = await client.send(new GetRegistryPolicyCommand({}));
  assert.equal(got.policyText, put.policyText);
  // Per region: another region of the account has none.
  await assert.rejects(ecr(berth, "eu-west-3").send(new GetRegistryPolicyCommand({})), RegistryPolicyNotFoundException);
  const deleted = await client.send(new DeleteRegistryPolicyCommand({}));
  assert.equal(deleted.policyText, put.policyText);
  await assert.rejects(client.send(new GetRegistryPolicyCommand({})), RegistryPolicyNotFoundException);
});

test("repository creation templates: create, describe, update, delete with ECR's errors", async () => {
  const client = ecr(berth, "ca-central-1");
  const created = await client.send(new CreateRepositoryCreationTemplateCommand({
    prefix: "team/", appliedFor: ["REPLICATION"], description: "team repos", imageTagMutability: "IMMUTABLE", resourceTags: [{ Key: "team", Value: "core" }],
  }));
  assert.equal(created.registryId, ACCOUNT);
  assert.equal(created.repositoryCreationTemplate?.prefix, "team");
  assert.deepEqual(created.repositoryCreationTemplate?.appliedFor, ["REPLICATION"]);
  assert.equal(created.repositoryCreationTemplate?.imageTagMutability, "IMMUTABLE");
  assert.deepEqual(created.repositoryCreationTemplate?.encryptionConfiguration, { encryptionType: "AES256" });
  assert.ok(created.repositoryCreationTemplate?.createdAt instanceof Date);

  await assert.rejects(client.send(new CreateRepositoryCreationTemplateCommand({ prefix: "team", appliedFor: ["CREATE_ON_PUSH"] })), TemplateAlreadyExistsException);
  await assert.rejects(client.send(new CreateRepositoryCreationTemplateCommand({ prefix: "x", appliedFor: ["REPLICATION"], lifecyclePolicy: "{" })), InvalidParameterException);
  await assert.rejects(client.send(new CreateRepositoryCreationTemplateCommand({ prefix: "y", appliedFor: ["REPLICATION"], repositoryPolicy: "{}" })), InvalidParameterException);
  await assert.rejects(client.send(new CreateRepositoryCreationTemplateCommand({ prefix: "Bad Prefix", appliedFor: ["REPLICATION"] })), InvalidParameterException);
  await client.send(new CreateRepositoryCreationTemplateCommand({ prefix: "ROOT", appliedFor: ["PULL_THROUGH_CACHE"] }));

  const all = await client.send(new DescribeRepositoryCreationTemplatesCommand({}));
  assert.deepEqual(all.repositoryCreationTemplates?.map((t) => t.prefix), ["ROOT", "team"]);
  const one = await client.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: ["team"] }));
  assert.equal(one.repositoryCreationTemplates?.[0]?.description, "team repos");

  const updated = await client.send(new UpdateRepositoryCreationTemplateCommand({ prefix: "team", imageTagMutability: "MUTABLE", appliedFor: ["REPLICATION", "CREATE_ON_PUSH"] }));
  assert.equal(updated.repositoryCreationTemplate?.imageTagMutability, "MUTABLE");
  assert.equal(updated.repositoryCreationTemplate?.description, "team repos");
  assert.deepEqual(updated.repositoryCreationTemplate?.appliedFor, ["REPLICATION", "CREATE_ON_PUSH"]);
  await assert.rejects(client.send(new UpdateRepositoryCreationTemplateCommand({ prefix: "nope" })), TemplateNotFoundException);

  const gone = await client.send(new DeleteRepositoryCreationTemplateCommand({ prefix: "team" }));
  assert.equal(gone.repositoryCreationTemplate?.prefix, "team");
  await assert.rejects(client.send(new DeleteRepositoryCreationTemplateCommand({ prefix: "team" })), (e: unknown) => {
    assert.ok(e instanceof TemplateNotFoundException);
    return true;
  });
  assert.deepEqual((await client.send(new DescribeRepositoryCreationTemplatesCommand({}))).repositoryCreationTemplates?.map((t) => t.prefix), ["ROOT"]);
});

test("PutReplicationConfiguration: stored and shown by DescribeRegistry; a rule naming the source registry is refused", async () => {
  const client = ecr(berth, "sa-east-1");
  assert.deepEqual((await client.send(new DescribeRegistryCommand({}))).replicationConfiguration, { rules: [] });
  await assert.rejects(
    client.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules: [{ destinations: [{ region: "sa-east-1", registryId: ACCOUNT }] }] } })),
    InvalidParameterException,
  );
  await assert.rejects(
    client.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules: [{ destinations: [{ region: "us-west-2", registryId: "12" }] }] } })),
    InvalidParameterException,
  );
  assert.deepEqual((await client.send(new DescribeRegistryCommand({}))).replicationConfiguration, { rules: [] });
  const config = { rules: [{ destinations: [{ region: "us-west-2", registryId: ACCOUNT }], repositoryFilters: [{ filter: "prod", filterType: "PREFIX_MATCH" as const }] }] };
  const put = await client.send(new PutReplicationConfigurationCommand({ replicationConfiguration: config }));
  assert.deepEqual(put.replicationConfiguration, config);
  const described = await client.send(new DescribeRegistryCommand({}));
  assert.equal(described.registryId, ACCOUNT);
  assert.deepEqual(described.replicationConfiguration, config);
});

test("replication copies pushed images to other regions and accounts, creating repositories from the REPLICATION template", async () => {
  const source = ecr(berth);
  // The destination account's template for replicated repositories.
  await ecr(berth, "eu-west-1", OTHER).send(new CreateRepositoryCreationTemplateCommand({
    prefix: "prod", appliedFor: ["REPLICATION"], imageTagMutability: "IMMUTABLE", resourceTags: [{ Key: "replica", Value: "yes" }],
    lifecyclePolicy: JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 5 }, action: { type: "expire" } }] }),
  }));
  await source.send(new PutReplicationConfigurationCommand({
    replicationConfiguration: {
      rules: [{
        destinations: [{ region: "eu-west-1", registryId: ACCOUNT }, { region: "eu-west-1", registryId: OTHER }],
        repositoryFilters: [{ filter: "prod", filterType: "PREFIX_MATCH" }],
      }],
    },
  }));
  await createRepository(berth, { repositoryName: "prod/web" });
  await createRepository(berth, { repositoryName: "dev/web" });
  const oci = new Oci(berth.endpoint, await registryPassword(berth));
  const { digest, manifest } = await oci.pushImage("prod/web", "v1");
  await oci.pushImage("dev/web", "v1");

  // Same account, other region: the repository appears with ECR's defaults, holding the image.
  const eu = ecr(berth, "eu-west-1");
  const images = await eventually(async () => {
    const r = await eu.send(new DescribeImagesCommand({ repositoryName: "prod/web" })).catch(() => undefined);
    return r?.imageDetails?.length ? r.imageDetails : undefined;
  }, "the replica in eu-west-1");
  assert.equal(images[0]!.imageDigest, digest);
  assert.deepEqual(images[0]!.imageTags, ["v1"]);
  const repo = (await eu.send(new DescribeRepositoriesCommand({ repositoryNames: ["prod/web"] }))).repositories![0]!;
  assert.equal(repo.imageTagMutability, "MUTABLE");
  assert.equal(repo.repositoryArn, `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/prod/web`);
  // Pullable there through /v2: the manifest and its blobs.
  const euOci = new Oci(berth.endpoint, await registryPassword(berth, "eu-west-1"));
  const pulled = await euOci.req("GET", "/v2/prod/web/manifests/v1", { headers: { accept: "application/vnd.oci.image.manifest.v1+json" } });
  assert.equal(pulled.status, 200);
  assert.equal(pulled.headers.get("docker-content-digest"), digest);
  const layer = await euOci.req("GET", `/v2/prod/web/blobs/${manifest.layers[0].digest}`);
  assert.equal(layer.status, 200);

  // Other account: created from its REPLICATION template (mutability, tags, lifecycle policy).
  const other = ecr(berth, "eu-west-1", OTHER);
  const otherRepo = await eventually(async () => {
    const r = await other.send(new DescribeRepositoriesCommand({ repositoryNames: ["prod/web"] })).catch(() => undefined);
    return r?.repositories?.[0];
  }, "the replica in the other account");
  assert.equal(otherRepo.imageTagMutability, "IMMUTABLE");
  const tags = await other.send(new ListTagsForResourceCommand({ resourceArn: otherRepo.repositoryArn }));
  assert.deepEqual(tags.tags, [{ Key: "replica", Value: "yes" }]);
  const lifecycle = await other.send(new GetLifecyclePolicyCommand({ repositoryName: "prod/web" }));
  assert.equal(JSON.parse(lifecycle.lifecyclePolicyText!).rules[0].selection.countNumber, 5);

  // The filter keeps dev/web home.
  const status = await eventually(async () => {
    const r = await source.send(new DescribeImageReplicationStatusCommand({ repositoryName: "prod/web", imageId: { imageTag: "v1" } }));
    return r.replicationStatuses?.every((s) => s.status === "COMPLETE") ? r : undefined;
  }, "COMPLETE replication statuses");
  assert.equal(status.imageId?.imageDigest, digest);
  assert.deepEqual(status.replicationStatuses?.map((s) => `${s.registryId}/${s.region}`).sort(), [`${ACCOUNT}/eu-west-1`, `${OTHER}/eu-west-1`]);
  const devStatus = await source.send(new DescribeImageReplicationStatusCommand({ repositoryName: "dev/web", imageId: { imageTag: "v1" } }));
  assert.deepEqual(devStatus.replicationStatuses, []);
  await assert.rejects(eu.send(new DescribeRepositoriesCommand({ repositoryNames: ["dev/web"] })), (e: unknown) => (e as Error).name === "RepositoryNotFoundException");

  // A replica is not replicated again, even where the destination has rules of its own.
  await eu.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules: [{ destinations: [{ region: "ap-south-1", registryId: ACCOUNT }] }] } }));
  await oci.pushImage("prod/web", "v2");
  await eventually(async () => {
    const r = await eu.send(new DescribeImagesCommand({ repositoryName: "prod/web", imageIds: [{ imageTag: "v2" }] })).catch(() => undefined);
    return r?.imageDetails?.[0];
  }, "v2 in eu-west-1");
  await assert.rejects(ecr(berth, "ap-south-1").send(new DescribeRepositoriesCommand({ repositoryNames: ["prod/web"] })), (e: unknown) => (e as Error).name === "RepositoryNotFoundException");
});

test("create on push: a push to a missing repository creates it from a CREATE_ON_PUSH template; without one it fails", async () => {
  const client = ecr(berth, "us-west-1");
  await client.send(new CreateRepositoryCreationTemplateCommand({ prefix: "auto", appliedFor: ["CREATE_ON_PUSH"], imageTagMutability: "IMMUTABLE", resourceTags: [{ Key: "made", Value: "on-push" }] }));
  const oci = new Oci(berth.endpoint, await registryPassword(berth, "us-west-1"));
  const refused = await oci.req("POST", "/v2/manual/app/blobs/uploads/");
  assert.equal(refused.status, 404);
  assert.equal(refused.json().errors[0].code, "NAME_UNKNOWN");

  const { digest } = await oci.pushImage("auto/app", "v1");
  const repo = (await client.send(new DescribeRepositoriesCommand({ repositoryNames: ["auto/app"] }))).repositories![0]!;
  assert.equal(repo.imageTagMutability, "IMMUTABLE");
  assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: repo.repositoryArn }))).tags, [{ Key: "made", Value: "on-push" }]);
  assert.equal((await client.send(new DescribeImagesCommand({ repositoryName: "auto/app" }))).imageDetails?.[0]?.imageDigest, digest);
});

test("DescribeImageReplicationStatus is FAILED when the destination refuses the copy (an immutable tag there)", async () => {
  const source = ecr(berth, "ap-northeast-1");
  await source.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules: [{ destinations: [{ region: "ap-northeast-2", registryId: ACCOUNT }] }] } }));
  await createRepository(berth, { repositoryName: "locked/app", imageTagMutability: "IMMUTABLE" }, "ap-northeast-2");
  const dest = new Oci(berth.endpoint, await registryPassword(berth, "ap-northeast-2"));
  const theirs = await dest.pushImage("locked/app", "v1");
  await createRepository(berth, { repositoryName: "locked/app" }, "ap-northeast-1");
  const oci = new Oci(berth.endpoint, await registryPassword(berth, "ap-northeast-1"));
  await oci.pushImage("locked/app", "v1");

  const failed = await eventually(async () => {
    const r = await source.send(new DescribeImageReplicationStatusCommand({ repositoryName: "locked/app", imageId: { imageTag: "v1" } }));
    return r.replicationStatuses?.[0]?.status === "IN_PROGRESS" ? undefined : r.replicationStatuses![0]!;
  }, "the replication to finish");
  assert.equal(failed.status, "FAILED");
  assert.equal(failed.region, "ap-northeast-2");
  assert.ok(failed.failureCode);
  // The destination's image is untouched.
  const there = await ecr(berth, "ap-northeast-2").send(new DescribeImagesCommand({ repositoryName: "locked/app", imageIds: [{ imageTag: "v1" }] }));
  assert.equal(there.imageDetails?.[0]?.imageDigest, theirs.digest);
});
