import type { AuthorizedCall, ServiceAuthorization } from "../iam/service-authorization.js";
import { PASSED_TO, passRoles } from "../iam/pass-role.js";

/**
 * The scalable target a call names by ServiceNamespace, ResourceId and ScalableDimension, by its
 * ARN (scalable-target/ID). One not registered yet has no id: `scalable-target/*`.
 */
function scalableTarget({ db, ctx, str, arn }: AuthorizedCall): string[] {
  const row = db.prepare("SELECT arn FROM aas_targets WHERE account = ? AND region = ? AND namespace = ? AND resource_id = ? AND dimension = ?")
    .get(ctx.account, ctx.region, str("ServiceNamespace") ?? "", str("ResourceId") ?? "", str("ScalableDimension") ?? "") as { arn: string } | undefined;
  return [row?.arn ?? arn("scalable-target/*")];
}

/**
 * Application Auto Scaling (https://docs.aws.amazon.com/service-authorization/latest/reference/list_applicationautoscaling.html):
 * the calls that change a scalable target, its policies and its scheduled actions are authorized
 * on the target's ARN; the Describe calls on "*".
 */
export const applicationAutoScalingAuthorization: ServiceAuthorization = {
  arnService: "application-autoscaling",
  resources: Object.fromEntries(["RegisterScalableTarget", "DeregisterScalableTarget", "PutScalingPolicy", "DeleteScalingPolicy", "PutScheduledAction", "DeleteScheduledAction"]
    .map((op) => [op, scalableTarget])),
  // A RoleARN is handed to Application Auto Scaling to scale the target with: the caller must be
  // allowed iam:PassRole on it to application-autoscaling.amazonaws.com (as AmazonECS_FullAccess grants
  // for ecsAutoscaleRole), even where the service then scales with its service-linked role.
  dependentActions: { RegisterScalableTarget: (call) => passRoles(PASSED_TO.applicationAutoScaling, [call.str("RoleARN")]) },
};
