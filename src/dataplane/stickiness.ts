import type { IncomingMessage } from "node:http";
import type { TargetGroupConfig } from "./snapshot.js";

/**
 * Target stickiness with ALB's load balancer cookie (stickiness.type lb_cookie): the cookie AWSALB
 * (and AWSALBCORS, for cross-origin requests) names the target that served the client. ALB
 * encrypts the value; Berth encodes the target's key in base64url, opaque enough for clients.
 */
export function stickyTargetKey(group: TargetGroupConfig, req: IncomingMessage): string | undefined {
  if (!isLbCookieSticky(group)) return undefined;
  const cookies = req.headers.cookie ?? "";
  const match = /(?:^|;\s*)AWSALB(?:CORS)?=([A-Za-z0-9_-]+)/.exec(cookies);
  if (!match) return undefined;
  const key = Buffer.from(match[1]!, "base64url").toString("utf8");
  return key.startsWith(`${group.TargetGroupArn}|`) ? key : undefined;
}

export function stickyCookies(group: TargetGroupConfig, key: string, now = Date.now()): string[] {
  if (!isLbCookieSticky(group)) return [];
  const value = Buffer.from(key, "utf8").toString("base64url");
  const expires = new Date(now + group.Attributes["stickiness.lb_cookie.duration_seconds"] * 1000).toUTCString();
  return [`AWSALB=${value}; Expires=${expires}; Path=/`, `AWSALBCORS=${value}; Expires=${expires}; Path=/; SameSite=None`];
}

function isLbCookieSticky(group: TargetGroupConfig): boolean {
  return group.Attributes["stickiness.enabled"] && group.Attributes["stickiness.type"] === "lb_cookie";
}
