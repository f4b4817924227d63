import { ServiceError } from "../../core/errors.js";

/**
 * CloudWatch's exceptions, named by their model shapes; the protocol edge sends each shape's query
 * code (InvalidParameterValue, ResourceNotFound, ...) where the protocol wants it.
 */
export const invalidValue = (message: string) => new ServiceError("InvalidParameterValueException", message);
export const invalidCombination = (message: string) => new ServiceError("InvalidParameterCombinationException", message);
export const missingParameter = (message: string) => new ServiceError("MissingRequiredParameterException", message);
export const alarmNotFound = (message: string) => new ServiceError("ResourceNotFound", message);
export const invalidFormat = (message: string) => new ServiceError("InvalidFormatFault", message);
export const invalidNextToken = () => new ServiceError("InvalidNextToken", "The service returned an error with Error Code InvalidNextToken and HTTP Status Code 400");
export const limitExceeded = (message: string) => new ServiceError("LimitExceededFault", message);
/** Tagging API (TagResource, ...) errors carry the resource, as the model's ResourceNotFoundException does. */
export const resourceNotFound = (arn: string) =>
  new ServiceError("ResourceNotFoundException", `The specified resource ${arn} does not exist.`, true, { ResourceType: "Alarm", ResourceId: arn });
