import { test } from "node:test";
import assert from "node:assert/strict";
import { readPath, targetInput } from "./target-input.js";

const event = {
  version: "0", id: "e1", "detail-type": "EC2 Instance State-change Notification", source: "aws.ec2", account: "123456789012",
  time: "2024-01-01T00:00:00Z", region: "us-east-1", resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-0123"],
  detail: { "instance-id": "i-0123", state: "running", tags: { a: 1 }, list: [1, 2] },
};
const rule = { name: "r", arn: "arn:aws:events:us-east-1:123456789012:rule/r" };

test("paths", () => {
  assert.equal(readPath(event, "$.detail.state"), "running");
  assert.equal(readPath(event, "$.resources[0]"), event.resources[0]);
  assert.equal(readPath(event, "$.detail.list[1]"), 2);
  assert.equal(readPath(event, "$.detail.missing.x"), undefined);
  assert.equal(readPath(event, "$"), event);
});

test("the event itself, Input, InputPath", () => {
  assert.deepEqual(JSON.parse(targetInput({ Id: "1", Arn: "a" }, event, rule)), event);
  assert.equal(targetInput({ Id: "1", Arn: "a", Input: '{"fixed":true}' }, event, rule), '{"fixed":true}');
  assert.deepEqual(JSON.parse(targetInput({ Id: "1", Arn: "a", InputPath: "$.detail.tags" }, event, rule)), { a: 1 });
});

test("InputTransformer: the user guide's examples", () => {
  const paths = { instance: "$.detail.instance-id", state: "$.detail.state", tags: "$.detail.tags" };
  // A plain-text template: values as text.
  assert.equal(targetInput({ Id: "1", Arn: "a", InputTransformer: { InputPathsMap: paths, InputTemplate: '"<instance> is in state <state>"' } }, event, rule), '"i-0123 is in state running"');
  // JSON: a placeholder inside quotes is text, outside it is the JSON value.
  const json = targetInput({ Id: "1", Arn: "a", InputTransformer: { InputPathsMap: paths, InputTemplate: '{"instance": <instance>, "msg": "<instance> is <state>", "tags": <tags>, "rule": "<aws.events.rule-name>"}' } }, event, rule);
  assert.deepEqual(JSON.parse(json), { instance: "i-0123", msg: "i-0123 is running", tags: { a: 1 }, rule: "r" });
  // A missing path is null in JSON; the whole event is available.
  const missing = targetInput({ Id: "1", Arn: "a", InputTransformer: { InputPathsMap: { x: "$.detail.nope" }, InputTemplate: '{"x": <x>, "e": <aws.events.event>}' } }, event, rule);
  assert.deepEqual(JSON.parse(missing), { x: null, e: event });
});
