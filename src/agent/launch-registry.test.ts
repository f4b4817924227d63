import { test } from "node:test";
import assert from "node:assert/strict";
import type { LaunchSpec } from "./protocol/task-runner.js";
import { carriedRegistry, launchRegistry, registryScopes } from "./launch-registry.js";

const registryHost = "127.0.0.1:4566";
const spec = (...images: string[]): LaunchSpec => ({
  task: { taskArn: "arn:aws:ecs:eu-west-1:111122223333:task/dev/0123456789abcdef0123456789abcdef" },
  taskDefinition: { containerDefinitions: images.map((image, i) => ({ name: `c${i}`, image })) },
});

test("a launch needs one scope per distinct account and region its images come from", () => {
  const scopes = registryScopes(
    spec(
      "000000000000.dkr.ecr.us-east-1.amazonaws.com/web:1",
      "000000000000.dkr.ecr.us-east-1.amazonaws.com/sidecar:2", // same scope: asked for once
      "123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/api",
      `${registryHost}/own:1`, // Berth's host itself: the task's own account and region
      "busybox:latest", // not Berth's registry: no password
      "quay.io/x/y",
    ),
    registryHost,
  );
  assert.deepEqual(scopes, [
    { account: "000000000000", region: "us-east-1" },
    { account: "123456789012", region: "ap-southeast-2" },
    { account: "111122223333", region: "eu-west-1" },
  ]);
  assert.deepEqual(registryScopes(spec("busybox", "nginx:1"), registryHost), []);
});

test("the server's launch part carries the host and a password per scope, issued by its RegistryAccess", () => {
  const issued: string[] = [];
  const access = { host: () => registryHost, password: (s: { account: string; region: string }) => (issued.push(s.region), `pw-${s.account}-${s.region}`) };
  assert.deepEqual(launchRegistry(spec("000000000000.dkr.ecr.us-east-1.amazonaws.com/web:1", "alpine"), access), {
    host: registryHost,
    passwords: [{ account: "000000000000", region: "us-east-1", password: "pw-000000000000-us-east-1" }],
  });
  assert.deepEqual(issued, ["us-east-1"]);
  assert.deepEqual(launchRegistry(spec("alpine"), access), { host: registryHost, passwords: [] });
});

test("the agent's carried registry answers with what the launches brought", () => {
  const r = carriedRegistry();
  assert.equal(r.host(), "", "no host before any launch named one");
  r.remember(undefined);
  assert.equal(r.host(), "");
  r.remember({ host: registryHost, passwords: [{ account: "000000000000", region: "us-east-1", password: "a" }] });
  assert.equal(r.host(), registryHost);
  assert.equal(r.password({ account: "000000000000", region: "us-east-1" }), "a");
  assert.equal(r.password({ account: "000000000000", region: "eu-west-1" }), "", "a scope never carried");
  r.remember({ host: registryHost, passwords: [{ account: "000000000000", region: "us-east-1", password: "b" }] });
  assert.equal(r.password({ account: "000000000000", region: "us-east-1" }), "b", "a later launch's password replaces it");
});
