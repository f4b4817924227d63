import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { openSync, readFileSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";

/**
 * Secret values at rest (Secrets Manager secrets, Parameter Store parameters): AES-256-GCM,
 * a fresh 12-byte nonce per value, sealed as nonce | tag | ciphertext. The key is 32 random
 * bytes in <dataDir>/secrets.key (mode 0600), created on first start, and deliberately not in
 * the database: a copy of berth.sqlite (a backup, a bug report) holds no readable secret without
 * the key file. Each value is bound to what it belongs to (`context`, as GCM's additional
 * data: the secret's ARN and version id, the parameter's name and version) so that a sealed
 * value copied onto another row does not decrypt. Losing the key file loses every value.
 */
export const KEY_FILE = "secrets.key";

export interface ValueCipher {
  seal(plaintext: Buffer, context: string): Buffer;
  /** Throws when the value was not sealed with this key for this context. */
  open(sealed: Buffer, context: string): Buffer;
}

const NONCE = 12;
const TAG = 16;

/** The data directory's key: read, or made (exclusively, so two processes agree on one). */
export function dataDirKey(dataDir: string): Buffer {
  const path = join(dataDir, KEY_FILE);
  try {
    const fd = openSync(path, "wx", 0o600);
    try {
      writeSync(fd, randomBytes(32).toString("hex"));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const key = Buffer.from(readFileSync(path, "utf8").trim(), "hex");
  if (key.length !== 32) throw new Error(`${path} does not hold a 256-bit key (64 hex digits)`);
  return key;
}

export function valueCipher(key: Buffer): ValueCipher {
  return {
    seal(plaintext, context) {
      const nonce = randomBytes(NONCE);
      const c = createCipheriv("aes-256-gcm", key, nonce);
      c.setAAD(Buffer.from(context));
      const body = Buffer.concat([c.update(plaintext), c.final()]);
      return Buffer.concat([nonce, c.getAuthTag(), body]);
    },
    open(sealed, context) {
      const d = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, NONCE));
      d.setAAD(Buffer.from(context));
      d.setAuthTag(sealed.subarray(NONCE, NONCE + TAG));
      return Buffer.concat([d.update(sealed.subarray(NONCE + TAG)), d.final()]);
    },
  };
}
