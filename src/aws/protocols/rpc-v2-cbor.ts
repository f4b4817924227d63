import { Decoder, Encoder } from "cbor-x";
import { ServiceError } from "../../core/errors.js";
import type { Operation } from "../model.js";
import { serializeOutput, type ValueFormat } from "../serialize-output.js";
import { clip, own, type AwsService } from "../service.js";
import type { Codec, WireRequest } from "./codec.js";
import { messageMemberOf, queryCompatibleHeaders, wireError } from "./error-shape.js";

// Plain maps as objects, no record or packing extensions: exactly what Smithy's CBOR says.
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false, pack: false });

const serialization = (message: string) => new ServiceError("SerializationException", message);
const unknownOperation = (message: string) => new ServiceError("UnknownOperationException", message, true, {}, 404);

/** CBOR keeps timestamps (tag 1, epoch seconds) and blobs (byte strings) as they are. */
const CBOR_VALUES: ValueFormat = { timestamp: (d) => d, blob: (b) => b };

const PROTOCOL = "rpc-v2-cbor";

/**
 * smithy-rpc-v2-cbor: `POST /service/{Service}/operation/{Operation}` with the header
 * `smithy-protocol: rpc-v2-cbor` and a CBOR map body (empty for no input). Answers carry the same
 * header; errors are a CBOR map with `__type` and `message`, and the model's status.
 */
export const rpcV2Cbor: Codec = {
  name: "smithy-rpc-v2-cbor",
  validation: { serialization: "SerializationException", invalid: "ValidationException" },
  unknownOperation: "UnknownOperationException",
  decodeInput(_service, _operation, req) {
    if (req.body.length === 0) return {};
    let value: unknown;
    try {
      value = decoder.decode(req.body);
    } catch {
      throw serialization("The request body is not valid CBOR.");
    }
    return plain(value, "request", 0);
  },
  encodeOutput(service, operation, output) {
    const out = operation.output ? serializeOutput(service.model, operation.output.shape, output ?? {}, CBOR_VALUES) : {};
    return { status: 200, headers: { "smithy-protocol": PROTOCOL, "content-type": "application/cbor" }, body: encoder.encode(out ?? {}) };
  },
  encodeError(service, error) {
    const wire = wireError(service?.model, error);
    const body = encoder.encode({ ...error.fields, __type: wire.code, [messageMemberOf(wire.shape)]: error.message });
    return { status: wire.status, headers: { "smithy-protocol": PROTOCOL, "content-type": "application/cbor", ...queryCompatibleHeaders(service?.model, error) }, body };
  },
};

/** The service (by its Smithy name, botocore's targetPrefix) and operation a request path names. */
export function routeCbor(byName: Map<string, AwsService>, params: { service: string; operation: string }, req: WireRequest): { service: AwsService; operation: Operation } {
  if (req.headers["smithy-protocol"] !== PROTOCOL) throw serialization(`The smithy-protocol header must be ${PROTOCOL}.`);
  // Clients may send the service's full shape id (com.amazonaws.cloudwatch#GraniteServiceVersion20100801).
  const name = params.service.slice(params.service.lastIndexOf("#") + 1);
  const service = byName.get(name);
  if (!service) throw unknownOperation(`Unknown service ${clip(params.service)}.`);
  const operation = own(service.model.operations, params.operation);
  if (!operation) throw unknownOperation(`Unknown operation ${clip(params.operation)} for ${service.model.metadata.serviceId}.`);
  return { service, operation };
}

const MAX_DEPTH = 1000;

/**
 * Only what a Smithy shape can be made of passes: maps, arrays, text, numbers, booleans, null,
 * byte strings and tag-1 dates. CBOR's other tags (sets, regular expressions, shared references
 * that could make a cycle, ...) are refused here, before validation walks the value.
 */
function plain(value: unknown, where: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw serialization(`The request body is nested deeper than ${MAX_DEPTH} levels.`);
  if (value === null || value === undefined || typeof value === "string" || typeof value === "boolean" || typeof value === "number") return value ?? null;
  if (typeof value === "bigint") {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw serialization(`The number at ${where} is too large.`);
    return Number(value);
  }
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((v, i) => plain(v, `${where}[${i}]`, depth + 1));
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: plain(v, `${where}.${k}`, depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  }
  throw serialization(`The request body holds a CBOR value of a kind no shape has, at ${clip(where)}.`);
}
