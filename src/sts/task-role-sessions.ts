import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import { ServiceError } from "../core/errors.js";
import { findRoleByArn } from "../iam/roles.js";
import { assumedRolePrincipal, trusts } from "./assume-role.js";
import { mintSession, revokeSession } from "./sessions.js";
import type { RoleSessions } from "./role-sessions.js";

/**
 * RoleSessions over IAM's roles and STS's session store: the task credentials endpoint's sessions,
 * as ECS's agent gets them (the role must trust the service principal, ecs-tasks.amazonaws.com).
 */
export function createRoleSessions({ db, clock }: { db: Db; clock: Clock }): RoleSessions {
  return {
    assumeRoleForService(_scope, { roleArn, sessionName, service, durationSeconds }) {
      const role = findRoleByArn(db, roleArn);
      if (!role) throw new ServiceError("NoSuchEntityException", `The role with name ${roleArn.split("/").pop()} cannot be found.`);
      if (!trusts(role, { service }, "sts:AssumeRole")) {
        throw new ServiceError("AccessDeniedException", `User: ${service} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
      }
      const principal = assumedRolePrincipal(role, sessionName);
      return mintSession(db, clock, { account: principal.account, principal, durationSeconds });
    },
    revoke(accessKeyId) {
      revokeSession(db, accessKeyId);
    },
  };
}
