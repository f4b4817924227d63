import { execFileSync } from "node:child_process";
import { createHash, createPrivateKey, type KeyObject } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

/** The key SNS messages are signed with and the certificate that verifies them (SigningCertURL). */
export interface SigningIdentity {
  key: KeyObject;
  certificatePem: string;
  /** `SimpleNotificationService-<hash>.pem`, the file name AWS's certificate URLs have. */
  certificateFile: string;
}

/**
 * Berth's SNS signing identity, kept in <dataDir>/sns so that signatures verify across restarts
 * (subscribers may cache the certificate). Made at first start: an RSA key (SNS signs with
 * SHA1withRSA or SHA256withRSA) and a self-signed certificate for it. node:crypto makes keys but
 * not X.509 certificates, so openssl makes both.
 */
/** Under the data directory; private like the rest of it (the server tightens it at start). */
export const SNS_DIR = "sns";

export function loadSigningIdentity(dataDir: string): SigningIdentity {
  const dir = join(dataDir, SNS_DIR);
  const keyPath = join(dir, "signing-key.pem");
  const certPath = join(dir, "signing-cert.pem");
  if (!existsSync(keyPath) || !existsSync(certPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmpKey = `${keyPath}.tmp`;
    const tmpCert = `${certPath}.tmp`;
    try {
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=sns.amazonaws.com",
        "-keyout", tmpKey, "-out", tmpCert], { stdio: "ignore" });
    } catch (err) {
      rmSync(tmpKey, { force: true });
      rmSync(tmpCert, { force: true });
      throw new Error(`could not make SNS's signing certificate with openssl (is it installed?): ${(err as Error).message}`);
    }
    // openssl writes under the process umask: the key, at least, is for this user's eyes only.
    chmodSync(tmpKey, 0o600);
    chmodSync(tmpCert, 0o600);
    // The certificate last: a key without its certificate is made again at the next start.
    renameSync(tmpKey, keyPath);
    renameSync(tmpCert, certPath);
  }
  const certificatePem = readFileSync(certPath, "utf8");
  const hash = createHash("md5").update(certificatePem).digest("hex");
  return { key: createPrivateKey(readFileSync(keyPath)), certificatePem, certificateFile: `SimpleNotificationService-${hash}.pem` };
}
