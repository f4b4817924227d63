import { ServiceError } from "../core/errors.js";

/**
 * SQS's errors. The modelled ones carry their query codes in models/sqs.json (QueueDoesNotExist is
 * AWS.SimpleQueueService.NonExistentQueue in `x-amzn-query-error`); InvalidParameterValue and
 * MissingParameter are SQS's common errors, which the model does not declare.
 */
export const invalidValue = (message: string) => new ServiceError("InvalidParameterValue", message);
export const missingParameter = (message: string) => new ServiceError("MissingParameter", message);
export const queueDoesNotExist = () => new ServiceError("QueueDoesNotExist", "The specified queue does not exist.");
export const invalidAttributeName = (name: string) => new ServiceError("InvalidAttributeName", `Unknown Attribute ${name}.`);
export const invalidAttributeValue = (message: string) => new ServiceError("InvalidAttributeValue", message);
export const receiptHandleInvalid = (handle: string) =>
  new ServiceError("ReceiptHandleIsInvalid", `The input receipt handle "${handle.slice(0, 128)}" is not a valid receipt handle.`);
export const notInflight = () => new ServiceError("MessageNotInflight", "Message does not exist or is not available for visibility timeout change.");
export const unsupported = (message: string) => new ServiceError("UnsupportedOperation", message);
