import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";

/**
 * ALB's target group stickiness (a forward action's TargetGroupStickinessConfig): the load
 * balancer's cookie AWSALBTG (and AWSALBTGCORS, `SameSite=None; Secure`, for cross-origin
 * requests) binds a client to the target group the weights chose, for DurationSeconds from that
 * choice. The binding's expiry is part of the cookie and is not pushed back by later requests,
 * so a busy client is weighed again once the duration is over (as AWS's walkthrough shows: the
 * group may change after the duration although the page is refreshed throughout).
 *
 * ALB encrypts the value. Berth's names the group by its place in the action's TargetGroups, with
 * the expiry and an HMAC over both and the group's ARN under a key made when the data plane
 * starts: a client can neither pick a group the weights did not give it (a canary at weight 0,
 * say) nor stretch its binding, and a cookie from before the action changed its groups, or
 * before the data plane restarted, is simply not honoured (the client is weighed afresh).
 */
const key = randomBytes(32);
const MAC_BYTES = 16;
/** index (1 byte), expiry in epoch seconds (4 bytes), MAC: 21 bytes, 28 characters of base64url. */
const VALUE = /(?:^|;\s*)AWSALBTG(?:CORS)?=([A-Za-z0-9_-]{28})(?:;|$)/;

/** The group a request's AWSALBTG names, while its binding lasts: its place in the action's TargetGroups and its ARN. */
export interface GroupBinding {
  readonly index: number;
  readonly arn: string;
  /** Epoch seconds. */
  readonly expires: number;
  /** The cookie's value, verified: sent back as it came, its MAC not computed a second time. */
  readonly value: string;
}

/** DurationSeconds when the forward action has target group stickiness on, else undefined (the cheap check on the hot path). */
export function groupStickinessSeconds(action: Action): number | undefined {
  const config = action.ForwardConfig?.TargetGroupStickinessConfig;
  return config?.Enabled && config.DurationSeconds ? config.DurationSeconds : undefined;
}

/** The binding a request's cookies (`cookieHeader`: its Cookie headers joined) carry for this action, if genuine and not expired. */
export function boundGroup(action: Action, cookieHeader: string | undefined, now = Date.now()): GroupBinding | undefined {
  if (cookieHeader === undefined) return undefined;
  const match = VALUE.exec(cookieHeader);
  if (!match) return undefined;
  const bytes = Buffer.from(match[1]!, "base64url");
  const index = bytes[0]!;
  const expires = bytes.readUInt32BE(1);
  const arn = action.ForwardConfig?.TargetGroups?.[index]?.TargetGroupArn;
  if (arn === undefined || expires * 1000 <= now) return undefined;
  return timingSafeEqual(bytes.subarray(5), mac(index, expires, arn)) ? { index, arn, expires, value: match[1]! } : undefined;
}

/** The Set-Cookie values binding the client to the action's group at `index` until `expires` (epoch seconds). */
export function groupCookies(action: Action, index: number, expires: number): string[] {
  const arn = action.ForwardConfig!.TargetGroups![index]!.TargetGroupArn!;
  const bytes = Buffer.alloc(5 + MAC_BYTES);
  bytes[0] = index;
  bytes.writeUInt32BE(expires, 1);
  mac(index, expires, arn).copy(bytes, 5);
  return cookiesOf(bytes.toString("base64url"), expires);
}

/** The Set-Cookie values that keep a client's binding as it is (its cookie came back, verified). */
export const boundGroupCookies = (binding: GroupBinding): string[] => cookiesOf(binding.value, binding.expires);

function cookiesOf(value: string, expires: number): string[] {
  const at = new Date(expires * 1000).toUTCString();
  return [`AWSALBTG=${value}; Expires=${at}; Path=/`, `AWSALBTGCORS=${value}; Expires=${at}; Path=/; SameSite=None; Secure`];
}

function mac(index: number, expires: number, arn: string): Buffer {
  return createHmac("sha256", key).update(`${index}|${expires}|${arn}`).digest().subarray(0, MAC_BYTES);
}
