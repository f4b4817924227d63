import { ServiceError } from "../core/errors.js";

/** SNS's errors by their model shapes (the query codes are InvalidParameter, NotFound, ...). */
export const invalidParameter = (message: string) => new ServiceError("InvalidParameterException", `Invalid parameter: ${message}`);
export const notFound = (message: string) => new ServiceError("NotFoundException", message);
export const topicNotFound = () => notFound("Topic does not exist");
