import type { Db } from "../store/database.js";
import type { AuthorizedCall, ServiceAuthorization } from "../iam/service-authorization.js";
import { secretArnOf } from "./secret-store.js";

/**
 * The secret a SecretId names, by its full ARN (name-XXXXXX), as Secrets Manager authorizes
 * every action on it whether the caller gave a name, a partial ARN or the ARN. A secret that does
 * not exist is authorized on the id as given, as AWS names it in the refusal. A name is the
 * caller's account's secret; an ARN names its account's (secret-store.ts findSecret).
 */
function secret({ db, ctx, str }: AuthorizedCall): string[] {
  const id = str("SecretId") ?? "";
  return [secretArnOf(db, ctx.account, ctx.region, id) ?? id];
}

/**
 * Secrets Manager's actions and their Secret resource
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html).
 * CreateSecret is authorized before the secret's six random characters exist: on
 * `secret:NAME-??????`, which every pattern a policy can write for that name (`NAME-*`, `NAME*`,
 * `NAME-??????`) matches. ListSecrets, BatchGetSecretValue and GetRandomPassword are on "*".
 * ValidateResourcePolicy without a SecretId is on "*" too, and needs PutResourcePolicy as well. A secret's resource policy
 * (PutResourcePolicy) is decided with the caller's identity policies (resource-policy-decision.ts):
 * in the secret's account either may allow; another account's caller needs both.
 */
export const secretsManagerAuthorization: ServiceAuthorization = {
  arnService: "secretsmanager",
  resources: {
    CreateSecret: ({ arn, str }) => [arn(`secret:${str("Name") ?? ""}-??????`)],
    ...Object.fromEntries([
      "CancelRotateSecret", "DeleteResourcePolicy", "DeleteSecret", "DescribeSecret", "GetResourcePolicy", "GetSecretValue", "ListSecretVersionIds",
      "PutResourcePolicy", "PutSecretValue", "RemoveRegionsFromReplication", "ReplicateSecretToRegions", "RestoreSecret", "RotateSecret",
      "StopReplicationToReplica", "TagResource", "UntagResource", "UpdateSecret", "UpdateSecretVersionStage",
    ].map((op) => [op, secret])),
    ValidateResourcePolicy: (call) => (call.str("SecretId") === undefined ? ["*"] : secret(call)),
  },
  // ValidateResourcePolicy also needs PutResourcePolicy, as its API reference says.
  dependentActions: {
    ValidateResourcePolicy: (call) => [{ action: "secretsmanager:PutResourcePolicy", resource: call.str("SecretId") === undefined ? "*" : secret(call)[0]! }],
  },
  resourcePolicy: (db: Db, arn: string) =>
    ((JSON.parse((db.prepare("SELECT doc FROM secrets WHERE arn = ?").get(arn) as { doc: string } | undefined)?.doc ?? "{}") as { ResourcePolicy?: string }).ResourcePolicy),
};
