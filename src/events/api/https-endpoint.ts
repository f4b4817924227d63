import { isLoopbackHost } from "../../core/loopback.js";
import { validation } from "../errors.js";

/**
 * AWS calls HTTPS endpoints only (an API destination's InvocationEndpoint, an OAuth connection's
 * AuthorizationEndpoint). Berth also accepts plain HTTP to a loopback address, so a local service
 * (or a test's server) can be the endpoint without a certificate; never plain HTTP to another host,
 * which would send the key or client secret in the clear.
 */
export function checkHttpsEndpoint(parameter: string, url: string) {
  const refused = validation(`Parameter ${parameter} is not valid. Reason: It must be an HTTPS URL.`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw refused;
  }
  // URL keeps an IPv6 host in brackets.
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  if (u.protocol !== "https:" && !(u.protocol === "http:" && isLoopbackHost(host))) throw refused;
}
