import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { HealthMonitor } from "./health-monitor.js";
import type { HealthCheckConfig, TargetConfig } from "../snapshot.js";

const config: HealthCheckConfig = {
  HealthCheckEnabled: true, HealthCheckProtocol: "TCP", HealthCheckPort: "traffic-port", HealthCheckPath: "/",
  HealthCheckIntervalSeconds: 60, HealthCheckTimeoutSeconds: 1, HealthyThresholdCount: 3, UnhealthyThresholdCount: 3, Matcher: { HttpCode: "200" },
};

test("a target resumes from the health kept before a restart: its state, and its slow start's beginning", async () => {
  // A real listener, so the first check (sent at once) succeeds and changes nothing.
  const server = net.createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const target = (over: Partial<TargetConfig>): TargetConfig => ({ Id: "127.0.0.1", Address: "127.0.0.1", Port: port, State: "registered", ...over });
  const monitor = new HealthMonitor();
  try {
    monitor.update(new Map([
      ["tg|ramping", { config, target: target({ Health: { State: "healthy", SlowStartFrom: 1234 } }) }],
      ["tg|steady", { config, target: target({ Health: { State: "healthy" } }) }],
      ["tg|failing", { config, target: target({ Health: { State: "unhealthy", Reason: "Target.Timeout", Description: "Request timed out" } }) }],
      ["tg|new", { config, target: target({}) }],
    ]));
    assert.equal(monitor.state("tg|ramping")?.state, "healthy");
    assert.equal(monitor.healthySince("tg|ramping"), 1234);
    assert.deepEqual(monitor.memory("tg|ramping"), { State: "healthy", SlowStartFrom: 1234 });
    assert.equal(monitor.healthySince("tg|steady"), undefined, "a target past (or never in) its slow start does not ramp");
    assert.deepEqual(monitor.memory("tg|failing"), { State: "unhealthy", Reason: "Target.Timeout", Description: "Request timed out" });
    assert.equal(monitor.state("tg|new")?.state, "initial");
    assert.equal(monitor.memory("tg|new"), undefined, "nothing to keep of a target in initial");
    // A later snapshot with other kept health does not reset a target already checked.
    monitor.update(new Map([["tg|ramping", { config, target: target({ Health: { State: "unhealthy" } }) }]]));
    assert.equal(monitor.state("tg|ramping")?.state, "healthy");
  } finally {
    monitor.close();
    server.close();
  }
});
