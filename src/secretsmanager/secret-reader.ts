import { findSecret, openValue, requireCrossAccountKey, requireSecret, selectVersion, type SecretDeps } from "./secret-store.js";

/**
 * What ECS needs of Secrets Manager when it launches a task (the execution role's
 * GetSecretValue): a secret's value by ARN or name, version id or staging label. Throws the
 * ServiceError GetSecretValue would (ResourceNotFoundException, ...).
 */
export interface SecretReader {
  /** `reader`: the account reading (a task's); from another account the secret must not use the default key, as GetSecretValue refuses. */
  secretValue(scope: { account: string; region: string }, secretId: string, select: { versionId?: string; versionStage?: string }, reader?: string): { SecretString: string } | { SecretBinary: Buffer };
  /** The secret's full ARN (a name or partial ARN resolved), for authorization; undefined when there is none. */
  secretArn(scope: { account: string; region: string }, secretId: string): string | undefined;
}

export function createSecretReader(deps: SecretDeps): SecretReader {
  return {
    secretValue({ account, region }, secretId, select, reader) {
      const s = requireSecret(deps, account, region, secretId);
      if (reader !== undefined) requireCrossAccountKey(s, reader);
      return openValue(deps.cipher, s.arn, selectVersion(deps.db, s.arn, select));
    },
    secretArn: ({ account, region }, secretId) => findSecret(deps, account, region, secretId)?.arn,
  };
}
