import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIdentityDocument } from "./instance-identity.js";

test("the identity document's fields are read and checked", () => {
  assert.deepEqual(parseIdentityDocument(undefined, "us-east-1"), {});
  const doc = { instanceId: "i-0abc1234def567890", availabilityZone: "us-east-1b", instanceType: "m5.large", imageId: "ami-0123456789abcdef0", architecture: "arm64", privateIp: "127.0.1.9", region: "us-east-1", pendingTime: "x" };
  assert.deepEqual(parseIdentityDocument(JSON.stringify(doc), "us-east-1"), {
    instanceId: "i-0abc1234def567890", availabilityZone: "us-east-1b", instanceType: "m5.large", imageId: "ami-0123456789abcdef0", architecture: "arm64", privateIp: "127.0.1.9",
  });
  // An agent on EC2 sends its VPC address: any IPv4 address is taken.
  assert.equal(parseIdentityDocument(JSON.stringify({ privateIp: "10.0.12.34" }), "us-east-1").privateIp, "10.0.12.34");
});

test("a malformed document, or one from elsewhere, is an InvalidParameterException", () => {
  for (const bad of ["{", "[]", JSON.stringify({ instanceId: "x" }), JSON.stringify({ privateIp: "10.0.0.256" }), JSON.stringify({ privateIp: "fe80::1" }), JSON.stringify({ availabilityZone: "eu-west-1a" }), JSON.stringify({ region: "eu-west-1" })]) {
    assert.throws(() => parseIdentityDocument(bad, "us-east-1"), (e: Error) => e.name === "InvalidParameterException", bad);
  }
});
