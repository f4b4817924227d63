import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_CONTENT_TYPE, deliveryPolicyProblem, effectivePolicy, retryDelays } from "./delivery-policy.js";

test("AWS's default HTTP policy: three retries 20 s apart", () => {
  const { retry, contentType } = effectivePolicy(undefined, undefined);
  assert.deepEqual(retryDelays(retry), [20, 20, 20]);
  assert.equal(contentType, DEFAULT_CONTENT_TYPE);
});

test("phases in order: immediate, pre-backoff, backoff from min to max, post-backoff", () => {
  const delays = retryDelays({ minDelayTarget: 1, maxDelayTarget: 16, numRetries: 10, numNoDelayRetries: 2, numMinDelayRetries: 2, numMaxDelayRetries: 2, backoffFunction: "geometric" });
  assert.deepEqual(delays, [0, 0, 1, 1, 1, 3, 6, 16, 16, 16]);
  const linear = retryDelays({ minDelayTarget: 10, maxDelayTarget: 40, numRetries: 4, numNoDelayRetries: 0, numMinDelayRetries: 0, numMaxDelayRetries: 0, backoffFunction: "linear" });
  assert.deepEqual(linear, [10, 20, 30, 40]);
});

test("a subscription's policy overrides its topic's unless the topic disables overrides", () => {
  const topic = JSON.stringify({ http: { defaultHealthyRetryPolicy: { numRetries: 5, minDelayTarget: 2, maxDelayTarget: 2 }, defaultRequestPolicy: { headerContentType: "application/json" } } });
  const sub = JSON.stringify({ healthyRetryPolicy: { numRetries: 1 }, requestPolicy: { headerContentType: "text/xml" } });
  assert.deepEqual(retryDelays(effectivePolicy(topic, undefined).retry), [2, 2, 2, 2, 2]);
  assert.equal(effectivePolicy(topic, undefined).contentType, "application/json");
  assert.deepEqual(retryDelays(effectivePolicy(topic, sub).retry), [2]);
  assert.equal(effectivePolicy(topic, sub).contentType, "text/xml");
  const locked = JSON.stringify({ http: { defaultHealthyRetryPolicy: { numRetries: 0 }, disableSubscriptionOverrides: true } });
  assert.deepEqual(retryDelays(effectivePolicy(locked, sub).retry), []);
});

test("bad policies are refused with a reason", () => {
  assert.equal(deliveryPolicyProblem(JSON.stringify({ healthyRetryPolicy: { numRetries: 3, minDelayTarget: 1, maxDelayTarget: 1 } }), "subscription"), undefined);
  assert.match(deliveryPolicyProblem("{", "subscription")!, /parse/);
  assert.match(deliveryPolicyProblem(JSON.stringify({ healthyRetryPolicy: { minDelayTarget: 0 } }), "subscription")!, /minDelayTarget/);
  assert.match(deliveryPolicyProblem(JSON.stringify({ healthyRetryPolicy: { numRetries: 101 } }), "subscription")!, /100/);
  assert.match(deliveryPolicyProblem(JSON.stringify({ http: { defaultHealthyRetryPolicy: { numRetries: 100, minDelayTarget: 60, maxDelayTarget: 60 } } }), "topic")!, /3600/);
  assert.match(deliveryPolicyProblem(JSON.stringify({ healthyRetryPolicy: { backoffFunction: "cubic" } }), "subscription")!, /backoffFunction/);
});
