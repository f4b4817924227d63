import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import {
  SecretsManagerClient, CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, DescribeSecretCommand, ListSecretsCommand,
  ListSecretVersionIdsCommand, UpdateSecretCommand, UpdateSecretVersionStageCommand, DeleteSecretCommand, RestoreSecretCommand,
  TagResourceCommand, UntagResourceCommand, GetRandomPasswordCommand, BatchGetSecretValueCommand,
} from "@aws-sdk/client-secrets-manager";
import { BerthProcess } from "./harness.js";
import { refusal } from "./failure.js";
import { boto3Json } from "./boto3.js";

/**
 * Secrets Manager end to end: SDK v3, the AWS CLI and boto3 against a live server. Versions and
 * staging labels, deletion and restore, bad input (AWS's error, nothing stored), and values that
 * survive a restart but are never in the database file in plaintext.
 */

let berth: BerthProcess;
let sm: SecretsManagerClient;
const token = randomBytes(6).toString("hex");
const value = (what: string) => `planted-${what}-${token}`;

const client = (b: BerthProcess) => new SecretsManagerClient({ endpoint: b.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });

before(async () => {
  berth = await BerthProcess.start();
  sm = client(berth);
});
after(async () => {
  await berth?.dispose();
});

test("the issue's scenario with the AWS CLI: create-secret with a JSON string, then read it by name, ARN and partial ARN", async () => {
  const created = await berth.aws("secretsmanager", "create-secret", "--name", "db", "--secret-string", JSON.stringify({ password: value("cli") }), "--description", "the database");
  assert.match(created.ARN, /^arn:aws:secretsmanager:us-east-1:000000000000:secret:db-[A-Za-z0-9]{6}$/);
  assert.equal(created.Name, "db");
  assert.match(created.VersionId, /^[0-9a-f-]{36}$/);
  for (const id of ["db", created.ARN, "arn:aws:secretsmanager:us-east-1:000000000000:secret:db"]) {
    const got = await berth.aws("secretsmanager", "get-secret-value", "--secret-id", id);
    assert.equal(JSON.parse(got.SecretString).password, value("cli"));
    assert.deepEqual(got.VersionStages, ["AWSCURRENT"]);
    assert.equal(got.ARN, created.ARN);
  }
  const again = await refusal(berth.aws("secretsmanager", "create-secret", "--name", "db", "--secret-string", "x"));
  assert.match(again.message, /ResourceExistsException.*The operation failed because the secret db already exists\./);
});

test("versions and staging labels: PutSecretValue moves AWSCURRENT and leaves AWSPREVIOUS; UpdateSecretVersionStage moves labels", async () => {
  const { ARN, VersionId: v1 } = await sm.send(new CreateSecretCommand({ Name: "app/token", SecretString: value("v1"), Tags: [{ Key: "team", Value: "a" }] }));
  const { VersionId: v2, VersionStages } = await sm.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: value("v2") }));
  assert.deepEqual(VersionStages, ["AWSCURRENT"]);
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: "app/token" }))).SecretString, value("v2"));
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: "app/token", VersionStage: "AWSPREVIOUS" }))).SecretString, value("v1"));
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: "app/token", VersionId: v1 }))).SecretString, value("v1"));
  const pending = await sm.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: value("v3"), VersionStages: ["AWSPENDING"] }));
  let d = await sm.send(new DescribeSecretCommand({ SecretId: ARN }));
  assert.deepEqual(d.VersionIdsToStages, { [v1!]: ["AWSPREVIOUS"], [v2!]: ["AWSCURRENT"], [pending.VersionId!]: ["AWSPENDING"] });
  assert.deepEqual(d.Tags, [{ Key: "team", Value: "a" }]);
  assert.ok(d.CreatedDate instanceof Date && d.LastChangedDate instanceof Date && d.LastAccessedDate instanceof Date);

  // Moving AWSCURRENT needs RemoveFromVersionId naming its holder.
  const refused = await refusal(sm.send(new UpdateSecretVersionStageCommand({ SecretId: ARN, VersionStage: "AWSCURRENT", MoveToVersionId: pending.VersionId })));
  assert.equal(refused.name, "InvalidParameterException");
  await sm.send(new UpdateSecretVersionStageCommand({ SecretId: ARN, VersionStage: "AWSCURRENT", MoveToVersionId: pending.VersionId, RemoveFromVersionId: v2 }));
  d = await sm.send(new DescribeSecretCommand({ SecretId: ARN }));
  assert.deepEqual(d.VersionIdsToStages, { [v2!]: ["AWSPREVIOUS"], [pending.VersionId!]: ["AWSPENDING", "AWSCURRENT"] });
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: ARN }))).SecretString, value("v3"));
  // v1 lost its last label: deprecated, listed only when asked for.
  const listed = await sm.send(new ListSecretVersionIdsCommand({ SecretId: ARN }));
  assert.deepEqual(listed.Versions?.map((v) => v.VersionId).sort(), [v2, pending.VersionId].sort());
  const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: ARN, IncludeDeprecated: true }));
  assert.equal(all.Versions?.length, 3);

  // A ClientRequestToken is the version id: the same request again changes nothing; another value under it is refused.
  const tokenId = "11111111-2222-3333-4444-555555555555";
  const first = await sm.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: value("v4"), ClientRequestToken: tokenId }));
  const repeat = await sm.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: value("v4"), ClientRequestToken: tokenId }));
  assert.equal(first.VersionId, tokenId);
  assert.equal(repeat.VersionId, tokenId);
  const changed = await refusal(sm.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: value("other"), ClientRequestToken: tokenId })));
  assert.equal(changed.name, "ResourceExistsException");
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: ARN }))).SecretString, value("v4"));

  const missing = await refusal(sm.send(new GetSecretValueCommand({ SecretId: ARN, VersionStage: "NOPE" })));
  assert.deepEqual(missing, { name: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret value for staging label: NOPE" });
});

test("UpdateSecret, tags, binary secrets, ListSecrets with filters and paging, BatchGetSecretValue", async () => {
  await sm.send(new CreateSecretCommand({ Name: "bin", SecretBinary: Buffer.from([0, 1, 2, 255]), KmsKeyId: "alias/mine" }));
  const bin = await sm.send(new GetSecretValueCommand({ SecretId: "bin" }));
  assert.deepEqual([...bin.SecretBinary!], [0, 1, 2, 255]);
  assert.equal(bin.SecretString, undefined);
  const upd = await sm.send(new UpdateSecretCommand({ SecretId: "bin", Description: "binary one", SecretString: value("now-text") }));
  assert.ok(upd.VersionId);
  const d = await sm.send(new DescribeSecretCommand({ SecretId: "bin" }));
  assert.equal(d.Description, "binary one");
  assert.equal(d.KmsKeyId, "alias/mine");
  await sm.send(new TagResourceCommand({ SecretId: "bin", Tags: [{ Key: "env", Value: "prod" }, { Key: "x", Value: "y" }] }));
  await sm.send(new UntagResourceCommand({ SecretId: "bin", TagKeys: ["x"] }));
  assert.deepEqual((await sm.send(new DescribeSecretCommand({ SecretId: "bin" }))).Tags, [{ Key: "env", Value: "prod" }]);

  const byTag = await sm.send(new ListSecretsCommand({ Filters: [{ Key: "tag-value", Values: ["prod"] }] }));
  assert.deepEqual(byTag.SecretList?.map((s) => s.Name), ["bin"]);
  const byName = await sm.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: ["app/"] }] }));
  assert.deepEqual(byName.SecretList?.map((s) => s.Name), ["app/token"]);
  const notApp = await sm.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: ["!app/"] }] }));
  assert.ok(!notApp.SecretList?.some((s) => s.Name === "app/token") && notApp.SecretList!.length >= 2);
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const p = await sm.send(new ListSecretsCommand({ MaxResults: 1, NextToken, SortBy: "name" }));
    assert.ok((p.SecretList?.length ?? 0) <= 1);
    names.push(...(p.SecretList ?? []).map((s) => s.Name!));
    NextToken = p.NextToken;
  } while (NextToken);
  assert.deepEqual(names, [...names].sort());
  assert.ok(names.includes("db") && names.includes("bin") && names.includes("app/token"));
  const bad = await refusal(sm.send(new ListSecretsCommand({ NextToken: "garbage!" })));
  assert.equal(bad.name, "InvalidNextTokenException");

  const batch = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: ["bin", "nope"] }));
  assert.deepEqual(batch.SecretValues?.map((v) => v.SecretString), [value("now-text")]);
  assert.deepEqual(batch.Errors?.map((e) => [e.SecretId, e.ErrorCode]), [["nope", "ResourceNotFoundException"]]);
});

test("deletion with a recovery window, access refused meanwhile, restore; forced deletion frees the name", async () => {
  const { ARN } = await sm.send(new CreateSecretCommand({ Name: "temp", SecretString: value("temp") }));
  const tooShort = await refusal(sm.send(new DeleteSecretCommand({ SecretId: "temp", RecoveryWindowInDays: 3 })));
  assert.equal(tooShort.name, "InvalidParameterException");
  const both = await refusal(sm.send(new DeleteSecretCommand({ SecretId: "temp", RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })));
  assert.equal(both.name, "InvalidParameterException");
  const del = await sm.send(new DeleteSecretCommand({ SecretId: "temp", RecoveryWindowInDays: 7 }));
  assert.equal(del.ARN, ARN);
  const days = (del.DeletionDate!.getTime() - Date.now()) / 86_400_000;
  assert.ok(days > 6.9 && days <= 7, String(days));
  assert.deepEqual(await refusal(sm.send(new GetSecretValueCommand({ SecretId: "temp" }))), {
    name: "InvalidRequestException", message: "You can't perform this operation on the secret because it was marked for deletion.",
  });
  assert.equal((await refusal(sm.send(new PutSecretValueCommand({ SecretId: "temp", SecretString: "x" })))).name, "InvalidRequestException");
  assert.ok((await sm.send(new DescribeSecretCommand({ SecretId: "temp" }))).DeletedDate instanceof Date);
  assert.ok(!(await sm.send(new ListSecretsCommand({}))).SecretList?.some((s) => s.Name === "temp"));
  assert.ok((await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: true }))).SecretList?.some((s) => s.Name === "temp"));
  assert.equal((await refusal(sm.send(new CreateSecretCommand({ Name: "temp", SecretString: "x" })))).name, "InvalidRequestException");

  await sm.send(new RestoreSecretCommand({ SecretId: "temp" }));
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: "temp" }))).SecretString, value("temp"));
  assert.equal((await sm.send(new DescribeSecretCommand({ SecretId: "temp" }))).DeletedDate, undefined);

  await sm.send(new DeleteSecretCommand({ SecretId: "temp", ForceDeleteWithoutRecovery: true }));
  assert.equal((await refusal(sm.send(new DescribeSecretCommand({ SecretId: "temp" })))).name, "ResourceNotFoundException");
  const again = await sm.send(new CreateSecretCommand({ Name: "temp", SecretString: "x" }));
  assert.notEqual(again.ARN, ARN, "a secret made again gets another suffix");
});

test("bad input gets AWS's error and stores nothing", async () => {
  const before = (await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: true }))).SecretList?.length;
  assert.equal((await refusal(sm.send(new CreateSecretCommand({ Name: "bad name!", SecretString: "x" })))).name, "InvalidParameterException");
  assert.deepEqual(await refusal(sm.send(new CreateSecretCommand({ Name: "both", SecretString: "x", SecretBinary: Buffer.from("y") }))), {
    name: "InvalidParameterException", message: "You can't specify both a binary secret value and a string secret value in the same secret.",
  });
  const long = await refusal(sm.send(new CreateSecretCommand({ Name: "x".repeat(513), SecretString: "x" })));
  assert.equal(long.name, "ValidationException");
  // A value too long is refused without being quoted back.
  const huge = await refusal(sm.send(new CreateSecretCommand({ Name: "huge", SecretString: value("huge").repeat(5000) })));
  assert.equal(huge.name, "ValidationException");
  assert.ok(!huge.message.includes(token));
  assert.equal((await refusal(sm.send(new GetSecretValueCommand({ SecretId: "never" })))).name, "ResourceNotFoundException");
  assert.equal((await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: true }))).SecretList?.length, before);
});

test("GetRandomPassword honours its options, with boto3 too", async () => {
  const p = (await sm.send(new GetRandomPasswordCommand({ PasswordLength: 40, ExcludePunctuation: true }))).RandomPassword!;
  assert.match(p, /^[A-Za-z0-9]{40}$/);
  assert.match(p, /[a-z]/);
  assert.match(p, /[A-Z]/);
  assert.match(p, /[0-9]/);
  const digits = (await sm.send(new GetRandomPasswordCommand({ PasswordLength: 12, ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true }))).RandomPassword!;
  assert.match(digits, /^[0-9]{12}$/);
  assert.equal((await refusal(sm.send(new GetRandomPasswordCommand({ PasswordLength: 0 })))).name, "ValidationException");

  const out = await boto3Json<{ password: string; value: string; stages: string[] }>(`
import json, sys, boto3
sm = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
sm.create_secret(Name="from-boto3", SecretString=sys.argv[2])
v = sm.get_secret_value(SecretId="from-boto3")
print(json.dumps({"password": sm.get_random_password(PasswordLength=20)["RandomPassword"], "value": v["SecretString"], "stages": v["VersionStages"]}))
`, berth.endpoint, value("boto3"));
  assert.equal(out.password.length, 20);
  assert.equal(out.value, value("boto3"));
  assert.deepEqual(out.stages, ["AWSCURRENT"]);
});

test("values survive a restart and are never in the data directory's database in plaintext", async () => {
  const files = readdirSync(berth.dataDir).filter((f) => f.startsWith("berth.sqlite"));
  assert.ok(files.length > 0);
  await berth.stop();
  for (const f of readdirSync(berth.dataDir).filter((n) => n.startsWith("berth.sqlite"))) {
    const bytes = readFileSync(join(berth.dataDir, f));
    assert.ok(!bytes.includes(token), `${f} holds a planted value in plaintext`);
  }
  assert.ok(readFileSync(join(berth.dataDir, "berth.sqlite")).includes("app/token"), "the secrets are in the database (so the grep above could fail)");
  const restarted = await BerthProcess.start({ dataDir: berth.dataDir });
  try {
    const again = client(restarted);
    assert.equal((await again.send(new GetSecretValueCommand({ SecretId: "app/token" }))).SecretString, value("v4"));
    assert.equal((await again.send(new GetSecretValueCommand({ SecretId: "app/token", VersionStage: "AWSPENDING" }))).SecretString, value("v3"));
    assert.equal(JSON.parse((await again.send(new GetSecretValueCommand({ SecretId: "db" }))).SecretString!).password, value("cli"));
    const leaks = [...berth.output, ...restarted.output].filter((l) => l.includes(token));
    assert.deepEqual(leaks, [], "planted values in the server's log");
  } finally {
    await restarted.dispose();
  }
});
