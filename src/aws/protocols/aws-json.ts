import { ServiceError } from "../../core/errors.js";
import type { Operation } from "../model.js";
import { serializeOutput } from "../serialize-output.js";
import { clip, own, type AwsService } from "../service.js";
import type { Codec, WireRequest, WireResponse } from "./codec.js";
import { messageMemberOf, queryCompatibleHeaders, wireError } from "./error-shape.js";

/** Media types a JSON request may be sent as; parameters (`; charset=utf-8`) are ignored. */
const JSON_MEDIA_TYPES = new Set(["application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json"]);

const utf8 = new TextDecoder("utf-8", { fatal: true });

const unknownOperation = (message: string) => new ServiceError("UnknownOperationException", message);
const serialization = (message: string) => new ServiceError("SerializationException", message);

/** Any media type but AWS JSON's, including one Fastify cannot parse (json-gateway.ts). */
export const unsupportedMediaType = (mediaType: string) =>
  unknownOperation(
    mediaType ? `Unsupported Content-Type ${clip(mediaType)}; AWS JSON requests are sent as application/x-amz-json-1.1.`
      : "Missing Content-Type; AWS JSON requests are sent as application/x-amz-json-1.1.",
  );

const header = (req: WireRequest, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * AWS JSON 1.0 and 1.1: POST / with `X-Amz-Target: <targetPrefix>.<Operation>` and a JSON body.
 * The two versions differ only in the content type; the checks run in AWS's order: media type
 * and target (UnknownOperationException), then the body (SerializationException).
 */
export const awsJson: Codec & { route: typeof routeJson } = {
  name: "awsJson",
  validation: { serialization: "SerializationException", invalid: "InvalidParameterException" },
  unknownOperation: "UnknownOperationException",
  route: routeJson,
  decodeInput: (_service, _operation, req) => decodeJsonBody(req.body),
  encodeOutput(service, operation, output) {
    const out = operation.output ? serializeOutput(service.model, operation.output.shape, output ?? {}) : {};
    return { status: 200, headers: { "content-type": contentType(service) }, body: JSON.stringify(out ?? {}) };
  },
  encodeError(service, error) {
    const wire = wireError(service?.model, error);
    return {
      status: wire.status,
      headers: { "x-amzn-errortype": wire.code, "content-type": contentType(service), ...queryCompatibleHeaders(service?.model, error) },
      // The message under the member the shape names (CloudWatch's are `Message`): clients read
      // either for the error's message, but botocore reads the modelled member by its name.
      body: JSON.stringify({ ...error.fields, __type: wire.code, [messageMemberOf(wire.shape)]: error.message }),
    };
  },
};

const contentType = (service: AwsService | undefined) => `application/x-amz-json-${service?.model.metadata.jsonVersion ?? "1.1"}`;

/** The service and operation an X-Amz-Target names, among the JSON services mounted. */
function routeJson(byPrefix: Map<string, AwsService>, req: WireRequest): { service: AwsService; operation: Operation } {
  // Without a JSON media type AWS cannot tell which protocol the request speaks, and answers
  // UnknownOperationException (observed for Kinesis with application/octet-stream).
  const type = header(req, "content-type");
  const mediaType = type !== undefined ? type.split(";")[0]!.trim().toLowerCase() : "";
  if (!JSON_MEDIA_TYPES.has(mediaType)) throw unsupportedMediaType(mediaType);
  const target = header(req, "x-amz-target");
  if (typeof target !== "string" || target.trim() === "") throw unknownOperation("Missing X-Amz-Target header.");
  const dot = target.lastIndexOf(".");
  if (dot <= 0 || dot === target.length - 1) throw unknownOperation(`Malformed X-Amz-Target ${clip(target)}; expected <service>.<operation>.`);
  const service = byPrefix.get(target.slice(0, dot));
  const opName = target.slice(dot + 1);
  if (!service) throw unknownOperation(`Unknown service ${clip(target.slice(0, dot))} in X-Amz-Target.`);
  const operation = own(service.model.operations, opName);
  if (!operation) throw unknownOperation(`Unknown operation ${clip(opName)} for ${service.model.metadata.serviceId}.`);
  return { service, operation };
}

/** As deep as AWS's JSON reader (Jackson's default nesting limit) goes. */
export const MAX_JSON_DEPTH = 1000;

/** An empty body is an empty structure; anything else must be UTF-8 JSON of bounded depth. */
export function decodeJsonBody(body: Buffer): unknown {
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

/**
 * Deepest nesting of arrays and objects in valid JSON text, without recursion. Strings are
 * skipped with indexOf (native) rather than character by character: a PutLogEvents body is
 * mostly string, and this scan was a twentieth of its ingest cost.
 */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = stringEnd(text, i);
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** The index of the quote that closes the string opened at `open` (one not escaped by an odd run of backslashes). */
function stringEnd(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

export type { WireResponse };
