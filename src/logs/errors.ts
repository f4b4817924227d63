import { ServiceError } from "../core/errors.js";

/** CloudWatch Logs' exceptions with the messages the service gives. */
export const invalidParameter = (message: string) => new ServiceError("InvalidParameterException", message);
export const groupNotFound = () => new ServiceError("ResourceNotFoundException", "The specified log group does not exist.");
export const streamNotFound = () => new ServiceError("ResourceNotFoundException", "The specified log stream does not exist.");
export const resourceNotFound = (message: string) => new ServiceError("ResourceNotFoundException", message);
export const groupExists = () => new ServiceError("ResourceAlreadyExistsException", "The specified log group already exists");
export const streamExists = () => new ServiceError("ResourceAlreadyExistsException", "The specified log stream already exists");
export const invalidToken = () => invalidParameter("The specified nextToken is invalid.");
export const invalidFilterPattern = () => invalidParameter("Invalid filter pattern");
export const tooManyTags = () => new ServiceError("TooManyTagsException", "A resource can have no more than 50 tags.");
/** The message AWS's request validation gives for a broken constraint. */
export const constraint = (value: unknown, member: string, rule: string) =>
  invalidParameter(`1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${rule}`);
