import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authenticatesCallers, type Config } from "../core/config.js";
import { fromOtherSite, otherSiteRefused } from "../console/other-site.js";
import type { Clock } from "../core/clock.js";
import { ServiceError } from "../core/errors.js";
import { newRequestId } from "../core/ids.js";
import { isUnsigned, signingNameOf, type Operation } from "./model.js";
import { validateInput } from "./validate-input.js";
import { resolveCaller, type IssuedCredentials, type RequestContext } from "./request-context.js";
import { own, type AwsService } from "./service.js";
import { EventStreamOutput, eventStreamBody } from "./event-stream.js";
import { jsonErrorResponse, sendJsonNotFound } from "./json-gateway.js";
import { createAwsFront, peerAddress, type AwsFront } from "./gateway-front.js";
import type { Codec, WireRequest, WireResponse } from "./protocols/codec.js";
import { internalError } from "./protocols/error-shape.js";
import { inflateRequest } from "./request-compression.js";
import { awsJson } from "./protocols/aws-json.js";
import { awsQuery, isQueryRequest } from "./protocols/aws-query.js";
import { restJson, RestRouter } from "./protocols/rest-json.js";
import { rpcV2Cbor, routeCbor } from "./protocols/rpc-v2-cbor.js";

type Route = { service: AwsService; operation: Operation };

/**
 * Decides whether a principal (an IAM user or assumed role; never the root) may make a call,
 * throwing the AccessDenied error when not. `service` is the model's signing name.
 */
export type Authorize = (ctx: RequestContext, call: { service: string; operation: string; input: Record<string, unknown> }) => void;

/** Authorizes a principal's call, and lets its handler authorize other operations of the same service (ctx.authorizeAlso). */
export function authorizeCall(authorize: Authorize, ctx: RequestContext, service: string, operation: string, input: Record<string, unknown>): void {
  authorize(ctx, { service, operation, input });
  ctx.authorizeAlso = (other, otherInput) => authorize(ctx, { service, operation: other, input: otherInput });
}

export interface GatewayDeps {
  config: Config;
  clock: Clock;
  /** Credentials IAM and STS issued, which callers may sign with besides the configured ones. */
  issued?: IssuedCredentials;
  authorize?: Authorize;
  /**
   * Answers a request at `/` that is no AWS call (no Action, not a POST) and that a browser makes
   * for a page (the web console); true when it did. AWS calls never reach it.
   */
  page?: (req: FastifyRequest, reply: FastifyReply) => boolean;
  /** Resolves once what was written before the answer is on disk (DurableAnswers); undefined when nothing was. */
  durable?: () => Promise<void> | undefined;
}

/** The protocols a model says its service speaks (CloudWatch: smithy-rpc-v2-cbor, json, query). */
const speaks = (s: AwsService, protocol: string) => (s.model.metadata.protocols ?? [s.model.metadata.protocol]).includes(protocol);

/**
 * One port for every AWS service Berth mounts, whatever protocol each speaks:
 * - `POST /` with X-Amz-Target: AWS JSON 1.0/1.1, by the target's prefix;
 * - `POST /` (or `GET /?Action=`) with a form: awsQuery, by the credential scope, else the Action;
 * - `POST /service/{Service}/operation/{Op}`: smithy-rpc-v2-cbor;
 * - each restJson1 operation's own method and path.
 * Every request then goes the same way, in AWS's order: operation (unknown or not implemented),
 * caller (SigV4), body (the protocol's decoding), the model's constraints — all before a handler
 * runs, so bad input changes nothing — and the answer in the protocol's own form.
 * Returns the front (gateway-front.ts) that answers ordinary requests at `/` before Fastify.
 */
export function registerAwsServices(app: FastifyInstance, services: AwsService[], deps: GatewayDeps): AwsFront {
  const byPrefix = new Map(services.filter((s) => speaks(s, "json")).map((s) => [s.model.metadata.targetPrefix!, s]));
  const query = services.filter((s) => speaks(s, "query"));
  const cbor = new Map(services.filter((s) => speaks(s, "smithy-rpc-v2-cbor")).map((s) => [s.model.metadata.targetPrefix!, s]));

  /** The gateway's core, free of any HTTP framework: a request's bytes in, the answer's out. */
  const answer = async (wire: WireRequest, log: FastifyBaseLogger, codec: Codec, route: (wire: WireRequest) => Route): Promise<WireResponse> => {
    const out = await answerNow(wire, log, codec, route);
    // No answer says a write happened before the write is on disk.
    const writing = deps.durable?.();
    if (writing) await writing;
    return out;
  };
  const answerNow = async (wire: WireRequest, log: FastifyBaseLogger, codec: Codec, route: (wire: WireRequest) => Route): Promise<WireResponse> => {
    const requestId = newRequestId();
    let service: AwsService | undefined;
    let out: WireResponse;
    try {
      wire = inflateRequest(wire);
      const routed = route(wire);
      service = routed.service;
      const { operation } = routed;
      const { model, handlers } = routed.service;
      const handler = own(handlers, operation.name);
      if (!handler) throw new ServiceError(codec.unknownOperation, `The operation ${operation.name} is not implemented by Berth's ${model.metadata.serviceId} yet.`);
      // Open mode trusts this machine, not another site's web page in its user's browser
      // (other-site.ts); nor does strict mode with the well-known test:test, which a page can sign with.
      const origin = wire.headers["origin"];
      if (origin !== undefined && !authenticatesCallers(deps.config) && fromOtherSite(deps.config.host, origin, wire.headers["host"])) throw otherSiteRefused(origin);
      const caller = resolveCaller(wire, deps, signingNameOf(model), { anonymous: isUnsigned(operation) || (routed.service.unsigned?.includes(operation.name) ?? false) });
      const decoded = codec.decodeInput(routed.service, operation, wire);
      const codes = routed.service.validation ? { ...codec.validation, ...routed.service.validation } : codec.validation;
      const input = operation.input ? validateInput(model, operation.input.shape, decoded, codes) : {};
      const ctx: RequestContext = { ...caller, ...(wire.remoteAddress ? { sourceIp: wire.remoteAddress } : {}), requestId, log: log.child({ op: operation.name, requestId }) };
      // A signed root call too: another account's resource must grant it (iam/authorize.ts).
      if ((ctx.principal || ctx.accessKeyId) && deps.authorize) authorizeCall(deps.authorize, ctx, signingNameOf(model), operation.name, input as Record<string, unknown>);
      const result = await handler(input, ctx);
      out = result instanceof EventStreamOutput
        ? { status: 200, headers: { "content-type": "application/vnd.amazon.eventstream" }, body: eventStreamBody(result) }
        : codec.encodeOutput(routed.service, operation, result, requestId);
    } catch (err) {
      // AWS JSON errors of no known service, and unexpected ones, get the server's one error
      // envelope (sendJsonError's), which also answers the framework's own errors (body too
      // large, bad URL). A service's own errors are written as its model says (JSON 1.0 or 1.1,
      // the message member's name, the query code of a query-compatible service).
      if (codec === awsJson && !(err instanceof ServiceError && service)) return jsonErrorResponse(err, wire.headers, log, requestId);
      if (!(err instanceof ServiceError)) log.error({ err }, "unhandled error");
      out = codec.encodeError(service, err instanceof ServiceError ? err : internalError(), requestId);
    }
    return { status: out.status, headers: { "x-amzn-requestid": requestId, ...out.headers }, body: out.body };
  };

  const routeQuery = (w: WireRequest) => awsQuery.route(query, w);
  const routeJson = (w: WireRequest) => awsJson.route(byPrefix, w);
  /** `/`'s protocol: a form (or GET's Action) is awsQuery; any other POST is AWS JSON; else none. */
  const rootProtocol = (w: WireRequest): [Codec, (w: WireRequest) => Route] | undefined => {
    if (w.headers["x-amz-target"] === undefined && isQueryRequest(w)) return [awsQuery, routeQuery];
    if (w.method !== "POST") return undefined;
    return [awsJson, routeJson];
  };
  const wireOf = (req: FastifyRequest): WireRequest => ({
    method: req.method, url: req.url, headers: req.headers, body: req.body instanceof Buffer ? req.body : Buffer.alloc(0), remoteAddress: peerAddress(req.socket.remoteAddress),
  });
  const send = (reply: FastifyReply, out: WireResponse) => reply.status(out.status).headers(out.headers).send(out.body);

  // The Fastify routes answer what the front (gateway-front.ts) leaves to Fastify: unusual
  // requests at `/`, and every other protocol's routes.
  const root = async (req: FastifyRequest, reply: FastifyReply) => {
    const wire = wireOf(req);
    const protocol = rootProtocol(wire);
    if (!protocol) return deps.page?.(req, reply) ? reply : sendJsonNotFound(req, reply);
    return send(reply, await answer(wire, req.log, ...protocol));
  };
  app.post("/", root);
  // Query services also take their parameters in a GET's query string.
  app.get("/", root);

  for (const service of query) {
    if (!service.queryPath) continue;
    const { url, urlParam } = service.queryPath;
    app.route({
      method: ["GET", "POST"], url, handler: async (req, reply) => {
        const wire: WireRequest = { ...wireOf(req), defaults: { [urlParam]: `http://${req.headers.host ?? ""}${req.url.split("?")[0]}` } };
        if (!isQueryRequest(wire)) return sendJsonNotFound(req, reply);
        return send(reply, await answer(wire, req.log, awsQuery, (w) => awsQuery.route([service], w)));
      },
    });
  }

  if (cbor.size) {
    app.post("/service/:service/operation/:operation", async (req, reply) =>
      send(reply, await answer(wireOf(req), req.log, rpcV2Cbor, (w) => routeCbor(cbor, req.params as { service: string; operation: string }, w))));
  }

  const rest = new RestRouter(services.filter((s) => speaks(s, "rest-json")));
  for (const { method, url } of rest.routes()) {
    app.route({ method, url, handler: async (req, reply) => send(reply, await answer(wireOf(req), req.log, restJson, (w) => rest.route(w))) });
  }

  return createAwsFront(app, (wire) => {
    const protocol = rootProtocol(wire);
    return protocol && ((w: WireRequest, log: FastifyBaseLogger) => answer(w, log, ...protocol));
  });
}
