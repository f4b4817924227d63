import { test } from "node:test";
import assert from "node:assert/strict";
import type { TaskDefinition } from "@aws-sdk/client-ecs";
import { constraintsFor, placementRequest, validatePlacement } from "./placement-request.js";

test("only static host ports are handed to the scheduler, tcp then udp", () => {
  const req = placementRequest({ cpu: 256, memory: 128, ports: [80, 443], portsUdp: [53] }, { group: "service:web", count: 2, seed: "s" });
  assert.deepEqual(req.ports, [{ protocol: "tcp", hostPort: 80 }, { protocol: "tcp", hostPort: 443 }, { protocol: "udp", hostPort: 53 }]);
  assert.equal(req.cpu, 256);
  assert.equal(req.memory, 128);
  assert.equal(req.count, 2);
});

test("the task definition's constraints come first and count towards the limit of 10", () => {
  const def = { placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ t3.*" }] } as TaskDefinition;
  assert.deepEqual(constraintsFor(def, [{ type: "distinctInstance" }]), [
    { type: "memberOf", expression: "attribute:ecs.instance-type =~ t3.*" },
    { type: "distinctInstance" },
  ]);
  const ten = Array.from({ length: 10 }, () => ({ type: "distinctInstance" as const }));
  assert.throws(() => validatePlacement(constraintsFor(def, ten)), (e: Error) => e.name === "InvalidParameterException" && /at most 10/.test(e.message));
});

test("an invalid expression or strategy is InvalidParameterException saying where", () => {
  assert.throws(
    () => validatePlacement([{ type: "memberOf", expression: "attribute:ecs.availability-zone in [us-east-1a," }]),
    (e: Error) => e.name === "InvalidParameterException" && /column \d+/.test(e.message),
  );
  assert.throws(() => validatePlacement([], [{ type: "binpack", field: "disk" }]), (e: Error) => e.name === "InvalidParameterException" && /binpack/.test(e.message));
  assert.throws(() => validatePlacement([{ type: "nearby" as "memberOf" }]), (e: Error) => e.name === "InvalidParameterException");
  validatePlacement([{ type: "memberOf", expression: "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]" }], [{ type: "spread", field: "attribute:ecs.availability-zone" }, { type: "binpack", field: "memory" }]);
});
