import type { RequestContext } from "../aws/request-context.js";
import type { Handler } from "../aws/service.js";
import type { AasDeps } from "./deps.js";
import { checkDimensionFilter } from "./ecs-resource.js";
import { page } from "./pagination.js";
import { listActivities } from "./store.js";

/** Activities older than six weeks are not shown, as AWS keeps them six weeks. */
const KEPT_MS = 42 * 86_400_000;

export function activityHandlers({ db, clock }: AasDeps): Record<string, Handler> {
  return {
    DescribeScalingActivities: (input: {
      ServiceNamespace: string; ResourceId?: string; ScalableDimension?: string; MaxResults?: number; NextToken?: string; IncludeNotScaledActivities?: boolean;
    }, ctx: RequestContext) => {
      checkDimensionFilter(input.ServiceNamespace, input.ScalableDimension, input.ResourceId);
      const since = clock.now().getTime() - KEPT_MS;
      const all = listActivities(db, ctx, input.ServiceNamespace, input)
        // Not scaled activities (NotScaledReasons) only when asked for, as AWS.
        .filter((a) => a.StartTime.getTime() >= since && (input.IncludeNotScaledActivities === true || a.NotScaledReasons === undefined));
      const { items, NextToken } = page(all, input.MaxResults, input.NextToken);
      return { ScalingActivities: items, NextToken };
    },
  };
}
