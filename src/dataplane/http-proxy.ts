import type { Action, FixedResponseActionConfig } from "@aws-sdk/client-elastic-load-balancing-v2";
import { albError, type LbAnswer } from "./alb-responses.js";
import { selectRule, terminalAction } from "./rules/select-rule.js";
import { applyTransforms } from "./rules/transforms.js";
import { redirectLocation, redirectStatus } from "./rules/redirect.js";
import { hostWithoutPort, splitTarget, type RequestFacts } from "./rules/request-facts.js";
import type { ListenerConfig, TargetConfig, TargetGroupConfig } from "./snapshot.js";
import { chooseTarget, chooseTargetGroup, hasHealthyTarget, type SelectionState } from "./target-selection.js";
import { stickyTargetKey } from "./stickiness.js";
import { boundGroup, boundGroupCookies, groupCookies, groupStickinessSeconds } from "./group-stickiness.js";
import type { TrafficCounter } from "./traffic-counters.js";
import type { RequestHead } from "./http1/request-head.js";
import type { UpstreamPool } from "./http1/upstream-pool.js";

/** What the proxies need from the engine; all of it read per request, so a swap is atomic. */
export interface ProxyContext {
  targetGroup(arn: string): TargetGroupConfig | undefined;
  readonly selection: SelectionState;
  /** Counts a request sent to a target until it is answered (least outstanding requests). */
  begin(key: string): void;
  end(key: string): void;
  /** What the traffic did, for the load balancers' CloudWatch metrics. */
  readonly counters: TrafficCounter;
  /** Keep-alive connections to targets (http1/upstream-pool.ts). */
  readonly pool: UpstreamPool;
}

/**
 * The rule conditions' view of one request, each fact worked out when something first reads it:
 * most requests meet no condition at all (a listener's default action), and every string or
 * object made per request is work for the data plane's garbage collector (bench/lb-tail.ts).
 */
class HeadFacts implements RequestFacts {
  private target: { path: string; query: string } | undefined;
  private bareHost: string | undefined;

  constructor(private readonly head: RequestHead, private readonly listener: ListenerConfig) {}

  get method(): string {
    return this.head.method;
  }
  get host(): string {
    return (this.bareHost ??= hostWithoutPort(this.head.host));
  }
  get hostHeader(): string {
    return this.head.host ?? "";
  }
  get path(): string {
    return (this.target ??= splitTarget(this.head.url)).path;
  }
  get query(): string {
    return (this.target ??= splitTarget(this.head.url)).query;
  }
  /** Only http-header conditions read these: the by-name map is built on first access. */
  get headers(): RequestHead["headers"] {
    return this.head.headers;
  }
  get sourceIp(): string {
    return this.head.clientAddress;
  }
  get protocol(): "HTTP" | "HTTPS" {
    return this.listener.Protocol === "HTTPS" ? "HTTPS" : "HTTP";
  }
  get port(): number {
    return this.listener.Port;
  }
}

export function requestFacts(head: RequestHead, listener: ListenerConfig): RequestFacts {
  return new HeadFacts(head, listener);
}

/** A request the listener's rules send to a target. */
export interface Forward {
  readonly kind: "forward";
  readonly group: TargetGroupConfig;
  readonly target: TargetConfig;
  /** The request target and Host the target gets: the client's, or as the rule's transforms rewrote them. */
  readonly url: string;
  readonly host: string | undefined;
  /** Target group stickiness: the AWSALBTG cookies the response carries (undefined when the action has none). */
  readonly groupCookies?: readonly string[];
}

/** Where a request goes after the listener's rules: an answer from the load balancer, or a target. */
export type Route = { readonly kind: "answer"; readonly answer: LbAnswer; readonly action?: "redirect" | "fixed-response" } | Forward;

/** Evaluates the listener's rules for one request (plain or Upgrade) and picks the target. */
export function route(ctx: ProxyContext, listener: ListenerConfig, head: RequestHead): Route {
  const facts = requestFacts(head, listener);
  const rule = selectRule(listener, facts);
  const action = terminalAction(rule?.Actions ?? listener.DefaultActions);
  if (action?.Type === "fixed-response") return { kind: "answer", answer: fixedResponse(action), action: "fixed-response" };
  if (action?.Type === "redirect" && action.RedirectConfig) {
    const headers = { server: "awselb/2.0", location: redirectLocation(action.RedirectConfig, facts), "content-length": 0 };
    return { kind: "answer", answer: { status: redirectStatus(action.RedirectConfig), headers, body: "" }, action: "redirect" };
  }
  if (action?.Type !== "forward") return { kind: "answer", answer: albError(500) };
  const stickySeconds = groupStickinessSeconds(action);
  // Without target group stickiness (the common case) nothing is allocated for it.
  let group: TargetGroupConfig | undefined;
  let cookies: readonly string[] | undefined;
  if (stickySeconds === undefined) group = weighedGroup(ctx, action);
  else ({ group, cookies } = stickyGroup(ctx, action, head, stickySeconds));
  // Target stickiness (AWSALB, AWSALBAPP) applies inside the chosen group, beside AWSALBTG.
  const target = group && chooseTarget(group, ctx.selection, stickyTargetKey(group, head));
  if (!group || !target) return { kind: "answer", answer: albError(503) };
  const host = head.host || undefined;
  const transforms = rule?.Transforms;
  if (!transforms || transforms.length === 0) return { kind: "forward", group, target, url: head.url, host, groupCookies: cookies };
  const rewritten = applyTransforms(transforms, { host, url: head.url });
  if (!rewritten) return { kind: "answer", answer: albError(500) };
  return { kind: "forward", group, target, url: rewritten.url, host: rewritten.host, groupCookies: cookies };
}

interface ChosenGroup { readonly group: TargetGroupConfig | undefined; readonly cookies?: readonly string[] }

/** The group the action's weights draw. */
function weighedGroup(ctx: ProxyContext, action: Action): TargetGroupConfig | undefined {
  const arn = chooseTargetGroup(action, ctx.selection.random);
  return arn === undefined ? undefined : ctx.targetGroup(arn);
}

/**
 * Target group stickiness: the group the client's AWSALBTG binds it to, while the binding lasts,
 * the group is still in the action and has a healthy target (whatever its weight now: the weights
 * decide where clients go when they are bound, and a binding outlives a weight change for its
 * duration); otherwise the weights choose and the cookie is written anew.
 */
function stickyGroup(ctx: ProxyContext, action: Action, head: RequestHead, seconds: number): ChosenGroup {
  const now = Date.now();
  const bound = boundGroup(action, head.joined("cookie"), now);
  const boundTo = bound && ctx.targetGroup(bound.arn);
  if (bound && boundTo && hasHealthyTarget(boundTo, ctx.selection)) return { group: boundTo, cookies: boundGroupCookies(bound) };
  const group = weighedGroup(ctx, action);
  const arn = group?.TargetGroupArn;
  const index = arn === undefined ? -1 : (action.ForwardConfig?.TargetGroups?.findIndex((g) => g.TargetGroupArn === arn) ?? -1);
  if (index === -1) return { group };
  return { group, cookies: groupCookies(action, index, Math.floor(now / 1000) + seconds) };
}

function fixedResponse(action: Action): LbAnswer {
  const config: FixedResponseActionConfig = action.FixedResponseConfig ?? { StatusCode: "200" };
  const body = config.MessageBody ?? "";
  return { status: Number(config.StatusCode ?? 200), headers: { server: "awselb/2.0", "content-type": config.ContentType ?? "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body) }, body };
}

/** A socket's remote address, IPv4-mapped IPv6 ("::ffff:127.0.0.1") written as plain IPv4. */
export function plainAddress(address: string | undefined): string {
  const a = address ?? "";
  return a.startsWith("::ffff:") ? a.slice(7) : a;
}
