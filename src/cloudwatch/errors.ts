import { ServiceError } from "../core/errors.js";

/** CloudWatch's input errors, by their model shapes (the query codes are InvalidParameterValue, ...). */
export const invalidValue = (message: string) => new ServiceError("InvalidParameterValueException", message);
export const missingParameter = (message: string) => new ServiceError("MissingRequiredParameterException", message);
export const invalidCombination = (message: string) => new ServiceError("InvalidParameterCombinationException", message);
export const invalidNextToken = (message = "The service returned an invalid token.") => new ServiceError("InvalidNextToken", message);
