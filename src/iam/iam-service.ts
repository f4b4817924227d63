import { loadModel } from "../aws/model.js";
import type { AwsService } from "../aws/service.js";
import type { IamDeps } from "./deps.js";
import { roleHandlers } from "./roles.js";
import { inlinePolicyHandlers } from "./inline-policies.js";
import { managedPolicyHandlers } from "./managed-policies.js";
import { instanceProfileHandlers } from "./instance-profiles.js";
import { serviceLinkedRoleHandlers } from "./service-linked-roles.js";
import { userHandlers } from "./users.js";

/**
 * IAM (awsQuery), global: its state is per account, whatever region a call is signed for, and its
 * ARNs carry no region. Roles, users and their access keys, inline and managed policies, instance
 * profiles and service-linked roles, as ECS users need them.
 */
export function createIamService(deps: IamDeps): AwsService {
  return {
    model: loadModel("iam"),
    handlers: {
      ...roleHandlers(deps), ...inlinePolicyHandlers(deps), ...managedPolicyHandlers(deps),
      ...instanceProfileHandlers(deps), ...serviceLinkedRoleHandlers(deps), ...userHandlers(deps),
    },
  };
}
