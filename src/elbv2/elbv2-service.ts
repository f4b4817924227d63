import { loadModel } from "../aws/model.js";
import type { AwsService } from "../aws/service.js";
import type { Elbv2Deps } from "./deps.js";
import { describeAccountLimits } from "./account-limits.js";
import { loadBalancerHandlers } from "./load-balancers/load-balancers.js";
import { targetGroupHandlers } from "./target-groups/target-groups.js";
import { targetHandlers } from "./targets/targets.js";
import { tagHandlers } from "./tags/tags.js";
import { listenerHandlers } from "./listeners/listeners.js";
import { ruleHandlers } from "./rules/rules.js";

/** Elastic Load Balancing v2 (awsQuery): the API; the data plane reads what it stores (snapshot.ts). */
export function createElbv2Service(deps: Elbv2Deps): AwsService {
  return {
    model: loadModel("elbv2"),
    handlers: {
      ...loadBalancerHandlers(deps),
      ...targetGroupHandlers(deps),
      ...targetHandlers(deps),
      ...listenerHandlers(deps),
      ...ruleHandlers(deps),
      ...tagHandlers(deps),
      DescribeAccountLimits: describeAccountLimits,
    },
  };
}
