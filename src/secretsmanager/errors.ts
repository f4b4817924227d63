import { ServiceError } from "../core/errors.js";

/** Secrets Manager's errors, with the messages AWS gives. */
export const notFound = () => new ServiceError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
export const versionNotFound = (what: string) => new ServiceError("ResourceNotFoundException", `Secrets Manager can't find the specified secret value for ${what}`);
export const invalidParameter = (message: string) => new ServiceError("InvalidParameterException", message);
export const invalidRequest = (message: string) => new ServiceError("InvalidRequestException", message);
export const resourceExists = (message: string) => new ServiceError("ResourceExistsException", message);
export const invalidNextToken = () => new ServiceError("InvalidNextTokenException", "The NextToken value is invalid.");
export const markedForDeletion = () => invalidRequest("You can't perform this operation on the secret because it was marked for deletion.");
