import { test } from "node:test";
import assert from "node:assert/strict";
import { passRoles, roleArnOf } from "./pass-role.js";

test("passRoles asks iam:PassRole once per role, with iam:PassedToService; names are the account's roles", () => {
  const asked = passRoles("ecs-tasks.amazonaws.com", ["app", undefined, "arn:aws:iam::111111111111:role/app", "", "app", "/ops/deploy"], "111111111111");
  assert.deepEqual(asked, [
    { action: "iam:PassRole", resource: "arn:aws:iam::111111111111:role/app", context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
    { action: "iam:PassRole", resource: "arn:aws:iam::111111111111:role/ops/deploy", context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
  ]);
  // Without an account (EventBridge's and Scheduler's RoleArn is always an ARN) roles are kept as given.
  assert.deepEqual(passRoles("events.amazonaws.com", ["arn:aws:iam::1:role/r"]).map((a) => a.resource), ["arn:aws:iam::1:role/r"]);
  assert.deepEqual(passRoles("events.amazonaws.com", []), []);
});

test("roleArnOf keeps an ARN and places a name (with its path) in the account", () => {
  assert.equal(roleArnOf("arn:aws-cn:iam::2:role/x", "1"), "arn:aws-cn:iam::2:role/x");
  assert.equal(roleArnOf("svc/x", "1"), "arn:aws:iam::1:role/svc/x");
});
