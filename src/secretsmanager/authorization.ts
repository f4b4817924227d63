import type { AuthorizedCall, ServiceAuthorization } from "../iam/service-authorization.js";

const PARTIAL_ARN = /^arn:aws[a-z-]*:secretsmanager:[^:]+:\d{12}:secret:(.+)$/;

/**
 * The secret a SecretId names, by its full ARN (name-XXXXXX), as Secrets Manager authorizes
 * every action on it whether the caller gave a name, a partial ARN or the ARN. A secret that does
 * not exist is authorized on the id as given, as AWS names it in the refusal.
 */
function secret({ db, ctx, str }: AuthorizedCall): string[] {
  const id = str("SecretId") ?? "";
  const byName = (name: string) => (db.prepare("SELECT arn FROM secrets WHERE account = ? AND region = ? AND name = ?").get(ctx.account, ctx.region, name) as { arn: string } | undefined)?.arn;
  if (!id.startsWith("arn:")) return [byName(id) ?? id];
  if (db.prepare("SELECT 1 FROM secrets WHERE arn = ?").get(id)) return [id];
  const partial = PARTIAL_ARN.exec(id);
  return [(partial && byName(partial[1]!)) ?? id];
}

/**
 * Secrets Manager's actions and their Secret resource
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html).
 * CreateSecret is authorized before the secret's six random characters exist: on
 * `secret:NAME-??????`, which every pattern a policy can write for that name (`NAME-*`, `NAME*`,
 * `NAME-??????`) matches. ListSecrets, BatchGetSecretValue and GetRandomPassword are on "*".
 */
export const secretsManagerAuthorization: ServiceAuthorization = {
  arnService: "secretsmanager",
  resources: {
    CreateSecret: ({ arn, str }) => [arn(`secret:${str("Name") ?? ""}-??????`)],
    ...Object.fromEntries([
      "CancelRotateSecret", "DeleteResourcePolicy", "DeleteSecret", "DescribeSecret", "GetResourcePolicy", "GetSecretValue", "ListSecretVersionIds",
      "PutResourcePolicy", "PutSecretValue", "RemoveRegionsFromReplication", "ReplicateSecretToRegions", "RestoreSecret", "RotateSecret",
      "StopReplicationToReplica", "TagResource", "UntagResource", "UpdateSecret", "UpdateSecretVersionStage", "ValidateResourcePolicy",
    ].map((op) => [op, secret])),
  },
};
