import type { SecureVersion } from "node:tls";

/**
 * ELBv2's predefined security policies (ALB and NLB, as of the 2025-09 post-quantum ones) and the
 * TLS versions each accepts from clients. Berth enforces the versions; the cipher lists are
 * OpenSSL's defaults for those versions, not each policy's own list (docs/compatibility.md).
 */
const policies: Record<string, { min: SecureVersion; max: SecureVersion }> = {};
const add = (min: SecureVersion, max: SecureVersion, ...names: string[]) => {
  for (const name of names) policies[`ELBSecurityPolicy-${name}`] = { min, max };
};
add("TLSv1.3", "TLSv1.3", "TLS13-1-3-2021-06", "TLS13-1-3-FIPS-2023-04", "TLS13-1-3-PQ-2025-09", "TLS13-1-3-FIPS-PQ-2025-09");
add("TLSv1.2", "TLSv1.3",
  "TLS13-1-2-2021-06", "TLS13-1-2-Res-2021-06", "TLS13-1-2-Ext1-2021-06", "TLS13-1-2-Ext2-2021-06",
  "TLS13-1-2-FIPS-2023-04", "TLS13-1-2-Res-FIPS-2023-04", "TLS13-1-2-Ext0-FIPS-2023-04", "TLS13-1-2-Ext1-FIPS-2023-04", "TLS13-1-2-Ext2-FIPS-2023-04",
  "TLS13-1-2-PQ-2025-09", "TLS13-1-2-Res-PQ-2025-09", "TLS13-1-2-Ext1-PQ-2025-09", "TLS13-1-2-Ext2-PQ-2025-09",
  "TLS13-1-2-FIPS-PQ-2025-09", "TLS13-1-2-Res-FIPS-PQ-2025-09", "TLS13-1-2-Ext0-FIPS-PQ-2025-09", "TLS13-1-2-Ext1-FIPS-PQ-2025-09", "TLS13-1-2-Ext2-FIPS-PQ-2025-09");
add("TLSv1.1", "TLSv1.3", "TLS13-1-1-2021-06", "TLS13-1-1-FIPS-2023-04");
add("TLSv1", "TLSv1.3", "TLS13-1-0-2021-06", "TLS13-1-0-FIPS-2023-04");
add("TLSv1.2", "TLSv1.2", "FS-1-2-Res-2020-10", "FS-1-2-Res-2019-08", "FS-1-2-2019-08", "TLS-1-2-Ext-2018-06", "TLS-1-2-2017-01");
add("TLSv1.1", "TLSv1.2", "FS-1-1-2019-08", "TLS-1-1-2017-01");
add("TLSv1", "TLSv1.2", "FS-2018-06", "2016-08", "2015-05");

/** What CreateListener uses when SslPolicy is left out (the API's default; the console picks a newer one). */
export const defaultSslPolicy = "ELBSecurityPolicy-2016-08";

/** The TLS versions a policy accepts, or undefined for a name AWS does not have. */
export function sslPolicyVersions(name: string): { min: SecureVersion; max: SecureVersion } | undefined {
  return Object.hasOwn(policies, name) ? policies[name] : undefined;
}
