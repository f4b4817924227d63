import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Principal } from "../aws/request-context.js";
import { newAccessKeyId, newSecretAccessKey, newSessionToken } from "../iam/iam-ids.js";
import type { TemporaryCredentials } from "./role-sessions.js";
import type { CredentialSecrets } from "../iam/credential-secrets.js";

/** What minting and finding sessions need: the store, the time, and the secrets' seal. */
export interface StsDeps {
  db: Db;
  clock: Clock;
  secrets: CredentialSecrets;
}

/** Sessions expired this long ago are forgotten; until then their keys answer ExpiredToken, not InvalidClientTokenId. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

/**
 * Temporary credentials (ASIA... keys with a session token), stored so strict SigV4 can verify
 * them: who they make the caller (`principal` absent: the account's root) and until when.
 */
export function mintSession({ db, clock, secrets }: StsDeps, { account, principal, durationSeconds }: { account: string; principal?: Principal; durationSeconds: number }): TemporaryCredentials {
  const now = clock.now().getTime();
  const credentials: TemporaryCredentials = {
    accessKeyId: newAccessKeyId("ASIA"), secretAccessKey: newSecretAccessKey(), sessionToken: newSessionToken(),
    // AWS's expirations are whole seconds.
    expiration: new Date(Math.floor(now / 1000) * 1000 + durationSeconds * 1000),
  };
  db.transaction(() => {
    db.prepare("DELETE FROM sts_sessions WHERE expires_at < ?").run(now - FORGET_AFTER_MS);
    db.prepare("INSERT INTO sts_sessions (access_key_id, account, secret, sealed_secret, token, expires_at, principal) VALUES (?, ?, '', ?, ?, ?, ?)")
      .run(credentials.accessKeyId, account, secrets.seal(credentials.accessKeyId, credentials.secretAccessKey), credentials.sessionToken, credentials.expiration.getTime(), JSON.stringify(principal ?? null));
  })();
  return credentials;
}

export function findSession(db: Db, secrets: CredentialSecrets, accessKeyId: string): { secret: string; account: string; principal?: Principal; sessionToken: string; expiresAt: number } | undefined {
  const row = db.prepare("SELECT account, sealed_secret, token, expires_at, principal FROM sts_sessions WHERE access_key_id = ?").get(accessKeyId) as
    { account: string; sealed_secret: Buffer; token: string; expires_at: number; principal: string } | undefined;
  if (!row) return undefined;
  const principal = JSON.parse(row.principal) as Principal | null;
  return { secret: secrets.open(accessKeyId, row.sealed_secret), account: row.account, ...(principal ? { principal } : {}), sessionToken: row.token, expiresAt: row.expires_at };
}

/** Who a session makes its caller, without opening its secret (the registry's tokens name their session). */
export function sessionPrincipal(db: Db, accessKeyId: string): Principal | undefined {
  const row = db.prepare("SELECT principal FROM sts_sessions WHERE access_key_id = ?").get(accessKeyId) as { principal: string } | undefined;
  return (row ? (JSON.parse(row.principal) as Principal | null) : null) ?? undefined;
}

export const revokeSession = (db: Db, accessKeyId: string) => void db.prepare("DELETE FROM sts_sessions WHERE access_key_id = ?").run(accessKeyId);

/** The wire shape of Credentials. */
export const presentCredentials = (c: TemporaryCredentials) => ({ AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: c.expiration });
