import { ServiceError } from "../core/errors.js";
import { newRequestId } from "../core/ids.js";
import { signingNameOf } from "./model.js";
import { validateInput, type ValidationCodes } from "./validate-input.js";
import { own, type AwsService } from "./service.js";
import type { Logger } from "../core/logger.js";
import type { Principal, RequestContext } from "./request-context.js";
import { authorizeCall, type Authorize } from "./gateway.js";
import { awsJson } from "./protocols/aws-json.js";
import { awsQuery } from "./protocols/aws-query.js";
import { restJson } from "./protocols/rest-json.js";
import { rpcV2Cbor } from "./protocols/rpc-v2-cbor.js";

/** One call of an operation from inside Berth: the service by its SDK id, the operation by name (any case), the input as JSON text. */
export interface InternalCall {
  /** The SDK's service id: the model's serviceId in lower case without spaces (ecs, sqs, secretsmanager, elasticloadbalancingv2). */
  service: string;
  /** The operation, in any case (Scheduler's universal targets name it camelCase: updateService). */
  operation: string;
  input: string;
  account: string;
  region: string;
  /** The assumed role (or user) the call is made as; absent: the account's root. */
  principal?: Principal;
  log: Logger;
}

/** Why an internal call did not run: the service or operation is not one Berth has. */
export class UnknownCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnknownCallError";
  }
}

export type InternalCaller = (call: InternalCall) => Promise<unknown>;

/** The SDK's id of a service (`Secrets Manager` -> secretsmanager), which universal targets name it by. */
export const sdkServiceId = (s: AwsService) => s.model.metadata.serviceId.toLowerCase().replace(/[^a-z0-9]/g, "");

/** The input error codes a service's calls carry: its own, else those of the protocol it prefers. */
function validationCodes(s: AwsService): ValidationCodes {
  const protocol = s.model.metadata.protocols?.[0] ?? s.model.metadata.protocol;
  const codec = { json: awsJson, query: awsQuery, "rest-json": restJson, "smithy-rpc-v2-cbor": rpcV2Cbor }[protocol] ?? awsJson;
  return s.validation ? { ...codec.validation, ...s.validation } : codec.validation;
}

/**
 * Invokes an operation of a mounted service as the gateway would after decoding a request: the
 * input (a JSON document in the operation's member names, as the JSON protocols carry it) is
 * validated against the model exactly as a call's is, the principal authorized (with
 * iamEnforcement), then the handler runs — so bad input is an error that changes nothing.
 * Errors are the service's own (ServiceError); UnknownCallError when Berth has no such operation.
 */
export function createInternalCaller(services: AwsService[], deps: { authorize?: Authorize; durable?: () => Promise<void> | undefined }): InternalCaller {
  const byId = new Map<string, AwsService>();
  // The first mounted wins: SQS is mounted with its JSON model before its query one.
  for (const s of services) if (!byId.has(sdkServiceId(s))) byId.set(sdkServiceId(s), s);
  return async (call) => {
    const service = byId.get(call.service);
    if (!service) throw new UnknownCallError(`Berth does not provide the service ${call.service}.`);
    const name = Object.keys(service.model.operations).find((op) => op.toLowerCase() === call.operation.toLowerCase());
    const handler = name === undefined ? undefined : own(service.handlers, name);
    if (!name || !handler) throw new UnknownCallError(`The operation ${call.operation} of ${call.service} is not implemented by Berth.`);
    const operation = service.model.operations[name]!;
    const codes = validationCodes(service);
    let parsed: unknown = {};
    if (call.input.trim() !== "") {
      try {
        parsed = JSON.parse(call.input);
      } catch {
        throw new ServiceError(codes.serialization ?? "SerializationException", "The request body is not valid JSON.");
      }
    }
    const input = operation.input ? validateInput(service.model, operation.input.shape, parsed, codes) : {};
    const requestId = newRequestId();
    const ctx: RequestContext = {
      account: call.account, region: call.region, requestId, ...(call.principal ? { principal: call.principal } : {}),
      log: call.log.child({ op: name, requestId }),
    };
    if (ctx.principal && deps.authorize) authorizeCall(deps.authorize, ctx, signingNameOf(service.model), name, input);
    const result = await handler(input, ctx);
    // As the gateway answers no call before its writes are on disk.
    const writing = deps.durable?.();
    if (writing) await writing;
    return result;
  };
}
