import { X509Certificate } from "node:crypto";
import tls from "node:tls";
import type { ListenerTls } from "./snapshot.js";

/**
 * How an HTTPS or TLS listener terminates TLS. The default certificate (the listener's first) is
 * the server's own; a client's SNI name picks another of the listener's certificates that covers
 * it, as ALB's certificate list does. `current` is read at each handshake, so a snapshot swap
 * changes certificates without reopening the listener.
 */
export function serverTlsOptions(current: () => ListenerTls | undefined): tls.TlsOptions {
  const initial = current();
  return {
    ...contextOptions(initial),
    SNICallback: (servername, callback) => {
      const config = current();
      callback(null, config ? contextFor(config, servername) : undefined);
    },
  };
}

/** Options for setSecureContext when a snapshot swaps the default certificate or the versions. */
export function contextOptions(config: ListenerTls | undefined): tls.SecureContextOptions {
  const first = config?.Certificates[0];
  // Each PEM holds the chain and the key: OpenSSL picks the certificate blocks for `cert` and the key block for `key`.
  return first ? { cert: first.Pem, key: first.Pem, minVersion: config.MinVersion, maxVersion: config.MaxVersion } : {};
}

interface Candidate { readonly certificate: X509Certificate; readonly context: tls.SecureContext }
// Building a secure context per handshake would be costly; snapshots are immutable, so cache by identity.
const built = new WeakMap<ListenerTls, Candidate[]>();

function candidatesOf(config: ListenerTls): Candidate[] {
  let candidates = built.get(config);
  if (!candidates) {
    candidates = config.Certificates.map((c) => ({
      certificate: new X509Certificate(c.Pem),
      context: tls.createSecureContext({ cert: c.Pem, key: c.Pem, minVersion: config.MinVersion, maxVersion: config.MaxVersion }),
    }));
    built.set(config, candidates);
  }
  return candidates;
}

/** The context for a client's SNI name: the certificate that covers it, else the default one, as on ALB. */
export function contextFor(config: ListenerTls, servername: string): tls.SecureContext | undefined {
  const candidates = candidatesOf(config);
  return (candidates.find((c) => c.certificate.checkHost(servername) !== undefined) ?? candidates[0])?.context;
}

/** Whether one of the listener's certificates covers the name. */
export function coversName(config: ListenerTls, servername: string): boolean {
  return candidatesOf(config).some((c) => c.certificate.checkHost(servername) !== undefined);
}
