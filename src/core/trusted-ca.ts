import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { getCACertificates, setDefaultCACertificates } from "node:tls";

/**
 * The certificates of a PEM bundle (trustedCaFile), each checked to be a certificate; throws a
 * message naming the file when it cannot be read or holds none.
 */
export function readCaBundle(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new Error(`${path} holds no PEM certificate`);
  for (const [i, pem] of pems.entries()) {
    try {
      new X509Certificate(pem);
    } catch {
      throw new Error(`certificate ${i + 1} of ${path} is not a valid X.509 certificate`);
    }
  }
  return pems;
}

/**
 * Adds certificate authorities to the ones every outgoing TLS connection of this process trusts
 * (Node's bundled roots plus NODE_EXTRA_CA_CERTS), so Berth's own HTTPS calls (API destinations,
 * OAuth token endpoints, SNS https subscriptions) accept endpoints whose certificates a private CA
 * issued. Process-wide on purpose: Node's fetch and https agents all read this default store.
 */
export function trustCaBundle(pems: string[]): void {
  setDefaultCACertificates([...getCACertificates("default"), ...pems]);
}
