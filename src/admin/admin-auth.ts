import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Config } from "../core/config.js";
import type { Clock } from "../core/clock.js";
import { ServiceError } from "../core/errors.js";
import { isLoopbackAddress } from "../core/loopback.js";
import { resolveCaller } from "../aws/request-context.js";
import { AGENT_PATH } from "../agent/protocol/messages.js";

/** Open to every caller: a liveness probe (it reveals the data directory's berthId, nothing else). */
export const HEALTH_PATH = "/_berth/health";

/**
 * Whether a request reached one of Berth's own endpoints that act beyond any AWS account (reset
 * wipes them all, logs reads any task's output, ...). Decided on the route that matched, not on
 * the path as written, so no spelling of a path (percent-encoding, extra slashes) gets around it.
 * The agent protocol has its own token (agent-routes.ts).
 */
function isAdminRoute(req: FastifyRequest): boolean {
  const route = req.routeOptions.url;
  return route !== undefined && route.startsWith("/_berth/") && route !== HEALTH_PATH && !route.startsWith(`${AGENT_PATH}/`);
}

/**
 * Authenticates Berth's own endpoints like the APIs. In strict SigV4 mode a request must be
 * signed with a configured credential; the scope's service name may be any (the `berth` CLI uses
 * "berth"), since the signature already binds the method, path, query and body it was made for.
 * In open mode there are no credentials to check, so only callers on this machine (loopback) are
 * served; everyone else gets 403 AccessDeniedException.
 * Registered on the root instance before the routes, so it applies to every route there is.
 */
export function guardAdminRoutes(app: FastifyInstance, { config, clock }: { config: Config; clock: Clock }): void {
  // Before the body is read: refusing an unsigned or remote caller costs nothing.
  app.addHook("onRequest", async (req) => {
    if (!isAdminRoute(req)) return;
    if (config.strictSigv4) {
      if (!req.headers.authorization) refuse(req, new ServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", true, {}, 403));
      return;
    }
    if (!isLoopbackAddress(req.socket.remoteAddress)) {
      refuse(req, new ServiceError("AccessDeniedException", `${req.routeOptions.url} answers only callers on this machine (loopback) unless strict SigV4 is on.`, true, {}, 403));
    }
  });
  // Verifying a signature needs the body it covers.
  app.addHook("preHandler", async (req) => {
    if (!config.strictSigv4 || !isAdminRoute(req)) return;
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    try {
      resolveCaller({ method: req.method, url: req.url, headers: req.headers, body }, { config, clock });
    } catch (err) {
      if (err instanceof ServiceError) refuse(req, err);
      throw err;
    }
  });
}

function refuse(req: FastifyRequest, err: ServiceError): never {
  req.log.warn({ route: req.routeOptions.url, ip: req.socket.remoteAddress, error: err.code }, "admin request refused");
  throw err;
}
