import { loadModel } from "../aws/model.js";
import type { AwsService, Handler } from "../aws/service.js";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import { assumeRole, getSessionToken } from "./assume-role.js";

/**
 * STS (awsQuery). The caller is the identity whose credentials signed the call: an IAM user, a
 * role session, or else the root of the account its access key names (a 12-digit access key id
 * is the account; any other is the configured one), answered as AWS answers root credentials.
 */
export function createStsService({ db, clock }: { db: Db; clock: Clock }): AwsService {
  const getCallerIdentity: Handler = (_input, ctx) => ctx.principal
    ? { Account: ctx.account, Arn: ctx.principal.arn, UserId: ctx.principal.userId }
    : { Account: ctx.account, Arn: `arn:aws:iam::${ctx.account}:root`, UserId: ctx.account };
  return {
    model: loadModel("sts"),
    handlers: {
      GetCallerIdentity: getCallerIdentity,
      AssumeRole: (input, ctx) => assumeRole(db, clock, input, ctx),
      GetSessionToken: (input, ctx) => getSessionToken(db, clock, input, ctx),
    },
  };
}
