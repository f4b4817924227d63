import { test } from "node:test";
import assert from "node:assert/strict";
import { conditionVerdict, dependenciesOf, stopWaves, type DependencyState } from "./dependencies.js";
import { planTask } from "./task-plan.js";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";

const pending: DependencyState = { status: "PENDING", started: false, health: "UNKNOWN" };
const running: DependencyState = { status: "RUNNING", started: true, health: "UNKNOWN" };
const exited = (code: number): DependencyState => ({ status: "STOPPED", started: true, exitCode: code, health: "UNKNOWN" });
const failedToStart: DependencyState = { status: "STOPPED", started: false, health: "UNKNOWN" };

test("conditions resolve as ECS resolves them", () => {
  assert.equal(conditionVerdict("START", pending), "wait");
  assert.equal(conditionVerdict("START", running), "met");
  assert.equal(conditionVerdict("START", exited(1)), "met");
  assert.equal(conditionVerdict("START", failedToStart), "failed");
  assert.equal(conditionVerdict("COMPLETE", running), "wait");
  assert.equal(conditionVerdict("COMPLETE", exited(3)), "met");
  assert.equal(conditionVerdict("SUCCESS", running), "wait");
  assert.equal(conditionVerdict("SUCCESS", exited(0)), "met");
  assert.equal(conditionVerdict("SUCCESS", exited(1)), "failed");
  assert.equal(conditionVerdict("HEALTHY", running), "wait");
  assert.equal(conditionVerdict("HEALTHY", { ...running, health: "UNHEALTHY" }), "wait");
  assert.equal(conditionVerdict("HEALTHY", { ...running, health: "HEALTHY" }), "met");
  assert.equal(conditionVerdict("HEALTHY", exited(0)), "failed");
});

function plan(defs: ContainerDefinition[], networkMode: "bridge" | "awsvpc" = "bridge") {
  return planTask({ task: { taskArn: "arn:aws:ecs:us-east-1:1:task/c/t" }, taskDefinition: { family: "f", networkMode, containerDefinitions: defs } });
}

test("links and volumesFrom count as START dependencies (links only in bridge mode)", () => {
  const p = plan([
    { name: "db", image: "i" },
    { name: "data", image: "i" },
    { name: "app", image: "i", links: ["db:database"], volumesFrom: [{ sourceContainer: "data" }], dependsOn: [{ containerName: "db", condition: "HEALTHY" }] },
  ]);
  assert.deepEqual(dependenciesOf(p.containers[2]!, "bridge"), [{ containerName: "db", condition: "HEALTHY" }, { containerName: "data", condition: "START" }]);
  assert.deepEqual(dependenciesOf(p.containers[2]!, "awsvpc").map((d) => d.containerName), ["db", "data"]);
});

test("stop waves stop dependents first, and a cycle is detected", () => {
  const p = plan([
    { name: "db", image: "i" },
    { name: "app", image: "i", dependsOn: [{ containerName: "db", condition: "START" }] },
    { name: "proxy", image: "i", dependsOn: [{ containerName: "app", condition: "START" }] },
    { name: "lone", image: "i" },
  ]);
  assert.deepEqual(stopWaves(p.containers, "bridge"), [["proxy", "lone"], ["app"], ["db"]]);
  const cyclic = plan([
    { name: "a", image: "i", dependsOn: [{ containerName: "b", condition: "START" }] },
    { name: "b", image: "i", dependsOn: [{ containerName: "a", condition: "START" }] },
  ]);
  assert.equal(stopWaves(cyclic.containers, "bridge"), undefined);
});
