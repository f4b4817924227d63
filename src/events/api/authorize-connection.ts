import type { Clock } from "../../core/clock.js";
import type { Scope } from "../../core/arn.js";
import type { Logger } from "../../core/logger.js";
import type { SecretDeps } from "../../secretsmanager/secret-store.js";
import { connectionAuth, findConnection, saveConnection } from "./connections.js";
import type { OAuthTokens } from "./oauth-tokens.js";

/**
 * An OAuth connection is AUTHORIZING until its first token arrives: then AUTHORIZED, or
 * DEAUTHORIZED with the reason when the authorization endpoint refuses it (as AWS reports it).
 * Runs after the request that made or changed the connection answered.
 */
export async function authorizeConnection({ secrets, clock, oauth, log }: { secrets: SecretDeps; clock: Clock; oauth: OAuthTokens; log: Logger }, scope: Scope, name: string): Promise<void> {
  const c = findConnection(secrets.db, scope, name);
  if (!c || c.ConnectionState !== "AUTHORIZING") return;
  let outcome: { ConnectionState: "AUTHORIZED" | "DEAUTHORIZED"; StateReason?: string };
  try {
    oauth.forget(c.ConnectionArn);
    await oauth.token(c.ConnectionArn, connectionAuth(secrets, c));
    outcome = { ConnectionState: "AUTHORIZED" };
  } catch (err) {
    log.warn({ connection: c.ConnectionArn, err: (err as Error).message }, "connection could not be authorized");
    outcome = { ConnectionState: "DEAUTHORIZED", StateReason: `Failed to authorize: ${(err as Error).message}` };
  }
  // The connection may have changed meanwhile: only the one that was authorizing is updated.
  const now = findConnection(secrets.db, scope, name);
  if (!now || now.ConnectionArn !== c.ConnectionArn || now.LastModifiedTime !== c.LastModifiedTime) return;
  const t = clock.now().getTime();
  saveConnection(secrets.db, scope, { ...now, ...outcome, LastModifiedTime: t, ...(outcome.ConnectionState === "AUTHORIZED" ? { LastAuthorizedTime: t } : {}) });
}
