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

const VERSIONS: SecureVersion[] = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
// The suites Berth's listeners offer (OpenSSL's defaults for these versions), by preference.
const TLS13_CIPHERS = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];
const TLS12_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
];

/** Every predefined policy, in the order DescribeSSLPolicies lists them. */
export function sslPolicyNames(): string[] {
  return Object.keys(policies);
}

/**
 * One policy as DescribeSSLPolicies shows it: its protocols are the versions it accepts; its
 * ciphers are the suites Berth's listeners offer for them, not AWS's per-policy list
 * (docs/compatibility.md).
 */
export function describeSslPolicy(name: string) {
  const { min, max } = policies[name]!;
  const protocols = VERSIONS.slice(VERSIONS.indexOf(min), VERSIONS.indexOf(max) + 1);
  const ciphers = [...(protocols.includes("TLSv1.3") ? TLS13_CIPHERS : []), ...(protocols.some((p) => p !== "TLSv1.3") ? TLS12_CIPHERS : [])];
  return {
    Name: name,
    SslProtocols: protocols,
    Ciphers: ciphers.map((Name, i) => ({ Name, Priority: i + 1 })),
    SupportedLoadBalancerTypes: ["application", "network"],
  };
}
