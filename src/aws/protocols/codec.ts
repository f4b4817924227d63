import type { Readable } from "node:stream";
import type { ServiceError } from "../../core/errors.js";
import { requestCredential } from "../sigv4.js";
import type { Operation } from "../model.js";
import type { AwsService } from "../service.js";
import type { ValidationCodes } from "../validate-input.js";

/** What a codec reads of a request: raw bytes and headers, as received. */
export interface WireRequest {
  method: string;
  /** Path and query string as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body as sent, when `body` is its inflated form (request-compression.ts): what SigV4 signed. */
  signedBody?: Buffer;
  /** awsQuery: parameters the request's route supplies when its form lacks them (SQS's QueueUrl at a queue's URL). */
  defaults?: Record<string, string>;
  /** The peer's IP address (IPv4-mapped IPv6 addresses as plain IPv4), for aws:SourceIp. */
  remoteAddress?: string;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** A Readable for event streams (event-stream.ts), written as it comes. */
  body: string | Buffer | Readable;
}

/**
 * One AWS wire protocol: how an operation's input is read from a request, and how its output
 * and errors are written. Every shape is walked from the model, so handlers only ever see and
 * return plain values; the protocol's details (query's member.N, restJson1's labels, CBOR's
 * tags) live here and nowhere else.
 */
export interface Codec {
  readonly name: string;
  /** The codes of input errors, unless the service names its own. */
  readonly validation: ValidationCodes;
  /** The code of an operation this protocol cannot find, or Berth does not implement yet. */
  readonly unknownOperation: string;
  /** The operation's input, decoded but not yet validated against the model. */
  decodeInput(service: AwsService, operation: Operation, req: WireRequest): unknown;
  encodeOutput(service: AwsService, operation: Operation, output: unknown, requestId: string): WireResponse;
  /** `service` is absent when the request could not be tied to a service. */
  encodeError(service: AwsService | undefined, error: ServiceError, requestId: string): WireResponse;
}

/**
 * The service a signed request's credential scope names (`.../us-east-1/sts/aws4_request`), which
 * tells apart services that share a route. A malformed header is reported later, when the caller
 * is resolved, in the protocol's own envelope.
 */
export function scopeService(req: WireRequest): string | undefined {
  const auth = req.headers["authorization"];
  if (typeof auth !== "string" || auth.trim() === "") return undefined;
  try {
    return requestCredential(req.headers, auth).service;
  } catch {
    return undefined;
  }
}
