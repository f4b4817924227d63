import { test } from "node:test";
import assert from "node:assert/strict";
import { containerInstanceArn, instanceArnOf } from "./instance-refs.js";

const scope = { account: "000000000000", region: "us-east-1" };
const id = "0123456789abcdef0123456789abcdef";
const arn = `arn:aws:ecs:us-east-1:000000000000:container-instance/dev/${id}`;

test("a containerInstance parameter is an id, a long ARN or a short ARN of the request's cluster", () => {
  assert.equal(containerInstanceArn(scope, "dev", id), arn);
  assert.equal(instanceArnOf(scope, "dev", id), arn);
  assert.equal(instanceArnOf(scope, "dev", arn), arn);
  assert.equal(instanceArnOf(scope, "dev", `arn:aws:ecs:us-east-1:000000000000:container-instance/${id}`), arn);
  for (const bad of [
    "", "i-0123456789abcdef0", id.toUpperCase(), `arn:aws:ecs:us-east-1:000000000000:container-instance/other/${id}`,
    `arn:aws:ecs:eu-west-1:000000000000:container-instance/dev/${id}`, `arn:aws:ecs:us-east-1:111111111111:container-instance/dev/${id}`,
    `arn:aws:ecs:us-east-1:000000000000:task/dev/${id}`,
  ]) {
    assert.equal(instanceArnOf(scope, "dev", bad), undefined, bad);
  }
});
