import { loadModel } from "../aws/model.js";
import type { AwsService, Handler } from "../aws/service.js";

/**
 * STS (awsQuery). Berth has no IAM users yet: every caller is the root identity of the account
 * its access key names (a 12-digit access key id is the account; any other is the configured
 * one), answered as AWS answers root credentials.
 */
export function createStsService(): AwsService {
  const getCallerIdentity: Handler = (_input, ctx) => ({
    Account: ctx.account,
    Arn: `arn:aws:iam::${ctx.account}:root`,
    UserId: ctx.account,
  });
  return { model: loadModel("sts"), handlers: { GetCallerIdentity: getCallerIdentity } };
}
