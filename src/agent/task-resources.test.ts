import { test } from "node:test";
import assert from "node:assert/strict";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { planTask } from "./task-plan.js";
import { resolveTaskResources } from "./task-resources.js";
import { TaskError } from "./errors.js";

const ARN = "arn:aws:ecs:us-east-1:000000000000:task/c/0123456789abcdef0123456789abcdef";

function plan(...containers: ContainerDefinition[]) {
  return planTask({
    task: { taskArn: ARN, clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/c", launchType: "EC2" },
    taskDefinition: { family: "f", revision: 1, containerDefinitions: containers },
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
  assert.equal(reason(plan({ name: "web", image: "x", environment: [{ name: "A", value: "1" }] })), undefined);
});

test("a Secrets Manager secret fails the task in the ECS agent's words, naming the secret", () => {
  assert.equal(
    reason(plan({ name: "web", image: "x", secrets: [{ name: "DB_PASSWORD", valueFrom: asm }] })),
    `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${asm} from secrets manager: Berth does not serve AWS Secrets Manager yet`,
  );
});

test("a Parameter Store parameter, by name or ARN, in secrets or log secretOptions", () => {
  assert.match(reason(plan({ name: "web", image: "x", secrets: [{ name: "TOKEN", valueFrom: "/prod/token" }] }))!, /unable to retrieve secrets from ssm: .*failed to fetch parameter \/prod\/token from SSM Parameter Store: Berth does not serve/);
  const log = plan({ name: "web", image: "x", logConfiguration: { logDriver: "json-file", secretOptions: [{ name: "k", valueFrom: "arn:aws:ssm:us-east-1:000000000000:parameter/log-key" }] } });
  assert.match(reason(log)!, /from ssm: .*parameter\/log-key/);
});

test("private registry credentials come from Secrets Manager", () => {
  assert.match(reason(plan({ name: "web", image: "x", repositoryCredentials: { credentialsParameter: asm } }))!, /unable to retrieve secret from asm: .*db-password-AbCdEf/);
});

test("an environment file names its bucket and key; a malformed ARN says so", () => {
  assert.equal(
    reason(plan({ name: "web", image: "x", environmentFiles: [{ type: "s3", value: "arn:aws:s3:::my-bucket/env/prod.env" }] })),
    "ResourceInitializationError: unable to download env file with key env/prod.env from bucket my-bucket, error: Berth does not serve Amazon S3 yet",
  );
  assert.match(reason(plan({ name: "web", image: "x", environmentFiles: [{ type: "s3", value: "not-an-arn" }] }))!, /unable to parse bucket and key from s3 ARN specified in environmentFile not-an-arn/);
});

test("the first container's first resource is the one named", () => {
  const p = plan(
    { name: "a", image: "x", secrets: [{ name: "S1", valueFrom: "/first" }, { name: "S2", valueFrom: asm }] },
    { name: "b", image: "x", secrets: [{ name: "S3", valueFrom: "/third" }] },
  );
  assert.match(reason(p)!, /\/first/);
});
