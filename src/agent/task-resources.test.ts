import { test } from "node:test";
import assert from "node:assert/strict";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { planTask } from "./task-plan.js";
import { resolveTaskResources } from "./task-resources.js";
import { containerCreateOptions } from "./container-spec.js";
import { taskRedactor } from "./redact.js";
import { TaskError } from "./errors.js";
import type { LaunchResources } from "./protocol/launch-resources.js";

const ARN = "arn:aws:ecs:us-east-1:000000000000:task/c/0123456789abcdef0123456789abcdef";

function plan(containers: ContainerDefinition[], resources?: LaunchResources) {
  return planTask({
    task: { taskArn: ARN, clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/c", launchType: "EC2" },
    taskDefinition: { family: "f", revision: 1, containerDefinitions: containers },
    resources,
  } as Parameters<typeof planTask>[0]);
}

function reason(p: ReturnType<typeof plan>): string | undefined {
  try {
    resolveTaskResources(p);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof TaskError);
    assert.equal(err.errorName, "ResourceInitializationError");
    return err.reason;
  }
}

const asm = "arn:aws:secretsmanager:us-east-1:000000000000:secret:db-password-AbCdEf";

test("a task without secrets, registry credentials or environment files needs nothing fetched", () => {
  assert.equal(reason(plan([{ name: "web", image: "x", environment: [{ name: "A", value: "1" }] }])), undefined);
});

test("a failed resolution is the task's ResourceInitializationError, as the control plane worded it", () => {
  const failure = "unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: /p";
  assert.equal(reason(plan([{ name: "web", image: "x", secrets: [{ name: "S", valueFrom: "/p" }] }], { failure })), `ResourceInitializationError: ${failure}`);
});

test("a launch that needs secrets but came without them fails rather than run without", () => {
  assert.match(reason(plan([{ name: "web", image: "x", secrets: [{ name: "S", valueFrom: asm }] }]))!, /^ResourceInitializationError: unable to pull secrets or registry auth: .*came without its secrets/);
  assert.match(reason(plan([{ name: "web", image: "x", repositoryCredentials: { credentialsParameter: asm } }]))!, /came without its secrets/);
});

test("resolved secrets become the container's environment, after its own, and are redacted from messages", () => {
  const p = plan([{ name: "web", image: "x", environment: [{ name: "A", value: "1" }], secrets: [{ name: "DB_PASSWORD", valueFrom: asm }] }], {
    containers: { web: { environment: [{ name: "DB_PASSWORD", value: "hunter2-secret" }], logOptions: [] } },
  });
  assert.equal(reason(p), undefined);
  const options = containerCreateOptions({ berthId: "b", plan: p, container: p.containers[0]!, hostIp: "127.0.0.1", policy: { allowPrivileged: true } });
  assert.deepEqual(options.Env, ["A=1", "DB_PASSWORD=hunter2-secret"]);
  assert.ok(!JSON.stringify(options.Labels).includes("hunter2"));
  assert.equal(taskRedactor(p)("invalid env: DB_PASSWORD=hunter2-secret"), "invalid env: DB_PASSWORD=***");
});

test("an environment file names its bucket and key; a malformed ARN says so", () => {
  assert.equal(
    reason(plan([{ name: "web", image: "x", environmentFiles: [{ type: "s3", value: "arn:aws:s3:::my-bucket/env/prod.env" }] }])),
    "ResourceInitializationError: unable to download env file with key env/prod.env from bucket my-bucket, error: Berth does not serve Amazon S3 yet",
  );
  assert.match(reason(plan([{ name: "web", image: "x", environmentFiles: [{ type: "s3", value: "not-an-arn" }] }]))!, /unable to parse bucket and key from s3 ARN specified in environmentFile not-an-arn/);
});
