import { test } from "node:test";
import assert from "node:assert/strict";
import { containerHealth, healthConfig, taskHealth } from "./health.js";

test("healthCheck maps to the engine's Healthcheck in nanoseconds, with ECS's defaults", () => {
  assert.deepEqual(healthConfig({ command: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"] }), {
    Test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
    Interval: 30e9,
    Timeout: 5e9,
    Retries: 3,
    StartPeriod: 0,
  });
  assert.deepEqual(healthConfig({ command: ["CMD", "true"], interval: 5, timeout: 2, retries: 10, startPeriod: 60 }), {
    Test: ["CMD", "true"],
    Interval: 5e9,
    Timeout: 2e9,
    Retries: 10,
    StartPeriod: 60e9,
  });
  assert.equal(healthConfig(undefined), undefined);
  assert.equal(healthConfig({ command: [] }), undefined);
});

test("container and task health follow ECS's rules", () => {
  assert.equal(containerHealth("healthy"), "HEALTHY");
  assert.equal(containerHealth("unhealthy"), "UNHEALTHY");
  assert.equal(containerHealth("starting"), "UNKNOWN");
  assert.equal(containerHealth(undefined), "UNKNOWN");
  const c = (essential: boolean, hasHealthCheck: boolean, health: "HEALTHY" | "UNHEALTHY" | "UNKNOWN") => ({ essential, hasHealthCheck, health });
  assert.equal(taskHealth([c(true, true, "HEALTHY"), c(true, false, "UNKNOWN")]), "HEALTHY");
  assert.equal(taskHealth([c(true, true, "HEALTHY"), c(true, true, "UNKNOWN")]), "UNKNOWN");
  assert.equal(taskHealth([c(true, true, "HEALTHY"), c(true, true, "UNHEALTHY")]), "UNHEALTHY");
  assert.equal(taskHealth([c(true, true, "HEALTHY"), c(false, true, "UNHEALTHY")]), "HEALTHY", "non-essential containers do not count");
  assert.equal(taskHealth([c(true, false, "UNKNOWN")]), "UNKNOWN", "no health checks at all");
});
