import { test } from "node:test";
import assert from "node:assert/strict";
import pino from "pino";
import { loadModel } from "./model.js";
import { createInternalCaller, sdkServiceId, UnknownCallError } from "./internal-call.js";
import type { AwsService } from "./service.js";

const log = pino({ level: "silent" });
const scope = { account: "000000000000", region: "us-east-1", log };

test("services are found by their SDK ids and operations in any case; input is validated as the protocol's calls are", async () => {
  const seen: unknown[] = [];
  const secrets: AwsService = { model: loadModel("secretsmanager"), handlers: { CreateSecret: (input) => (seen.push(input), { Name: "s" }) } };
  const elb: AwsService = { model: loadModel("elbv2"), handlers: { SetSecurityGroups: (input) => (seen.push(input), {}) } };
  assert.equal(sdkServiceId(secrets), "secretsmanager");
  assert.equal(sdkServiceId(elb), "elasticloadbalancingv2");
  const call = createInternalCaller([secrets, elb], {});

  assert.deepEqual(await call({ ...scope, service: "secretsmanager", operation: "createSecret", input: '{"Name":"s","SecretString":"x"}' }), { Name: "s" });
  assert.deepEqual(seen.pop(), { Name: "s", SecretString: "x" });
  // A query service's input errors carry its protocol's code, as over the wire.
  await assert.rejects(call({ ...scope, service: "elasticloadbalancingv2", operation: "setSecurityGroups", input: '{"SecurityGroups":[]}' }), { name: "ValidationError" });
  await assert.rejects(call({ ...scope, service: "secretsmanager", operation: "createSecret", input: '{"Name":' }), { name: "SerializationException" });
  await assert.rejects(call({ ...scope, service: "secretsmanager", operation: "createSecret", input: '{"Name":5}' }), { name: "SerializationException" });
  await assert.rejects(call({ ...scope, service: "secretsmanager", operation: "deleteSecret", input: "{}" }), UnknownCallError);
  await assert.rejects(call({ ...scope, service: "rds", operation: "stopDBCluster", input: "{}" }), UnknownCallError);
  assert.equal(seen.length, 0, "no handler ran for a refused call");
});
