import { openValue, requireSecret, selectVersion, type SecretDeps } from "./secret-store.js";

/**
 * What ECS needs of Secrets Manager when it launches a task (the execution role's
 * GetSecretValue): a secret's value by ARN or name, version id or staging label. Throws the
 * ServiceError GetSecretValue would (ResourceNotFoundException, ...).
 */
export interface SecretReader {
  secretValue(scope: { account: string; region: string }, secretId: string, select: { versionId?: string; versionStage?: string }): { SecretString: string } | { SecretBinary: Buffer };
}

export function createSecretReader(deps: SecretDeps): SecretReader {
  return {
    secretValue({ account, region }, secretId, select) {
      const s = requireSecret(deps, account, region, secretId);
      return openValue(deps.cipher, s.arn, selectVersion(deps.db, s.arn, select));
    },
  };
}
