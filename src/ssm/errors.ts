import { ServiceError } from "../core/errors.js";

/** Parameter Store's errors, with the messages AWS gives. */
export const validation = (message: string) => new ServiceError("ValidationException", message);
export const parameterNotFound = (message = "") => new ServiceError("ParameterNotFound", message);
export const versionNotFound = (message: string) => new ServiceError("ParameterVersionNotFound", message);
export const alreadyExists = () => new ServiceError("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
export const invalidNextToken = () => new ServiceError("InvalidNextToken", "The nextToken is not valid.");
