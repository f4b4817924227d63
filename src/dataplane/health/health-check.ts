import http from "node:http";
import net from "node:net";
import type { HealthCheckConfig, TargetConfig } from "../snapshot.js";
import type { CheckResult } from "./health-state.js";
import { httpCodeMatcher } from "./matcher.js";

/** The port a health check goes to: HealthCheckPort, or the target's own for "traffic-port". */
export function healthCheckPort(config: HealthCheckConfig, target: Pick<TargetConfig, "Port">): number {
  return config.HealthCheckPort === "traffic-port" ? target.Port : Number(config.HealthCheckPort);
}

/**
 * One health check, as ALB sends it: a fresh connection (no keep-alive, so a dead listener is
 * noticed), GET on the path, the status compared with the matcher; TCP checks only connect.
 */
export function checkOnce(config: HealthCheckConfig, target: TargetConfig): Promise<CheckResult> {
  const port = healthCheckPort(config, target);
  const timeoutMs = config.HealthCheckTimeoutSeconds * 1000;
  const timedOut: CheckResult = { ok: false, reason: "Target.Timeout", description: "Request timed out" };
  const failed: CheckResult = { ok: false, reason: "Target.FailedHealthChecks", description: "Health checks failed" };
  return new Promise((resolve) => {
    if (config.HealthCheckProtocol === "TCP") {
      const socket = net.connect({ host: target.Address, port, timeout: timeoutMs });
      socket.once("connect", () => (socket.destroy(), resolve({ ok: true })));
      socket.once("timeout", () => (socket.destroy(), resolve(timedOut)));
      socket.once("error", () => resolve(failed));
      return;
    }
    const matches = httpCodeMatcher(config.Matcher.HttpCode);
    const req = http.request({
      host: target.Address,
      port,
      path: config.HealthCheckPath,
      method: "GET",
      agent: false,
      timeout: timeoutMs,
      headers: { "user-agent": "ELB-HealthChecker/2.0", host: `${target.Address}:${port}`, connection: "close" },
    });
    req.once("response", (res) => {
      res.resume(); // the body is not looked at; drain it so the socket closes
      const status = res.statusCode ?? 0;
      resolve(matches(status) ? { ok: true } : { ok: false, reason: "Target.ResponseCodeMismatch", description: `Health checks failed with these codes: [${status}]` });
    });
    req.once("timeout", () => {
      req.destroy();
      resolve(timedOut);
    });
    req.once("error", () => resolve(failed));
    req.end();
  });
}
