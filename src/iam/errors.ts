import { ServiceError } from "../core/errors.js";

/** IAM's errors, named by their exception shapes (the query codec sends NoSuchEntity, ...). */
export const noSuchEntity = (message: string) => new ServiceError("NoSuchEntityException", message);
export const entityAlreadyExists = (message: string) => new ServiceError("EntityAlreadyExistsException", message);
export const malformedPolicy = (message: string) => new ServiceError("MalformedPolicyDocumentException", message);
export const deleteConflict = (message: string) => new ServiceError("DeleteConflictException", message);
export const limitExceeded = (message: string) => new ServiceError("LimitExceededException", message);
export const invalidInput = (message: string) => new ServiceError("InvalidInputException", message);
export const unmodifiable = (message: string) => new ServiceError("UnmodifiableEntityException", message);
export const validationError = (message: string) => new ServiceError("ValidationError", message);
