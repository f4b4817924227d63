import type { FastifyRequest } from "fastify";
import type { Scope } from "../../core/arn.js";
import { DOWNLOAD_PARAM, verifyDownloadToken } from "../download-token.js";
import type { AuthDeps } from "./auth.js";
import { OciError } from "./oci-errors.js";
import type { Route } from "./route-path.js";

/**
 * The scope a GetDownloadUrlForLayer URL grants: only a GET or HEAD of the one blob its token
 * names, in the token's repository. Undefined when the request carries no download token (the
 * usual credentials then apply). A token that is present but expired, forged or for another
 * blob gets 403, as S3 answers a pre-signed URL that no longer holds; it never falls back to
 * anonymous access.
 */
export function downloadScope(req: FastifyRequest, route: Route, { clock, secret }: AuthDeps): Scope | undefined {
  const url = req.raw.url ?? "";
  const q = url.indexOf("?");
  if (q < 0) return undefined;
  const token = new URLSearchParams(url.slice(q + 1)).get(DOWNLOAD_PARAM);
  if (token === null) return undefined;
  const check = verifyDownloadToken(secret, token, clock.now());
  const denied = (why: string) => new OciError("DENIED", `the download URL ${why}`, undefined, 403);
  if (!check.ok) throw denied(check.reason === "expired" ? "has expired" : "is not valid");
  const method = req.method === "HEAD" ? "GET" : req.method;
  if (route.kind !== "blob" || method !== "GET" || route.name !== check.claims.repository || route.digest !== check.claims.digest) {
    throw denied("is only valid for a GET of the layer it was issued for");
  }
  return { account: check.claims.account, region: check.claims.region };
}
