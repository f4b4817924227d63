/**
 * HTTP/S delivery policies: how often and how far apart SNS tries an endpoint again after a
 * failed delivery, and the Content-Type it sends. A subscription's DeliveryPolicy overrides its
 * topic's `http` policy unless the topic disables overrides; AWS's default is 3 retries 20 s apart.
 */
export interface RetryPolicy {
  minDelayTarget: number;
  maxDelayTarget: number;
  numRetries: number;
  numNoDelayRetries: number;
  numMinDelayRetries: number;
  numMaxDelayRetries: number;
  backoffFunction: "linear" | "arithmetic" | "geometric" | "exponential";
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  minDelayTarget: 20, maxDelayTarget: 20, numRetries: 3, numNoDelayRetries: 0, numMinDelayRetries: 0, numMaxDelayRetries: 0, backoffFunction: "linear",
};

export const DEFAULT_CONTENT_TYPE = "text/plain; charset=UTF-8";

const parse = (json: string | undefined): Record<string, unknown> => {
  if (!json) return {};
  try {
    const v = JSON.parse(json) as unknown;
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/**
 * Checks a DeliveryPolicy as SetTopicAttributes / SetSubscriptionAttributes take it; returns the
 * reason it is refused, or undefined. AWS's limits: delays 1 to 3600 s, at most 100 retries, the
 * phases within numRetries, and the whole policy within 3600 s.
 */
export function deliveryPolicyProblem(json: string, scope: "topic" | "subscription"): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return "DeliveryPolicy: failed to parse JSON.";
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return "DeliveryPolicy: must be a JSON object.";
  const p = parsed as Record<string, unknown>;
  const retry = scope === "topic" ? obj(obj(p["http"])["defaultHealthyRetryPolicy"]) : obj(p["healthyRetryPolicy"]);
  const r = { ...DEFAULT_RETRY_POLICY, ...retry } as Record<string, unknown>;
  for (const k of ["minDelayTarget", "maxDelayTarget", "numRetries", "numNoDelayRetries", "numMinDelayRetries", "numMaxDelayRetries"]) {
    if (!Number.isInteger(r[k]) || (r[k] as number) < 0) return `DeliveryPolicy: ${k} must be a non-negative integer`;
  }
  const policy = r as unknown as RetryPolicy;
  if (policy.minDelayTarget < 1 || policy.maxDelayTarget > 3600 || policy.minDelayTarget > policy.maxDelayTarget) return "DeliveryPolicy: minDelayTarget must be between 1 and maxDelayTarget, maxDelayTarget at most 3600";
  if (policy.numRetries > 100) return "DeliveryPolicy: numRetries must be at most 100";
  if (policy.numNoDelayRetries + policy.numMinDelayRetries + policy.numMaxDelayRetries > policy.numRetries) return "DeliveryPolicy: the retries of the phases exceed numRetries";
  if (!["linear", "arithmetic", "geometric", "exponential"].includes(policy.backoffFunction)) return `DeliveryPolicy: unknown backoffFunction ${String(policy.backoffFunction)}`;
  if (retryDelays(policy).reduce((a, b) => a + b, 0) > 3600) return "DeliveryPolicy: the total retry time must be at most 3600 seconds";
  return undefined;
}

/** The effective policy of a subscription (its own, else its topic's, else AWS's default). */
export function effectivePolicy(topicPolicy: string | undefined, subscriptionPolicy: string | undefined): { retry: RetryPolicy; contentType: string } {
  const topicHttp = obj(parse(topicPolicy)["http"]);
  const sub = topicHttp["disableSubscriptionOverrides"] === true ? {} : parse(subscriptionPolicy);
  const retry = { ...DEFAULT_RETRY_POLICY, ...obj(topicHttp["defaultHealthyRetryPolicy"]), ...obj(sub["healthyRetryPolicy"]) } as RetryPolicy;
  const contentType = obj(sub["requestPolicy"])["headerContentType"] ?? obj(topicHttp["defaultRequestPolicy"])["headerContentType"];
  return { retry, contentType: typeof contentType === "string" ? contentType : DEFAULT_CONTENT_TYPE };
}

/**
 * The wait before each retry, in seconds, phase by phase: immediate retries, then retries at
 * minDelayTarget, then the backoff phase rising from min to max by the backoff function, then
 * retries at maxDelayTarget. AWS does not publish its curves' formulas; these rise from min to
 * max as the functions' names say. AWS adds jitter; Berth does not (so tests are repeatable).
 */
export function retryDelays(p: RetryPolicy): number[] {
  const delays: number[] = [];
  for (let i = 0; i < p.numNoDelayRetries; i++) delays.push(0);
  for (let i = 0; i < p.numMinDelayRetries; i++) delays.push(p.minDelayTarget);
  const backoff = Math.max(0, p.numRetries - p.numNoDelayRetries - p.numMinDelayRetries - p.numMaxDelayRetries);
  for (let i = 1; i <= backoff; i++) {
    const f = backoff === 1 ? 1 : (i - 1) / (backoff - 1);
    const { minDelayTarget: min, maxDelayTarget: max } = p;
    const d = p.backoffFunction === "geometric" || p.backoffFunction === "exponential"
      ? min * Math.pow(max / min, p.backoffFunction === "exponential" ? f * f : f)
      : p.backoffFunction === "arithmetic" ? min + (max - min) * f * f : min + (max - min) * f;
    delays.push(Math.round(d));
  }
  for (let i = 0; i < p.numMaxDelayRetries; i++) delays.push(p.maxDelayTarget);
  return delays;
}
