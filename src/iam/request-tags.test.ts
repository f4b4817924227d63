import { test } from "node:test";
import assert from "node:assert/strict";
import { requestTagContext } from "./request-tags.js";

test("aws:RequestTag/<key> and aws:TagKeys from each service's shape of tags", () => {
  const expected = { "aws:RequestTag/team": "blue", "aws:RequestTag/env": "dev", "aws:TagKeys": ["team", "env"] };
  // Most services: Tags: [{Key, Value}]; ECS: tags: [{key, value}]; SQS and Logs: a map.
  assert.deepEqual(requestTagContext({ Name: "x", Tags: [{ Key: "team", Value: "blue" }, { Key: "env", Value: "dev" }] }), expected);
  assert.deepEqual(requestTagContext({ clusterName: "x", tags: [{ key: "team", value: "blue" }, { key: "env", value: "dev" }] }), expected);
  assert.deepEqual(requestTagContext({ QueueName: "q", tags: { team: "blue", env: "dev" } }), expected);
});

test("an untag call's keys are its aws:TagKeys; a call without tags has neither key", () => {
  assert.deepEqual(requestTagContext({ ResourceArn: "arn", TagKeys: ["team"] }), { "aws:TagKeys": ["team"] });
  assert.deepEqual(requestTagContext({ resourceArn: "arn", tagKeys: ["a", "b"] }), { "aws:TagKeys": ["a", "b"] });
  // Logs' UntagLogGroup: tags is a list of keys.
  assert.deepEqual(requestTagContext({ logGroupName: "g", tags: ["team"] }), { "aws:TagKeys": ["team"] });
  assert.deepEqual(requestTagContext({ Name: "x" }), {});
});
