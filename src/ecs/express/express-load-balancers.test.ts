import { test } from "node:test";
import assert from "node:assert/strict";
import { networkKey } from "./express-load-balancers.js";

test("services share a load balancer by their subnets and security groups, in any order", () => {
  assert.equal(networkKey(["subnet-b", "subnet-a"], ["sg-2", "sg-1"]), networkKey(["subnet-a", "subnet-b"], ["sg-1", "sg-2"]));
  assert.notEqual(networkKey(["subnet-a"], []), networkKey(["subnet-a", "subnet-b"], []));
  // A subnet is not a security group: the two lists stay apart.
  assert.notEqual(networkKey(["x"], []), networkKey([], ["x"]));
  assert.equal(networkKey([], []), networkKey([], []));
});
