import type { Db } from "../store/database.js";
import type { Logger } from "../core/logger.js";
import { ServiceError } from "../core/errors.js";
import { UnknownCallError, type InternalCaller } from "../aws/internal-call.js";
import { findRoleByArn } from "../iam/roles.js";
import { assumedRolePrincipal } from "../sts/assume-role.js";
import { DeliveryError } from "../events/delivery-error.js";
import type { TargetDispatcher } from "../events/target-dispatch.js";

/** `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`: the SDK's service id in lower case, the action camelCase. */
const UNIVERSAL_ARN = /^arn:aws[\w-]*:scheduler:::aws-sdk:([a-z0-9]+):([a-zA-Z0-9]+)$/;

/** The read-only actions Scheduler refuses as universal targets, by the prefixes the User Guide lists. */
const READ_ONLY_PREFIXES = [
  "get", "describe", "list", "poll", "receive", "search", "scan", "query", "select", "read", "lookup", "discover", "validate",
  "batchGet", "batchDescribe", "batchRead", "transactGet", "adminGet", "adminList", "testMigration", "retrieve", "testConnection",
  "translateDocument", "isAuthorized", "invokeModel",
];

export function parseUniversalArn(arn: string): { service: string; action: string } | undefined {
  const m = UNIVERSAL_ARN.exec(arn);
  return m ? { service: m[1]!, action: m[2]! } : undefined;
}

export const isReadOnlyAction = (action: string) => READ_ONLY_PREFIXES.some((p) => action.startsWith(p));

/** Errors worth another attempt: the service's own faults and throttling; a client error fails the same way every time. */
const retryable = (err: ServiceError) => !err.sender || /Throttl|TooManyRequests|RequestLimitExceeded/.test(err.code);

/**
 * Scheduler's universal targets: the schedule's Input is the parameters of the API call the ARN
 * names, made in-process on the service Berth mounts (internal-call.ts) — as the schedule's role
 * with iamEnforcement (its policies decide, as for a call signed by a session of it), as the
 * account otherwise. The service's error becomes the dead-letter queue's ERROR_CODE and
 * ERROR_MESSAGE; a client error (invalid input, a resource that does not exist) and a call
 * Berth does not provide go there at once, server errors and throttling are retried.
 */
export function universalTarget({ db, call, iamEnforcement, log }: { db: Db; call: InternalCaller; iamEnforcement: boolean; log: Logger }): TargetDispatcher {
  return {
    handles: (arn) => parseUniversalArn(arn) !== undefined,
    async deliver({ scope, target, input }) {
      const { service, action } = parseUniversalArn(target.Arn!)!;
      const role = iamEnforcement && target.RoleArn ? findRoleByArn(db, target.RoleArn) : undefined;
      try {
        await call({ service, operation: action, input, ...scope, ...(role ? { principal: assumedRolePrincipal(role, "scheduler") } : {}), log });
      } catch (err) {
        if (err instanceof UnknownCallError) throw new DeliveryError("SDK_CLIENT_ERROR", err.message, false);
        if (err instanceof ServiceError) throw new DeliveryError(err.code, err.message, retryable(err));
        throw err;
      }
    },
  };
}
