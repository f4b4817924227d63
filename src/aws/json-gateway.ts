import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../core/config.js";
import type { Clock } from "../core/clock.js";
import { ServiceError } from "../core/errors.js";
import { newRequestId } from "../core/ids.js";
import type { Operation, ServiceModel } from "./model.js";
import { validateInput } from "./validate-input.js";
import { serializeOutput } from "./serialize-output.js";
import { resolveCaller, type RequestContext } from "./request-context.js";
import { bodyTooLarge } from "./raw-body.js";

// Handlers receive input already validated against the model; their input types come from the
// official @aws-sdk packages at the call site, so `any` here is the registry's erasure only.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (input: any, ctx: RequestContext) => unknown;

/** One AWS JSON service: its model and a handler per implemented operation. */
export interface JsonService {
  model: ServiceModel;
  handlers: Record<string, Handler>;
}

export { MAX_BODY_BYTES, readRawBody } from "./raw-body.js";

/** Media types a JSON request may be sent as; parameters (`; charset=utf-8`) are ignored. */
const JSON_MEDIA_TYPES = new Set(["application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json"]);

const utf8 = new TextDecoder("utf-8", { fatal: true });

const unknownOperation = (message: string) => new ServiceError("UnknownOperationException", message);
const serialization = (message: string) => new ServiceError("SerializationException", message);

/** Own properties only: `toString` or `__proto__` must never resolve to an operation. */
const own = <T>(record: Record<string, T> | undefined, key: string): T | undefined =>
  record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

const clip = (s: string, max = 128) => (s.length > max ? `${s.slice(0, max)}...` : s);

/**
 * AWS JSON 1.0/1.1 on POST /, dispatched by `X-Amz-Target: <targetPrefix>.<Operation>`.
 * The checks run in AWS's order: media type and target (UnknownOperationException), caller
 * (SigV4 errors), body (SerializationException), then the model's constraints
 * (InvalidParameterException) — all before a handler runs, so bad input changes nothing.
 * Everything the caller can get wrong becomes an AWS error envelope with a 4xx status;
 * anything else becomes a 500 ServerException whose cause is logged and never sent.
 */
export function registerJsonServices(app: FastifyInstance, services: JsonService[], deps: { config: Config; clock: Clock }) {
  const byPrefix = new Map(services.map((s) => [s.model.metadata.targetPrefix!, s]));

  app.post("/", async (req: FastifyRequest, reply: FastifyReply) => {
    const requestId = newRequestId();
    reply.header("x-amzn-RequestId", requestId);
    const { service, opName, operation, handler } = resolveTarget(byPrefix, req.headers);
    const body = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
    const signingName = service.model.metadata.signingName ?? service.model.metadata.endpointPrefix;
    const caller = resolveCaller({ method: req.method, url: req.url, headers: req.headers, body }, deps, signingName);

    const decoded = decodeBody(body);
    const input = operation.input ? validateInput(service.model, operation.input.shape, decoded) : {};
    const ctx: RequestContext = { ...caller, requestId, log: req.log.child({ op: opName, requestId }) };
    const result = await handler(input, ctx);
    const out = operation.output ? serializeOutput(service.model, operation.output.shape, result ?? {}) : {};
    reply.header("content-type", `application/x-amz-json-${service.model.metadata.jsonVersion ?? "1.1"}`);
    return reply.send(JSON.stringify(out ?? {}));
  });
}

const unsupportedMediaType = (mediaType: string) =>
  unknownOperation(
    mediaType ? `Unsupported Content-Type ${clip(mediaType)}; AWS JSON requests are sent as application/x-amz-json-1.1.`
      : "Missing Content-Type; AWS JSON requests are sent as application/x-amz-json-1.1.",
  );

function resolveTarget(byPrefix: Map<string, JsonService>, headers: FastifyRequest["headers"]) {
  // Without a JSON media type AWS cannot tell which protocol the request speaks, and answers
  // UnknownOperationException (observed for Kinesis with application/octet-stream).
  const contentType = headers["content-type"];
  const mediaType = typeof contentType === "string" ? contentType.split(";")[0]!.trim().toLowerCase() : "";
  if (!JSON_MEDIA_TYPES.has(mediaType)) throw unsupportedMediaType(mediaType);
  const target = headers["x-amz-target"];
  if (typeof target !== "string" || target.trim() === "") throw unknownOperation("Missing X-Amz-Target header.");
  const dot = target.lastIndexOf(".");
  if (dot <= 0 || dot === target.length - 1) throw unknownOperation(`Malformed X-Amz-Target ${clip(target)}; expected <service>.<operation>.`);
  const service = byPrefix.get(target.slice(0, dot));
  const opName = target.slice(dot + 1);
  if (!service) throw unknownOperation(`Unknown service ${clip(target.slice(0, dot))} in X-Amz-Target.`);
  const operation: Operation | undefined = own(service.model.operations, opName);
  if (!operation) throw unknownOperation(`Unknown operation ${clip(opName)} for ${service.model.metadata.serviceId}.`);
  const handler = own(service.handlers, opName);
  if (!handler) throw unknownOperation(`The operation ${opName} is not implemented by Berth's ${service.model.metadata.serviceId} yet.`);
  return { service, opName, operation, handler };
}

/** As deep as AWS's JSON reader (Jackson's default nesting limit) goes. */
export const MAX_JSON_DEPTH = 1000;

/** An empty body is an empty structure; anything else must be UTF-8 JSON of bounded depth. */
function decodeBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw serialization("The request body is not valid UTF-8.");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw serialization("The request body is not valid JSON.");
  }
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw serialization(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  return parsed;
}

/** Deepest nesting of arrays and objects in valid JSON text, without recursion. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** The AWS JSON error envelope. Unknown errors become ServerException; their cause is logged, never sent. */
export function sendJsonError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const e = toServiceError(err, req);
  if (!e) {
    req.log.error({ err }, "unhandled error");
  }
  const error = e ?? new ServiceError("ServerException", "An internal error occurred.", false);
  const status = error.status ?? (error.sender ? 400 : 500);
  if (!reply.getHeader("x-amzn-RequestId")) reply.header("x-amzn-RequestId", newRequestId());
  return reply
    .status(status)
    .header("x-amzn-errortype", error.code)
    .header("content-type", "application/x-amz-json-1.1")
    .send(JSON.stringify({ ...error.fields, __type: error.code, message: error.message }));
}

/** Any method or path other than the APIs' own: the same envelope, with 404. */
export function sendJsonNotFound(req: FastifyRequest, reply: FastifyReply) {
  const path = req.url.split("?")[0] ?? "";
  return sendJsonError(new ServiceError("UnknownOperationException", `No route for ${req.method} ${clip(path)}.`, true, {}, 404), req, reply);
}

/** Framework errors that are the caller's fault (body too large, bad content length) keep their meaning. */
function toServiceError(err: unknown, req: FastifyRequest): ServiceError | undefined {
  if (err instanceof ServiceError) return err;
  const f = err as { code?: string; statusCode?: number; message?: string };
  // A Content-Type Fastify cannot even parse (no "/"): Fastify would answer 415, but it is one
  // more media type that is not AWS JSON, answered as any other (resolveTarget).
  if (f.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    const contentType = req.headers["content-type"];
    return unsupportedMediaType(typeof contentType === "string" ? contentType.split(";")[0]!.trim().toLowerCase() : "");
  }
  if (f.code === "FST_ERR_BAD_URL") {
    return new ServiceError("UnknownOperationException", "The request path is not a valid URL path.", true, {}, 404);
  }
  if (f.code === "FST_ERR_CTP_BODY_TOO_LARGE") return bodyTooLarge();
  if (typeof f.statusCode === "number" && f.statusCode >= 400 && f.statusCode < 500) {
    return new ServiceError("SerializationException", f.message ?? "Bad request.", true, {}, f.statusCode);
  }
  return undefined;
}
