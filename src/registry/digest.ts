import { createHash, type Hash } from "node:crypto";

/**
 * Content digests as the OCI image spec defines them (`<algorithm>:<encoded>`), limited to the
 * two registered algorithms registries must or may support. The encoded part is lower-case
 * hex of the exact length the algorithm produces: upper-case hex or a wrong length is not a
 * digest (it would name a different file than the content it claims), so both are refused.
 */
export type Algorithm = "sha256" | "sha512";

export interface Digest {
  algorithm: Algorithm;
  hex: string;
  /** The canonical string form, `sha256:<64 hex>`. */
  value: string;
}

const HEX_LENGTH: Record<Algorithm, number> = { sha256: 64, sha512: 128 };

export const isAlgorithm = (s: string): s is Algorithm => s === "sha256" || s === "sha512";

/** The digest `s` names, or undefined when it is not a well-formed sha256/sha512 digest. */
export function parseDigest(s: string): Digest | undefined {
  const colon = s.indexOf(":");
  if (colon < 0) return undefined;
  const algorithm = s.slice(0, colon);
  const hex = s.slice(colon + 1);
  if (!isAlgorithm(algorithm)) return undefined;
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(hex)) return undefined;
  return { algorithm, hex, value: s };
}

/** True when `s` looks like it means to be a digest (so a reference that is not a tag). */
export const looksLikeDigest = (s: string) => s.includes(":");

export const newHasher = (algorithm: Algorithm): Hash => createHash(algorithm);

export function digestOf(bytes: Uint8Array, algorithm: Algorithm = "sha256"): Digest {
  const hex = createHash(algorithm).update(bytes).digest("hex");
  return { algorithm, hex, value: `${algorithm}:${hex}` };
}

export const digestFromHasher = (algorithm: Algorithm, hasher: Hash): Digest => {
  const hex = hasher.digest("hex");
  return { algorithm, hex, value: `${algorithm}:${hex}` };
};
