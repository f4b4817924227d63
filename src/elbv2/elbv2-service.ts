import { loadModel } from "../aws/model.js";
import type { AwsService, Handler } from "../aws/service.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { Elbv2Deps } from "./deps.js";
import { describeAccountLimits } from "./account-limits.js";
import { loadBalancerHandlers } from "./load-balancers/load-balancers.js";
import { loadBalancerSettingsHandlers } from "./load-balancers/load-balancer-settings.js";
import { targetGroupHandlers } from "./target-groups/target-groups.js";
import { targetHandlers } from "./targets/targets.js";
import { tagHandlers } from "./tags/tags.js";
import { listenerHandlers } from "./listeners/listeners.js";
import { ruleHandlers } from "./rules/rules.js";
import { listenerCertificateHandlers } from "./certificates/listener-certificates.js";

/** Elastic Load Balancing v2 (awsQuery): the API; the data plane reads what it stores (snapshot.ts). */
export function createElbv2Service(deps: Elbv2Deps): AwsService {
  const handlers: Record<string, Handler> = {
    ...loadBalancerHandlers(deps),
    ...loadBalancerSettingsHandlers(deps),
    ...targetGroupHandlers(deps),
    ...targetHandlers(deps),
    ...listenerHandlers(deps),
    ...ruleHandlers(deps),
    ...listenerCertificateHandlers(deps),
    ...tagHandlers(deps),
    DescribeAccountLimits: describeAccountLimits,
  };
  return { model: loadModel("elbv2"), handlers: deps.changed ? feeding(handlers, deps.changed) : handlers };
}

/** The longest a mutating call waits for the data plane: a stuck proxy must not stall the API. */
const FEED_WAIT_MS = 5000;

/**
 * Every call that may change what the data plane serves (all but Describe*) tells it once its
 * transaction committed, and answers once the change is served or FEED_WAIT_MS passed. Tag calls
 * notify too: cheaper than a list of which calls matter, and applies are coalesced.
 */
function feeding(handlers: Record<string, Handler>, changed: () => Promise<void>): Record<string, Handler> {
  const wrap = (handler: Handler): Handler => async (input, ctx) => {
    const result = await handler(input, ctx);
    const timer = new AbortController();
    await Promise.race([changed(), sleep(FEED_WAIT_MS, undefined, { signal: timer.signal }).catch(() => {})]);
    timer.abort();
    return result;
  };
  return Object.fromEntries(Object.entries(handlers).map(([name, h]) => [name, name.startsWith("Describe") ? h : wrap(h)]));
}
