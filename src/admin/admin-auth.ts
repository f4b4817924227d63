import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Config } from "../core/config.js";
import type { Clock } from "../core/clock.js";
import { ServiceError } from "../core/errors.js";
import { isThisMachine } from "../core/loopback.js";
import { fromOtherSite, otherSiteRefused } from "../console/other-site.js";
import { resolveCaller } from "../aws/request-context.js";
import { AGENT_PATH } from "../agent/protocol/messages.js";

/** Open to every caller: a liveness probe (it reveals the data directory's berthId, nothing else). */
export const HEALTH_PATH = "/_berth/health";

/**
 * Whether a route is one of Berth's own endpoints that act beyond any AWS account (reset wipes
 * them all, logs reads any task's output, ...). Decided on the route as registered, not on the
 * path as written, so no spelling of a path (percent-encoding, extra slashes) gets around it.
 * The agent protocol has its own token (agent-routes.ts).
 */
function isAdminRoute(url: string): boolean {
  return url.startsWith("/_berth/") && url !== HEALTH_PATH && !url.startsWith(`${AGENT_PATH}/`);
}

/**
 * Authenticates Berth's own endpoints like the APIs. In strict SigV4 mode a request must be
 * signed with a configured credential; the scope's service name may be any (the `berth` CLI uses
 * "berth"), since the signature already binds the method, path, query and body it was made for.
 * In open mode there are no credentials to check, so only callers on this machine (loopback) are
 * served (task containers, whose calls arrive through the API relay, are not); everyone else gets
 * 403 AccessDeniedException.
 * Called on the root instance before any route is registered: the onRoute hook then gives every
 * admin route (in any plugin, HEAD twins included) its checks as route hooks, so the API routes,
 * the hot path, run no hook for it at all.
 */
export function guardAdminRoutes(app: FastifyInstance, { config, clock }: { config: Config; clock: Clock }): void {
  // Before the body is read: refusing an unsigned or remote caller costs nothing.
  const checkCaller = async (req: FastifyRequest) => {
    if (config.strictSigv4) {
      if (!req.headers.authorization) refuse(req, new ServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", true, {}, 403));
      return;
    }
    // Not a task container's request relayed from the Docker bridge (TASK_RELAY_ADDRESS).
    if (!isThisMachine(req.socket.remoteAddress)) {
      refuse(req, new ServiceError("AccessDeniedException", `${req.routeOptions.url} answers only callers on this machine (loopback) unless strict SigV4 is on.`, true, {}, 403));
    }
    // Nor another site's web page in this machine's browser (console/other-site.ts).
    if (fromOtherSite(config.host, req.headers.origin, req.headers.host)) refuse(req, otherSiteRefused(req.headers.origin));
  };
  // Verifying a signature needs the body it covers.
  const checkSignature = async (req: FastifyRequest) => {
    if (!config.strictSigv4) return;
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    try {
      resolveCaller({ method: req.method, url: req.url, headers: req.headers, body }, { config, clock });
    } catch (err) {
      if (err instanceof ServiceError) refuse(req, err);
      throw err;
    }
  };
  app.addHook("onRoute", (route) => {
    if (!isAdminRoute(route.url)) return;
    route.onRequest = withHook(route.onRequest, checkCaller);
    route.preHandler = withHook(route.preHandler, checkSignature);
  });
}

/** A route's hooks of one kind with `hook` first (once: Fastify may hand the same options twice). */
function withHook<H>(hooks: H | H[] | undefined, hook: H): H[] {
  const list = hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
  return list.includes(hook) ? list : [hook, ...list];
}

function refuse(req: FastifyRequest, err: ServiceError): never {
  req.log.warn({ route: req.routeOptions.url, ip: req.socket.remoteAddress, error: err.code }, "admin request refused");
  throw err;
}
