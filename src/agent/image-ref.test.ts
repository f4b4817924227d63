import { test } from "node:test";
import assert from "node:assert/strict";
import { ecrScope, registryOf, resolveImage, taskScope } from "./image-ref.js";

const registryHost = "127.0.0.1:4566";
const task = { account: "111122223333", region: "eu-west-1" };
const digest = "sha256:" + "ab".repeat(32);

test("ECR URIs of any account and region map to Berth's registry, with the URI's account and region", () => {
  assert.deepEqual(resolveImage("000000000000.dkr.ecr.us-east-1.amazonaws.com/web:1", { registryHost, task }), {
    ref: "127.0.0.1:4566/web:1",
    scope: { account: "000000000000", region: "us-east-1" },
  });
  assert.deepEqual(resolveImage(`123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/team/api@${digest}`, { registryHost, task }), {
    ref: `127.0.0.1:4566/team/api@${digest}`,
    scope: { account: "123456789012", region: "ap-southeast-2" },
  });
  assert.deepEqual(resolveImage("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web", { registryHost }), {
    ref: "127.0.0.1:4566/web",
    scope: { account: "123456789012", region: "cn-north-1" },
  });
  assert.deepEqual(resolveImage("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/web:2", { registryHost }).scope, {
    account: "123456789012",
    region: "us-gov-west-1",
  });
  assert.equal(resolveImage("123456789012.dkr.ecr.us-east-1.amazonaws.com:443/web:1", { registryHost }).ref, "127.0.0.1:4566/web:1");
  assert.equal(resolveImage("123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1", { registryHost: "registry.internal:5000" }).ref, "registry.internal:5000/web:1");
});

test("references to Berth's registry host are pulled with the task's own account and region", () => {
  assert.deepEqual(resolveImage("127.0.0.1:4566/web:1", { registryHost, task }), { ref: "127.0.0.1:4566/web:1", scope: task });
  assert.deepEqual(resolveImage(`127.0.0.1:4566/a/b@${digest}`, { registryHost, task }), { ref: `127.0.0.1:4566/a/b@${digest}`, scope: task });
});

test("anything else is left to the engine as written", () => {
  for (const image of [
    "busybox",
    "berth-test/busybox:latest",
    "docker.io/library/nginx:1.25",
    "127.0.0.1:5000/web:1", // another registry on the same machine
    "public.ecr.aws/nginx/nginx:latest", // ECR Public is not a private registry
    "12345.dkr.ecr.us-east-1.amazonaws.com/web:1", // not a 12-digit account
    "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example/web:1",
    "123456789012.dkr.ecr.nowhere.amazonaws.com/web:1",
  ]) {
    assert.deepEqual(resolveImage(image, { registryHost, task }), { ref: image }, image);
  }
  // No registry to map to (a runner without one): nothing is rewritten.
  assert.deepEqual(resolveImage("000000000000.dkr.ecr.us-east-1.amazonaws.com/web:1", {}), { ref: "000000000000.dkr.ecr.us-east-1.amazonaws.com/web:1" });
});

test("registry hosts, ECR hosts and task scopes parse as Docker and ECS spell them", () => {
  assert.equal(registryOf("localhost/web"), "localhost");
  assert.equal(registryOf("library/busybox"), undefined);
  assert.equal(registryOf("busybox:1"), undefined);
  assert.equal(registryOf("127.0.0.1:4566/web"), "127.0.0.1:4566");
  assert.deepEqual(ecrScope("000000000000.DKR.ECR.US-EAST-1.AMAZONAWS.COM"), { account: "000000000000", region: "us-east-1" });
  assert.equal(ecrScope("dkr.ecr.us-east-1.amazonaws.com"), undefined);
  assert.deepEqual(taskScope("arn:aws:ecs:eu-west-1:111122223333:task/dev/0123"), task);
  assert.equal(taskScope("not-an-arn"), undefined);
});
