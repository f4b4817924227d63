import { timingSafeEqual, createHash } from "node:crypto";

/**
 * The shared agent token check. Both sides are hashed first so the comparison takes the same
 * time whatever the lengths; a server without a token refuses every agent.
 */
export function tokenMatches(expected: string | undefined, given: string | undefined): boolean {
  if (!expected || !given) return false;
  const h = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(h(expected), h(given));
}
