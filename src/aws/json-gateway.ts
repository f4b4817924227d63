import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../core/config.js";
import type { Clock } from "../core/clock.js";
import { ServiceError } from "../core/errors.js";
import { newRequestId } from "../core/ids.js";
import type { ServiceModel } from "./model.js";
import { validateInput } from "./validate-input.js";
import { serializeOutput } from "./serialize-output.js";
import { resolveCaller, type RequestContext } from "./request-context.js";

// Handlers receive input already validated against the model; their input types come from the
// official @aws-sdk packages at the call site, so `any` here is the registry's erasure only.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (input: any, ctx: RequestContext) => unknown;

/** One AWS JSON service: its model and a handler per implemented operation. */
export interface JsonService {
  model: ServiceModel;
  handlers: Record<string, Handler>;
}

/** Biggest request body accepted; ECS's largest inputs (task definitions) are far below it. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * AWS JSON 1.0/1.1 on POST /, dispatched by `X-Amz-Target: <targetPrefix>.<Operation>`.
 * Everything the caller can get wrong becomes an AWS error envelope with a 4xx status;
 * anything else becomes a 500 ServerException whose cause is logged and never sent.
 */
export function registerJsonServices(app: FastifyInstance, services: JsonService[], deps: { config: Config; clock: Clock }) {
  const byPrefix = new Map(services.map((s) => [s.model.metadata.targetPrefix!, s]));

  app.post("/", async (req: FastifyRequest, reply: FastifyReply) => {
    const requestId = newRequestId();
    reply.header("x-amzn-RequestId", requestId);
    const target = req.headers["x-amz-target"];
    if (typeof target !== "string" || !target.includes(".")) {
      throw new ServiceError("UnknownOperationException", "Missing or malformed X-Amz-Target header.");
    }
    const dot = target.lastIndexOf(".");
    const service = byPrefix.get(target.slice(0, dot));
    const opName = target.slice(dot + 1);
    const operation = service?.model.operations[opName];
    const handler = service?.handlers[opName];
    if (!service || !operation || !handler) {
      throw new ServiceError("UnknownOperationException", `The operation ${opName} is not supported by Berth's ${service?.model.metadata.serviceId ?? "gateway"}.`);
    }
    const body = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
    const caller = resolveCaller({ method: req.method, url: req.url, headers: req.headers, body }, deps);

    let decoded: unknown = {};
    if (body.length > 0) {
      try {
        decoded = JSON.parse(body.toString("utf8"));
      } catch {
        throw new ServiceError("SerializationException", "The request body is not valid JSON.");
      }
    }
    const input = operation.input ? validateInput(service.model, operation.input.shape, decoded) : {};
    const ctx: RequestContext = { ...caller, requestId, log: req.log.child({ op: opName, requestId }) };
    const result = await handler(input, ctx);
    const out = operation.output ? serializeOutput(service.model, operation.output.shape, result ?? {}) : {};
    reply.header("content-type", `application/x-amz-json-${service.model.metadata.jsonVersion ?? "1.1"}`);
    return reply.send(JSON.stringify(out ?? {}));
  });
}

/** The AWS JSON error envelope. Unknown errors become ServerException; their cause is logged, never sent. */
export function sendJsonError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const e = toServiceError(err);
  if (!e) {
    req.log.error({ err }, "unhandled error");
  }
  const error = e ?? new ServiceError("ServerException", "An internal error occurred.", false);
  const status = error.status ?? (error.sender ? 400 : 500);
  if (!reply.getHeader("x-amzn-RequestId")) reply.header("x-amzn-RequestId", newRequestId());
  reply
    .status(status)
    .header("x-amzn-errortype", error.code)
    .header("content-type", "application/x-amz-json-1.1")
    .send(JSON.stringify({ ...error.fields, __type: error.code, message: error.message }));
}

/** Framework errors that are the caller's fault (body too large, bad content type) keep their meaning. */
function toServiceError(err: unknown): ServiceError | undefined {
  if (err instanceof ServiceError) return err;
  const f = err as { code?: string; statusCode?: number; message?: string };
  if (f.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new ServiceError("SerializationException", `The request body is larger than ${MAX_BODY_BYTES} bytes.`, true, {}, 413);
  }
  if (typeof f.statusCode === "number" && f.statusCode >= 400 && f.statusCode < 500) {
    return new ServiceError("SerializationException", f.message ?? "Bad request.", true, {}, f.statusCode);
  }
  return undefined;
}
