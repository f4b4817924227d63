import type { Db } from "../store/database.js";
import type { ValueCipher } from "../store/value-cipher.js";

/**
 * Secret access keys at rest: IAM users' (iam_access_keys) and STS sessions' (sts_sessions).
 * SigV4 needs the secret itself to check a signature, so they are encrypted, not hashed: sealed
 * with the data directory's key as Secrets Manager's values are (value-cipher.ts), each bound to
 * its access key id, so a copy of berth.sqlite alone holds none. The `secret` column of rows
 * sealed this way is empty; `sealed_secret` holds the sealed bytes.
 */
export interface CredentialSecrets {
  seal(accessKeyId: string, secret: string): Buffer;
  open(accessKeyId: string, sealed: Buffer): string;
}

const context = (accessKeyId: string) => `credential:${accessKeyId}`;

export function credentialSecrets(cipher: ValueCipher): CredentialSecrets {
  return {
    seal: (id, secret) => cipher.seal(Buffer.from(secret, "utf8"), context(id)),
    open: (id, sealed) => cipher.open(sealed, context(id)).toString("utf8"),
  };
}

/**
 * Migration 19's second half, which needs the key SQL does not have: rows written before it
 * (plaintext `secret`, no `sealed_secret`) are sealed and their plaintext erased, in one
 * transaction, at every start (a no-op once done). Returns how many rows it sealed.
 */
export function sealPlaintextSecrets(db: Db, secrets: CredentialSecrets): number {
  return db.transaction(() => {
    let sealed = 0;
    for (const table of ["iam_access_keys", "sts_sessions"]) {
      const rows = db.prepare(`SELECT access_key_id, secret FROM ${table} WHERE sealed_secret IS NULL`).all() as { access_key_id: string; secret: string }[];
      for (const r of rows) {
        db.prepare(`UPDATE ${table} SET sealed_secret = ?, secret = '' WHERE access_key_id = ?`).run(secrets.seal(r.access_key_id, r.secret), r.access_key_id);
        sealed++;
      }
    }
    return sealed;
  })();
}
