import { ServiceError } from "../../core/errors.js";
import type { ServiceModel, Shape } from "../model.js";

/**
 * The signature errors, which request-context and sigv4 raise with AWS JSON's names, as AWS's
 * query services name them (STS, IAM: `SignatureDoesNotMatch`, 403).
 */
export const QUERY_AUTH_ERRORS: Record<string, [code: string, status: number]> = {
  InvalidSignatureException: ["SignatureDoesNotMatch", 403],
  IncompleteSignatureException: ["IncompleteSignature", 400],
  UnrecognizedClientException: ["InvalidClientTokenId", 403],
  MissingAuthenticationTokenException: ["MissingAuthenticationToken", 403],
  SerializationException: ["MalformedInput", 400],
  ExpiredTokenException: ["ExpiredToken", 403],
  AccessDeniedException: ["AccessDenied", 403],
};

/** How an error is written on the wire: its code, HTTP status and whose fault it is. */
export interface WireError {
  /** The name the protocol sends (a query service's error.code, else the shape's name). */
  code: string;
  /** The model's exception shape, when the error is one the model declares. */
  shape?: Shape;
  status: number;
  sender: boolean;
}

/**
 * Domain code throws errors named by their exception shape (NoSuchEntityException); the model
 * says the rest: query services send the shape's `error.code` (NoSuchEntity), restJson1 services
 * its `httpStatusCode`. Errors the model does not declare (protocol errors: signatures,
 * serialization) keep their code and the default status, 400 for the caller's fault, 500 else.
 */
export function wireError(model: ServiceModel | undefined, error: ServiceError, { useErrorCode = false } = {}): WireError {
  const shape = model && Object.hasOwn(model.shapes, error.code) ? model.shapes[error.code] : undefined;
  const declared = shape?.exception ? shape : undefined;
  const sender = declared?.error?.senderFault ?? (declared?.fault ? false : error.sender);
  const status = error.status ?? declared?.error?.httpStatusCode ?? (sender ? 400 : 500);
  const code = useErrorCode && declared?.error?.code ? declared.error.code : error.code;
  return { code, shape: declared, status, sender };
}

/** Anything that is not a ServiceError is a fault of ours: its cause is logged, never sent. */
export const internalError = (code = "InternalFailure") =>
  new ServiceError(code, "The request processing has failed because of an unknown error, exception or failure.", false);

/**
 * JSON and CBOR services that were query services once (SQS, CloudWatch: `awsQueryCompatible`)
 * also name every error by its query code, in `x-amzn-query-error: <code>;<Sender|Receiver>`
 * (SQS's QueueDoesNotExist is `AWS.SimpleQueueService.NonExistentQueue;Sender`). Clients find the
 * modelled error by it (botocore does), and code written for the query protocol compares it.
 */
export function queryCompatibleHeaders(model: ServiceModel | undefined, error: ServiceError): Record<string, string> {
  if (!model?.metadata.awsQueryCompatible) return {};
  const wire = wireError(model, error, { useErrorCode: true });
  // A refusal by IAM, which the model does not declare, has the code query services give it (SQS: AccessDenied).
  const code = !wire.shape && error.code === "AccessDeniedException" ? QUERY_AUTH_ERRORS[error.code]![0] : wire.code;
  return { "x-amzn-query-error": `${code};${wire.sender ? "Sender" : "Receiver"}` };
}

/** The member an exception shape carries its message in, as the model spells it (EKS: message; EFS, CloudWatch: Message). */
export const messageMemberOf = (shape: Shape | undefined) =>
  Object.keys(shape?.members ?? {}).find((m) => m.toLowerCase() === "message") ?? "message";
