import { ServiceError } from "../core/errors.js";

/** EventBridge Scheduler's exceptions with the messages the service gives. */
export const validation = (message: string) => new ServiceError("ValidationException", message);
export const notFound = (message: string) => new ServiceError("ResourceNotFoundException", message);
export const conflict = (message: string) => new ServiceError("ConflictException", message);
