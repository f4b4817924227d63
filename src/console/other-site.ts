import { ServiceError } from "../core/errors.js";
import { servesHost } from "./bound-host.js";

/**
 * Whether a request comes from a web page of another site than Berth's own (its console, served
 * under the bound address's names: bound-host.ts). Browsers name the page's origin in an Origin
 * header on every cross-origin request and every POST; AWS's SDKs, the CLIs and curl send none.
 * Open mode trusts this machine's processes, not every page its user browses: without this, any
 * site could make the browser POST a form (`Action=CreateUser&...`, the query protocol, which
 * needs no CORS preflight) to http://127.0.0.1:4566/ and change Berth. An Origin that is no URL
 * ("null": a sandboxed frame, a file: page) is another site too.
 */
export function fromOtherSite(bound: string, origin: string | string[] | undefined): boolean {
  if (origin === undefined) return false;
  if (typeof origin !== "string") return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return true;
  }
  return host === "" || !servesHost(bound, host);
}

/** The refusal of such a request: 403 AccessDeniedException, in the protocol's own error form. */
export const otherSiteRefused = (origin: string | string[] | undefined) =>
  new ServiceError("AccessDeniedException", `Berth answers no request from another site's web page (Origin ${String(origin)}) unless it authenticates callers (strict SigV4 with credentials of your own).`, true, {}, 403);
