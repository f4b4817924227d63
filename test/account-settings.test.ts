import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateClusterCommand, DeleteAccountSettingCommand, InvalidParameterException, ListAccountSettingsCommand, PutAccountSettingCommand,
  PutAccountSettingDefaultCommand, type ECSClient, type Setting,
} from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { boto3Json } from "./boto3.js";

let berth: BerthProcess;
let ecs: ECSClient;
const ROOT = "arn:aws:iam::000000000000:root";
const ROLE = "arn:aws:iam::000000000000:role/deployer";

before(async () => {
  berth = await BerthProcess.start();
  ecs = berth.ecs();
});
after(async () => {
  await berth.dispose();
});

async function listAll(input: { effectiveSettings?: boolean; principalArn?: string; name?: string; value?: string }): Promise<Setting[]> {
  const out: Setting[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListAccountSettingsCommand({ ...input, nextToken } as never));
    out.push(...page.settings!);
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

test("effective settings: every setting name, AWS's defaults marked aws_managed, ten a page", async () => {
  const first = await ecs.send(new ListAccountSettingsCommand({ effectiveSettings: true }));
  assert.equal(first.settings?.length, 10);
  assert.ok(first.nextToken);
  const all = await listAll({ effectiveSettings: true });
  assert.deepEqual(Object.fromEntries(all.map((s) => [s.name, s.value])), {
    serviceLongArnFormat: "enabled", taskLongArnFormat: "enabled", containerInstanceLongArnFormat: "enabled", awsvpcTrunking: "disabled",
    containerInsights: "disabled", fargateFIPSMode: "disabled", tagResourceAuthorization: "on", fargateTaskRetirementWaitPeriod: "7",
    guardDutyActivate: "disabled", defaultLogDriverMode: "non-blocking", fargateEventWindows: "disabled",
  });
  assert.ok(all.every((s) => s.type === "aws_managed" && s.principalArn === ROOT));
  // Without effectiveSettings only what was set is listed: nothing yet.
  assert.deepEqual((await ecs.send(new ListAccountSettingsCommand({}))).settings, []);
});

test("containerInsights: the account default is what a new cluster without settings gets", async () => {
  const put = await ecs.send(new PutAccountSettingDefaultCommand({ name: "containerInsights", value: "enhanced" }));
  assert.deepEqual(put.setting, { name: "containerInsights", value: "enhanced", principalArn: ROOT, type: "user" });
  const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: "insightful" }));
  assert.deepEqual(cluster?.settings, [{ name: "containerInsights", value: "enhanced" }]);
  const { cluster: explicit } = await ecs.send(new CreateClusterCommand({ clusterName: "quiet", settings: [{ name: "containerInsights", value: "disabled" }] }));
  assert.deepEqual(explicit?.settings, [{ name: "containerInsights", value: "disabled" }]);

  // The AWS CLI sees the default; deleting it brings back AWS's.
  const listed = await berth.aws("ecs", "list-account-settings", "--name", "containerInsights", "--effective-settings");
  // (Debian's AWS CLI predates the `type` member and leaves it out.)
  assert.deepEqual(listed.settings.map((x: Setting) => [x.name, x.value, x.principalArn]), [["containerInsights", "enhanced", ROOT]]);
  await ecs.send(new DeleteAccountSettingCommand({ name: "containerInsights", principalArn: ROOT }));
  const { cluster: after } = await ecs.send(new CreateClusterCommand({ clusterName: "after" }));
  assert.deepEqual(after?.settings, [{ name: "containerInsights", value: "disabled" }]);
});

test("a principal's own setting wins over the account default; name and value filter the list", async () => {
  await ecs.send(new PutAccountSettingDefaultCommand({ name: "awsvpcTrunking", value: "enabled" }));
  const own = await ecs.send(new PutAccountSettingCommand({ name: "awsvpcTrunking", value: "disabled", principalArn: ROLE }));
  assert.deepEqual(own.setting, { name: "awsvpcTrunking", value: "disabled", principalArn: ROLE, type: "user" });
  assert.deepEqual(await listAll({ principalArn: ROLE }), [{ name: "awsvpcTrunking", value: "disabled", principalArn: ROLE, type: "user" }]);
  const forRole = await listAll({ principalArn: ROLE, effectiveSettings: true, name: "awsvpcTrunking" });
  assert.deepEqual(forRole.map((s) => [s.value, s.principalArn]), [["disabled", ROLE]]);
  const forRoot = await listAll({ effectiveSettings: true, name: "awsvpcTrunking", value: "enabled" });
  assert.deepEqual(forRoot.map((s) => [s.value, s.principalArn]), [["enabled", ROOT]]);
  assert.deepEqual(await listAll({ effectiveSettings: true, name: "awsvpcTrunking", value: "disabled" }), []);

  // boto3 sees the role's setting; deleting it leaves the role with the account default.
  const viaBoto = await boto3Json<Setting[]>(`
import boto3, json, sys
ecs = boto3.client("ecs", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
print(json.dumps(ecs.list_account_settings(principalArn=sys.argv[2], name="awsvpcTrunking", effectiveSettings=True)["settings"]))
`, berth.endpoint, ROLE);
  assert.deepEqual(viaBoto, [{ name: "awsvpcTrunking", value: "disabled", principalArn: ROLE, type: "user" }]);
  const deleted = await ecs.send(new DeleteAccountSettingCommand({ name: "awsvpcTrunking", principalArn: ROLE }));
  assert.deepEqual(deleted.setting, { name: "awsvpcTrunking", value: "disabled", principalArn: ROLE, type: "user" });
  assert.deepEqual((await listAll({ principalArn: ROLE, effectiveSettings: true, name: "awsvpcTrunking" })).map((s) => [s.value, s.principalArn]), [["enabled", ROOT]]);
});

test("bad settings are refused and change nothing", async () => {
  const refused = [
    new PutAccountSettingCommand({ name: "containerInsights", value: "sometimes" }),
    new PutAccountSettingCommand({ name: "tagResourceAuthorization", value: "enabled" }),
    new PutAccountSettingDefaultCommand({ name: "fargateTaskRetirementWaitPeriod", value: "3" }),
    new PutAccountSettingCommand({ name: "fargateTaskRetirementWaitPeriod", value: "14", principalArn: ROLE }),
    new PutAccountSettingDefaultCommand({ name: "guardDutyActivate", value: "enabled" }),
    new PutAccountSettingCommand({ name: "awsvpcTrunking", value: "enabled", principalArn: "arn:aws:iam::111111111111:role/other" }),
    new PutAccountSettingCommand({ name: "cpuBoost" as never, value: "enabled" }),
  ];
  for (const command of refused) await assert.rejects(ecs.send(command as never), InvalidParameterException, JSON.stringify(command.input));
  await assert.rejects(ecs.send(new ListAccountSettingsCommand({ value: "enabled" })), InvalidParameterException);
  await assert.rejects(ecs.send(new ListAccountSettingsCommand({ maxResults: 11 })), InvalidParameterException);
  await assert.rejects(ecs.send(new PutAccountSettingCommand({ name: "cpuBoost" as never, value: "on" })), (e: unknown) => {
    assert.match((e as Error).message, /^1 validation error detected: Value 'cpuBoost' at 'name' failed to satisfy constraint: Member must satisfy enum value set: \[serviceLongArnFormat, /);
    return true;
  });
  const set = await listAll({});
  assert.ok(!set.some((s) => ["containerInsights", "tagResourceAuthorization", "fargateTaskRetirementWaitPeriod", "guardDutyActivate"].includes(s.name!)), JSON.stringify(set));
  // The retirement wait period is the account's to set.
  const wait = await ecs.send(new PutAccountSettingDefaultCommand({ name: "fargateTaskRetirementWaitPeriod", value: "14" }));
  assert.equal(wait.setting?.value, "14");
});
