import { isIP } from "node:net";
import { hostname } from "node:os";
import { ServiceError } from "../core/errors.js";
import { bindsEveryAddress, servesHost } from "./bound-host.js";

/**
 * Whether a request comes from a web page of another site than Berth's own (its console).
 * Browsers name the page's origin in an Origin header on every cross-origin request and every
 * POST; AWS's SDKs, the CLIs and curl send none. Open mode trusts this machine's processes, not
 * every page its user browses: without this, any site could make the browser POST a form
 * (`Action=CreateUser&...`, the query protocol, which needs no CORS preflight) to
 * http://127.0.0.1:4566/ and change Berth. An Origin that is no URL ("null": a sandboxed frame,
 * a file: page) is another site too.
 *
 * Berth's own pages are those at the port the request reached (`hostHeader`), under a name of the
 * bound address (bound-host.ts). Bound to every address (0.0.0.0, ::), Berth answers to any name,
 * so there the page must be the very origin the request was sent to (its Host), and named by an
 * IP address, `localhost` or this machine's host name: any other name could be a DNS rebinding,
 * another site's name pointed at this machine, whose page would then be "same-origin".
 */
export function fromOtherSite(bound: string, origin: string | string[] | undefined, hostHeader: string | string[] | undefined): boolean {
  if (origin === undefined) return false;
  if (typeof origin !== "string" || typeof hostHeader !== "string") return true;
  let page: URL;
  let reached: URL;
  try {
    page = new URL(origin);
    reached = new URL(`${page.protocol}//${hostHeader}`);
  } catch {
    return true;
  }
  if (page.host === "" || page.port !== reached.port) return true;
  if (!bindsEveryAddress(bound)) return !servesHost(bound, page.host);
  return page.hostname !== reached.hostname || !unrebindable(page.hostname);
}

/** A name no other site's DNS can give this machine: an address, `localhost`, or the machine's own host name. */
function unrebindable(name: string): boolean {
  const bare = name.replace(/^\[(.*)\]$/, "$1");
  return isIP(bare) !== 0 || bare === "localhost" || bare === hostname().toLowerCase();
}

/** The refusal of such a request: 403 AccessDeniedException, in the protocol's own error form. */
export const otherSiteRefused = (origin: string | string[] | undefined) =>
  new ServiceError("AccessDeniedException", `Berth answers no request from another site's web page (Origin ${String(origin)}) unless it authenticates callers (strict SigV4 with credentials of your own).`, true, {}, 403);
