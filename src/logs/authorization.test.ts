import { test } from "node:test";
import assert from "node:assert/strict";
import { loadModel } from "../aws/model.js";
import type { RequestContext } from "../aws/request-context.js";
import { actionResources } from "../iam/action-resources.js";
import type { Db } from "../store/database.js";
import { logsAuthorization } from "./authorization.js";

const ACCOUNT = "000000000000";
const quiet = () => undefined;
const ctx: RequestContext = { account: ACCOUNT, region: "us-east-1", requestId: "r", log: { info: quiet, warn: quiet, error: quiet, debug: quiet } };
// The Logs table reads no database.
const resources = (operation: string, input: Record<string, unknown>) => actionResources({} as Db, ctx, "logs", operation, input, logsAuthorization);
const groupArn = (name: string) => `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${name}:log-stream:`;

test("a log group named by name, ARN or in a list is the resource", () => {
  assert.deepEqual(resources("DescribeSubscriptionFilters", { logGroupName: "/app" }), [groupArn("/app")]);
  assert.deepEqual(resources("GetTransformer", { logGroupIdentifier: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/app:*` }), [groupArn("/app")]);
  assert.deepEqual(resources("DescribeFieldIndexes", { logGroupIdentifiers: ["/a", "/b"] }), [groupArn("/a"), groupArn("/b")]);
  assert.deepEqual(resources("DescribeQueries", {}), [groupArn("")]);
  assert.deepEqual(resources("GetLogEvents", { logGroupName: "/app", logStreamName: "s" }), [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/app:log-stream:s`]);
});

// AWS scopes these by another resource (a query definition, a scheduled query) or none, whatever groups they name.
const NOT_BY_GROUP = new Set(["PutQueryDefinition", "CreateScheduledQuery", "UpdateScheduledQuery"]);
const GROUP_MEMBERS = new Set(["logGroupName", "logGroupIdentifier", "logGroupIdentifiers", "logGroupNames", "logGroupArnList"]);

test("every Logs operation that names a log group is authorized on it, not on \"*\"", () => {
  const model = loadModel("logs");
  const checked: string[] = [];
  for (const [name, op] of Object.entries(model.operations)) {
    const members = op.input ? Object.entries(model.shapes[op.input.shape]?.members ?? {}) : [];
    const named = members.filter(([m]) => GROUP_MEMBERS.has(m));
    if (!named.length || NOT_BY_GROUP.has(name) || name === "DescribeLogGroups") continue;
    // Each variant alone: a call names a group one way.
    for (const [member, ref] of named) {
      const input = { [member]: model.shapes[ref.shape]?.type === "list" ? ["/g"] : "/g", logStreamName: "s" };
      const got = resources(name, input);
      assert.ok(got.length > 0 && got.every((r) => r.startsWith(`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/g:`)), `${name} with ${member}: ${JSON.stringify(got)}`);
    }
    checked.push(name);
  }
  assert.ok(checked.includes("DescribeSubscriptionFilters") && checked.length > 30, checked.join(", "));
});
