import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Berth has no ACM: the certificates HTTPS and TLS listeners present are PEM files the user puts
 * in the `loadBalancerCertificatesDir` directory. A certificate ARN names its file by its last
 * part: arn:aws:acm:REGION:ACCOUNT:certificate/NAME (or an IAM server certificate,
 * arn:aws:iam::ACCOUNT:server-certificate/NAME) is NAME.pem, holding the certificate, its chain and
 * its private key (as `cat cert.pem chain.pem key.pem`). The files are read when a listener is
 * created or modified, and on every data plane update, so replacing a file renews the certificate.
 */
const arnPattern = /^arn:aws[a-z-]*:(?:acm:[a-z0-9-]+:\d{12}:certificate|iam::\d{12}:server-certificate)\/(?:[^/]+\/)*([A-Za-z0-9][A-Za-z0-9._-]*)$/;

export type CertificateLookup =
  | { readonly ok: true; readonly pem: string }
  | { readonly ok: false; readonly why: string };

/** The PEM (certificate chain and key) a certificate ARN names, checked to hold a certificate and its matching key. */
export function readCertificate(dir: string | undefined, arn: string): CertificateLookup {
  const name = arnPattern.exec(arn)?.[1];
  if (name === undefined) return { ok: false, why: "not an ACM certificate or IAM server certificate ARN" };
  if (dir === undefined) return { ok: false, why: "loadBalancerCertificatesDir is not set" };
  const file = join(dir, `${name}.pem`);
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    return { ok: false, why: `${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  try {
    const certificate = new X509Certificate(pem);
    if (!certificate.checkPrivateKey(createPrivateKey(pem))) return { ok: false, why: `${file}: the private key does not match the certificate` };
  } catch (err) {
    return { ok: false, why: `${file}: needs a PEM certificate and its private key (${(err as Error).message})` };
  }
  return { ok: true, pem };
}
