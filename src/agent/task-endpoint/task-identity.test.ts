import { test } from "node:test";
import assert from "node:assert/strict";
import type Docker from "dockerode";
import { TaskIdentity, credentialsDocument } from "./task-identity.js";

test("every id is 64 hex characters from the CSPRNG, different for each task and container", () => {
  const a = new TaskIdentity(["web", "sidecar"], true);
  const b = new TaskIdentity(["web"], true);
  const ids = [a.credentialsId, b.credentialsId, ...a.metadataIds.keys(), ...b.metadataIds.keys()];
  assert.ok(ids.every((id) => /^[0-9a-f]{64}$/.test(id)));
  assert.equal(new Set(ids).size, ids.length);
});

test("the environment ECS gives: metadata URIs always, the credentials URI only with a role", () => {
  const withRole = new TaskIdentity(["web"], true).environment("web", { AWS_REGION: "eu-west-1" });
  assert.match(withRole.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI!, /^\/v2\/credentials\/[0-9a-f]{64}$/);
  assert.match(withRole.ECS_CONTAINER_METADATA_URI_V4!, /^http:\/\/169\.254\.170\.2\/v4\/[0-9a-f]{64}$/);
  assert.equal(withRole.ECS_CONTAINER_METADATA_URI, withRole.ECS_CONTAINER_METADATA_URI_V4!.replace("/v4/", "/v3/"));
  // The agent API (task scale-in protection) under the same container id.
  assert.equal(withRole.ECS_AGENT_URI, withRole.ECS_CONTAINER_METADATA_URI_V4!.replace("/v4/", "/api/"));
  assert.equal(withRole.AWS_REGION, "eu-west-1");
  assert.equal(new TaskIdentity(["web"], false).environment("web", {}).AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, undefined);
});

test("an adopted task keeps the ids its containers were started with", () => {
  const before = new TaskIdentity(["web"], true);
  const env = Object.entries(before.environment("web", {})).map(([k, v]) => `${k}=${v}`);
  const after = new TaskIdentity(["web"], true);
  after.adopt(new Map([["web", { Config: { Env: env } } as unknown as Docker.ContainerInspectInfo]]));
  assert.equal(after.credentialsId, before.credentialsId);
  assert.deepEqual([...after.metadataIds], [...before.metadataIds]);
});

test("ECS's credentials document, Expiration to the second", () => {
  assert.deepEqual(credentialsDocument({ roleArn: "arn:aws:iam::1:role/r", accessKeyId: "ASIA", secretAccessKey: "s", sessionToken: "t", expiration: "2026-01-01T01:00:00.000Z" }), {
    RoleArn: "arn:aws:iam::1:role/r", AccessKeyId: "ASIA", SecretAccessKey: "s", Token: "t", Expiration: "2026-01-01T01:00:00Z",
  });
});
