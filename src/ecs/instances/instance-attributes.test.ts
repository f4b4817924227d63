import { test } from "node:test";
import assert from "node:assert/strict";
import { builtInAttributes, isBuiltIn, validateAttribute } from "./instance-attributes.js";

test("built-in attributes: what ECS and its agent set on a Linux instance", () => {
  const attrs = builtInAttributes({ availabilityZone: "us-east-1b", instanceType: "t3.large", amiId: "ami-0123456789abcdef0", cpuArchitecture: "x86_64" });
  const value = (name: string) => attrs.find((a) => a.name === name);
  assert.deepEqual(value("ecs.availability-zone"), { name: "ecs.availability-zone", value: "us-east-1b" });
  assert.deepEqual(value("ecs.os-type"), { name: "ecs.os-type", value: "linux" });
  assert.deepEqual(value("ecs.capability.container-health-check"), { name: "ecs.capability.container-health-check" });
  assert.ok(value("com.amazonaws.ecs.capability.docker-remote-api.1.17"));
  assert.ok(attrs.every((a) => isBuiltIn(a.name!)));
  assert.equal(new Set(attrs.map((a) => a.name)).size, attrs.length, "no duplicates");
  assert.equal(isBuiltIn("stack"), false);
});

test("attribute names and values follow the Attribute data type's rules", () => {
  for (const ok of [{ name: "stack" }, { name: "a/b\\c.d-e_f", value: "x y:z@w/v" }, { name: "x".repeat(128), value: "v".repeat(128) }]) validateAttribute(ok);
  for (const bad of [{ name: "" }, { name: "bad name" }, { name: "x".repeat(129) }, { name: "n", value: "" }, { name: "n", value: " lead" }, { name: "n", value: "semi;colon" }]) {
    assert.throws(() => validateAttribute(bad), (e: Error) => e.name === "InvalidParameterException", JSON.stringify(bad));
  }
});
