import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  SSMClient, PutParameterCommand, GetParameterCommand, GetParametersCommand, GetParametersByPathCommand, GetParameterHistoryCommand,
  DeleteParameterCommand, DeleteParametersCommand, LabelParameterVersionCommand, DescribeParametersCommand,
  AddTagsToResourceCommand, ListTagsForResourceCommand, RemoveTagsFromResourceCommand,
} from "@aws-sdk/client-ssm";
import { BerthProcess } from "./harness.js";
import { refusal } from "./failure.js";
import { boto3Json } from "./boto3.js";

/**
 * Parameter Store end to end with SDK v3, the AWS CLI and boto3: types, versions, selectors,
 * labels, paths, history, tags, deletion and bad input (AWS's error, nothing stored).
 */

let berth: BerthProcess;
let ssm: SSMClient;
const token = randomBytes(6).toString("hex");
const value = (what: string) => `planted-${what}-${token}`;

before(async () => {
  berth = await BerthProcess.start();
  ssm = new SSMClient({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
});
after(async () => {
  await berth?.dispose();
});

test("the issue's scenario with the AWS CLI: a SecureString is ciphertext unless decrypted", async () => {
  assert.deepEqual(await berth.aws("ssm", "put-parameter", "--name", "/app/api-key", "--type", "SecureString", "--value", value("k3y")), { Version: 1, Tier: "Standard" });
  const hidden = await berth.aws("ssm", "get-parameter", "--name", "/app/api-key");
  assert.equal(hidden.Parameter.Type, "SecureString");
  assert.ok(!hidden.Parameter.Value.includes(token));
  const shown = await berth.aws("ssm", "get-parameter", "--name", "/app/api-key", "--with-decryption");
  assert.equal(shown.Parameter.Value, value("k3y"));
  assert.equal(shown.Parameter.ARN, "arn:aws:ssm:us-east-1:000000000000:parameter/app/api-key");
  assert.equal(shown.Parameter.Version, 1);
  assert.equal(shown.Parameter.DataType, "text");
  const exists = await refusal(berth.aws("ssm", "put-parameter", "--name", "/app/api-key", "--type", "SecureString", "--value", "x"));
  assert.match(exists.message, /ParameterAlreadyExists.*The parameter already exists\. To overwrite this value, set the overwrite option in the request to true\./);
});

test("versions, name:version and name:label selectors, labels that move, history", async () => {
  await ssm.send(new PutParameterCommand({ Name: "/svc/url", Value: "http://one", Type: "String", Description: "first" }));
  const v2 = await ssm.send(new PutParameterCommand({ Name: "/svc/url", Value: "http://two", Overwrite: true }));
  assert.equal(v2.Version, 2);
  assert.equal((await ssm.send(new GetParameterCommand({ Name: "/svc/url" }))).Parameter?.Value, "http://two");
  const old = (await ssm.send(new GetParameterCommand({ Name: "/svc/url:1" }))).Parameter!;
  assert.equal(old.Value, "http://one");
  assert.equal(old.Selector, ":1");
  assert.deepEqual(await refusal(ssm.send(new GetParameterCommand({ Name: "/svc/url:9" }))), {
    name: "ParameterVersionNotFound", message: "Systems Manager could not find version 9 of /svc/url. Verify the version and try again.",
  });
  const labelled = await ssm.send(new LabelParameterVersionCommand({ Name: "/svc/url", ParameterVersion: 1, Labels: ["stable", "9bad", "awsy"] }));
  assert.deepEqual(labelled.InvalidLabels, ["9bad", "awsy"]);
  assert.equal((await ssm.send(new GetParameterCommand({ Name: "/svc/url:stable" }))).Parameter?.Value, "http://one");
  await ssm.send(new LabelParameterVersionCommand({ Name: "/svc/url", Labels: ["stable"] }));
  assert.equal((await ssm.send(new GetParameterCommand({ Name: "/svc/url:stable" }))).Parameter?.Value, "http://two");
  const history = await ssm.send(new GetParameterHistoryCommand({ Name: "/svc/url" }));
  assert.deepEqual(history.Parameters?.map((p) => [p.Version, p.Value, p.Labels, p.Description]), [[1, "http://one", [], "first"], [2, "http://two", ["stable"], "first"]]);
  assert.equal(history.Parameters?.[0]?.LastModifiedUser, "arn:aws:iam::000000000000:root");

  const many = await ssm.send(new GetParametersCommand({ Names: ["/svc/url", "/app/api-key", "/nope", "arn:aws:ssm:us-east-1:000000000000:parameter/svc/url"], WithDecryption: true }));
  assert.deepEqual(many.Parameters?.map((p) => p.Value), ["http://two", value("k3y"), "http://two"]);
  assert.deepEqual(many.InvalidParameters, ["/nope"]);
  assert.equal((await refusal(ssm.send(new GetParameterCommand({ Name: "/nope" })))).name, "ParameterNotFound");
});

test("StringList, GetParametersByPath (recursive, filters, paging) and DescribeParameters", async () => {
  await ssm.send(new PutParameterCommand({ Name: "/tree/a", Value: "x,y,z", Type: "StringList" }));
  await ssm.send(new PutParameterCommand({ Name: "/tree/b", Value: value("b"), Type: "SecureString", KeyId: "alias/mine" }));
  await ssm.send(new PutParameterCommand({ Name: "/tree/deep/c", Value: "c" }));
  await ssm.send(new PutParameterCommand({ Name: "/treeish", Value: "not under /tree" }));
  const oneLevel = await ssm.send(new GetParametersByPathCommand({ Path: "/tree" }));
  assert.deepEqual(oneLevel.Parameters?.map((p) => p.Name), ["/tree/a", "/tree/b"]);
  assert.equal(oneLevel.Parameters?.[0]?.Value, "x,y,z");
  assert.ok(!oneLevel.Parameters?.[1]?.Value?.includes(token));
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const p = await ssm.send(new GetParametersByPathCommand({ Path: "/tree/", Recursive: true, WithDecryption: true, MaxResults: 1, NextToken }));
    names.push(...(p.Parameters ?? []).map((x) => x.Name!));
    NextToken = p.NextToken;
  } while (NextToken);
  assert.deepEqual(names, ["/tree/a", "/tree/b", "/tree/deep/c"]);
  const secure = await ssm.send(new GetParametersByPathCommand({ Path: "/tree", Recursive: true, WithDecryption: true, ParameterFilters: [{ Key: "Type", Values: ["SecureString"] }] }));
  assert.deepEqual(secure.Parameters?.map((p) => p.Value), [value("b")]);
  assert.equal((await refusal(ssm.send(new GetParametersByPathCommand({ Path: "tree" })))).name, "ValidationException");

  const described = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: "Path", Option: "Recursive", Values: ["/tree"] }, { Key: "Type", Values: ["SecureString"] }] }));
  assert.deepEqual(described.Parameters?.map((p) => [p.Name, p.KeyId, p.Tier]), [["/tree/b", "alias/mine", "Standard"]]);
  const byName = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: "Name", Option: "BeginsWith", Values: ["/tree"] }] }));
  assert.deepEqual(byName.Parameters?.map((p) => p.Name), ["/tree/a", "/tree/b", "/tree/deep/c", "/treeish"]);
});

test("tags on parameters, deletion, and boto3", async () => {
  await ssm.send(new PutParameterCommand({ Name: "/tagged", Value: "v", Tags: [{ Key: "env", Value: "prod" }] }));
  await ssm.send(new AddTagsToResourceCommand({ ResourceType: "Parameter", ResourceId: "/tagged", Tags: [{ Key: "team", Value: "a" }] }));
  await ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: "Parameter", ResourceId: "/tagged", TagKeys: ["env"] }));
  assert.deepEqual((await ssm.send(new ListTagsForResourceCommand({ ResourceType: "Parameter", ResourceId: "/tagged" }))).TagList, [{ Key: "team", Value: "a" }]);
  const byTag = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: "tag:team", Values: ["a"] }] }));
  assert.deepEqual(byTag.Parameters?.map((p) => p.Name), ["/tagged"]);
  assert.equal((await refusal(ssm.send(new ListTagsForResourceCommand({ ResourceType: "Parameter", ResourceId: "/none" })))).name, "InvalidResourceId");
  const both = await refusal(ssm.send(new PutParameterCommand({ Name: "/tagged", Value: "w", Overwrite: true, Tags: [{ Key: "a", Value: "b" }] })));
  assert.equal(both.name, "ValidationException");
  assert.equal((await ssm.send(new GetParameterCommand({ Name: "/tagged" }))).Parameter?.Version, 1);

  await ssm.send(new DeleteParameterCommand({ Name: "/tagged" }));
  assert.equal((await refusal(ssm.send(new GetParameterCommand({ Name: "/tagged" })))).name, "ParameterNotFound");
  assert.equal((await refusal(ssm.send(new DeleteParameterCommand({ Name: "/tagged" })))).name, "ParameterNotFound");
  await ssm.send(new PutParameterCommand({ Name: "/tagged", Value: "again" }));
  assert.deepEqual((await ssm.send(new ListTagsForResourceCommand({ ResourceType: "Parameter", ResourceId: "/tagged" }))).TagList, [], "a deleted parameter's tags went with it");
  const dels = await ssm.send(new DeleteParametersCommand({ Names: ["/tagged", "/ghost"] }));
  assert.deepEqual([dels.DeletedParameters, dels.InvalidParameters], [["/tagged"], ["/ghost"]]);

  const out = await boto3Json<{ version: number; value: string }>(`
import json, sys, boto3
ssm = boto3.client("ssm", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
v = ssm.put_parameter(Name="/boto3/p", Value=sys.argv[2], Type="SecureString")["Version"]
print(json.dumps({"version": v, "value": ssm.get_parameter(Name="/boto3/p", WithDecryption=True)["Parameter"]["Value"]}))
`, berth.endpoint, value("boto3"));
  assert.deepEqual(out, { version: 1, value: value("boto3") });
});

test("bad input gets AWS's error and stores nothing", async () => {
  const count = async () => (await ssm.send(new DescribeParametersCommand({ MaxResults: 50 }))).Parameters?.length;
  const before = await count();
  const cases: Array<[string, () => Promise<unknown>]> = [
    ["ValidationException", () => ssm.send(new PutParameterCommand({ Name: "aws-reserved", Value: "x" }))],
    ["ValidationException", () => ssm.send(new PutParameterCommand({ Name: "no/leading/slash", Value: "x" }))],
    ["ValidationException", () => ssm.send(new PutParameterCommand({ Name: "/bad chars", Value: "x" }))],
    ["ValidationException", () => ssm.send(new PutParameterCommand({ Name: "/empty", Value: "" }))],
    ["ValidationException", () => ssm.send(new PutParameterCommand({ Name: "/big", Value: "x".repeat(4097) }))],
    ["ValidationException", () => ssm.send(new PutParameterCommand({ Name: "/type", Value: "x", Type: "Number" as never }))],
    ["ValidationException", () => ssm.send(new PutParameterCommand({ Name: "/key", Value: "x", Type: "String", KeyId: "alias/k" }))],
    ["ParameterPatternMismatchException", () => ssm.send(new PutParameterCommand({ Name: "/pat", Value: value("pattern"), AllowedPattern: "^[0-9]+$" }))],
    ["HierarchyLevelLimitExceededException", () => ssm.send(new PutParameterCommand({ Name: "/a".repeat(16), Value: "x" }))],
  ];
  // One call at a time: a rejection nobody awaits yet would be an unhandled rejection.
  for (const [name, call] of cases) {
    const f = await refusal(call());
    assert.equal(f.name, name, f.message);
    assert.ok(!f.message.includes(token), f.message);
  }
  assert.equal(await count(), before);
  const advanced = await ssm.send(new PutParameterCommand({ Name: "/big", Value: "x".repeat(5000), Tier: "Advanced" }));
  assert.equal(advanced.Tier, "Advanced");
  const leaks = berth.output.filter((l) => l.includes(token));
  assert.deepEqual(leaks, [], "planted values in the server's log");
});
