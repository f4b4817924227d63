import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Db } from "../../store/database.js";
import { dataDirKey, valueCipher } from "../../store/value-cipher.js";
import { systemClock } from "../../core/clock.js";
import { createSecretsManagerService } from "../../secretsmanager/secretsmanager-service.js";
import { createSsmService } from "../../ssm/ssm-service.js";
import { createSecretReader } from "../../secretsmanager/secret-reader.js";
import { createParameterReader } from "../../ssm/parameter-reader.js";
import { resolveLaunchResources, type TaskSecretSources } from "./task-secrets.js";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import type { RequestContext } from "../../aws/request-context.js";

/** valueFrom resolution against real stores (Secrets Manager's and Parameter Store's handlers write them). */
let dir: string;
let db: Db;
let sources: TaskSecretSources;
let arn: string;
let previousVersion: string;
const ctx = { account: "000000000000", region: "us-east-1", requestId: "r", log: console } as unknown as RequestContext;
const TASK = "arn:aws:ecs:us-east-1:000000000000:task/c/0123456789abcdef0123456789abcdef";

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "berth-task-secrets-"));
  db = openDatabase(dir);
  const deps = { db, clock: systemClock, cipher: valueCipher(dataDirKey(dir)) };
  const sm = createSecretsManagerService(deps).handlers;
  const ssm = createSsmService(deps).handlers;
  const created = (await sm.CreateSecret!({ Name: "db", SecretString: JSON.stringify({ password: "old", port: 5432 }) }, ctx)) as { ARN: string; VersionId: string };
  arn = created.ARN;
  previousVersion = created.VersionId;
  await sm.PutSecretValue!({ SecretId: "db", SecretString: JSON.stringify({ password: "new", port: 5432 }) }, ctx);
  await sm.CreateSecret!({ Name: "login", SecretString: JSON.stringify({ username: "u", password: "p" }) }, ctx);
  await ssm.PutParameter!({ Name: "/app/api-key", Type: "SecureString", Value: "k3y" }, ctx);
  await ssm.PutParameter!({ Name: "plain", Value: "v1" }, ctx);
  await ssm.PutParameter!({ Name: "plain", Value: "v2", Overwrite: true }, ctx);
  sources = { secrets: createSecretReader(deps), parameters: createParameterReader(deps) };
});
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const resolve = (...containers: ContainerDefinition[]) =>
  resolveLaunchResources(sources, { task: { taskArn: TASK }, taskDefinition: { containerDefinitions: containers } });
const env = (valueFrom: string) => {
  const r = resolve({ name: "app", secrets: [{ name: "X", valueFrom }] });
  if (!r || "failure" in r) return r;
  return r.containers.app!.environment[0]!.value;
};

test("a task without secrets needs no resources", () => {
  assert.equal(resolve({ name: "app", environment: [{ name: "A", value: "1" }] }), undefined);
});

test("Secrets Manager: whole value, json key, version stage and version id, by full or partial ARN", () => {
  assert.equal(env(arn), JSON.stringify({ password: "new", port: 5432 }));
  assert.equal(env(`${arn}:password::`), "new");
  assert.equal(env("arn:aws:secretsmanager:us-east-1:000000000000:secret:db:password::"), "new");
  assert.equal(env(`${arn}:password:AWSPREVIOUS:`), "old");
  assert.equal(env(`${arn}:password::${previousVersion}`), "old");
  assert.equal(env(`${arn}:port::`), "5432");
});

test("Parameter Store: by name or ARN, SecureString decrypted, a version selector", () => {
  assert.equal(env("/app/api-key"), "k3y");
  assert.equal(env("arn:aws:ssm:us-east-1:000000000000:parameter/app/api-key"), "k3y");
  assert.equal(env("plain"), "v2");
  assert.equal(env("plain:1"), "v1");
});

test("each failure is ECS's ResourceInitializationError text, naming the reference and no value", () => {
  const prefix = "unable to pull secrets or registry auth: execution resource retrieval failed";
  assert.deepEqual(env("arn:aws:secretsmanager:us-east-1:000000000000:secret:nope:password::"), {
    failure: `${prefix}: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:us-east-1:000000000000:secret:nope from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
  });
  assert.deepEqual(env(`${arn}:user::`), { failure: `${prefix}: unable to retrieve secret from asm: service call has been retried 1 time(s): retrieved secret from Secrets Manager did not contain json key user` });
  assert.deepEqual(env("/app/missing"), { failure: `${prefix}: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: /app/missing` });
});

test("repositoryCredentials and log secretOptions resolve alike", () => {
  const r = resolve({
    name: "app", repositoryCredentials: { credentialsParameter: "arn:aws:secretsmanager:us-east-1:000000000000:secret:login" },
    logConfiguration: { logDriver: "json-file", secretOptions: [{ name: "token", valueFrom: "/app/api-key" }] },
  });
  assert.ok(r && "containers" in r);
  assert.deepEqual(r.containers.app, { environment: [], logOptions: [{ name: "token", value: "k3y" }], registryAuth: { username: "u", password: "p" } });
  const bad = resolve({ name: "app", repositoryCredentials: { credentialsParameter: `${arn}` } });
  assert.ok(bad && "failure" in bad && /not a JSON object with a username and a password/.test(bad.failure));
});
