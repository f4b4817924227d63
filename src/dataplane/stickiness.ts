import type { TargetGroupConfig } from "./snapshot.js";

/**
 * ALB's target stickiness, both kinds:
 * - lb_cookie: the load balancer's own cookie AWSALB (and AWSALBCORS, for cross-origin requests)
 *   names the target that served the client, on every response;
 * - app_cookie: when the target's response sets the application cookie the group names
 *   (stickiness.app_cookie.cookie_name), ALB adds AWSALBAPP-0 naming the target, and
 *   AWSALBAPP-1..3 as `_remove_` (ALB splits a long value over four cookies; Berth's fits in one),
 *   for stickiness.app_cookie.duration_seconds. Requests carrying AWSALBAPP-0 go to that target.
 * ALB encrypts the values; Berth encodes the target's key in base64url, opaque enough for clients.
 */
/** The target a request's stickiness cookie names (`request.joined("cookie")`: its Cookie headers as one). */
export function stickyTargetKey(group: TargetGroupConfig, request: { joined(name: string): string | undefined }): string | undefined {
  const type = stickyType(group);
  if (type === undefined) return undefined;
  const cookies = request.joined("cookie") ?? "";
  const pattern = type === "lb_cookie" ? /(?:^|;\s*)AWSALB(?:CORS)?=([A-Za-z0-9_-]+)/ : /(?:^|;\s*)AWSALBAPP-0=([A-Za-z0-9_-]+)/;
  const match = pattern.exec(cookies);
  if (!match) return undefined;
  const key = Buffer.from(match[1]!, "base64url").toString("utf8");
  return key.startsWith(`${group.TargetGroupArn}|`) ? key : undefined;
}

/** The Set-Cookie values the load balancer adds to a target's response (`setByTarget`: the target's own Set-Cookie headers). */
export function stickyCookies(group: TargetGroupConfig, key: string, setByTarget: readonly string[] = [], now = Date.now()): string[] {
  const type = stickyType(group);
  if (type === undefined) return [];
  const value = Buffer.from(key, "utf8").toString("base64url");
  if (type === "lb_cookie") {
    const expires = new Date(now + group.Attributes["stickiness.lb_cookie.duration_seconds"] * 1000).toUTCString();
    return [`AWSALB=${value}; Expires=${expires}; Path=/`, `AWSALBCORS=${value}; Expires=${expires}; Path=/; SameSite=None; Secure`];
  }
  const name = group.Attributes["stickiness.app_cookie.cookie_name"];
  if (!setByTarget.some((c) => c.trimStart().startsWith(`${name}=`))) return [];
  const expires = new Date(now + group.Attributes["stickiness.app_cookie.duration_seconds"] * 1000).toUTCString();
  return [0, 1, 2, 3].map((n) => `AWSALBAPP-${n}=${n === 0 ? value : "_remove_"}; Expires=${expires}; Path=/`);
}

function stickyType(group: TargetGroupConfig): "lb_cookie" | "app_cookie" | undefined {
  if (!group.Attributes["stickiness.enabled"]) return undefined;
  const type = group.Attributes["stickiness.type"];
  if (type === "lb_cookie") return type;
  return type === "app_cookie" && group.Attributes["stickiness.app_cookie.cookie_name"] !== "" ? type : undefined;
}
