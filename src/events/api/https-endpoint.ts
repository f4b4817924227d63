import { validation } from "../errors.js";

/**
 * AWS calls HTTPS endpoints only (an API destination's InvocationEndpoint, an OAuth connection's
 * AuthorizationEndpoint) and refuses any other URL. Berth does the same, loopback included: a local
 * endpoint serves HTTPS with a certificate Berth trusts (the trustedCaFile setting).
 */
export function checkHttpsEndpoint(parameter: string, url: string) {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    // Refused below.
  }
  if (u?.protocol !== "https:") throw validation(`Parameter ${parameter} is not valid. Reason: It must be an HTTPS URL.`);
}
