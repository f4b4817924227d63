import { ServiceError } from "../core/errors.js";

/** EventBridge's exceptions with the messages the service gives. */
export const validation = (message: string) => new ServiceError("ValidationException", message);
export const notFound = (message: string) => new ServiceError("ResourceNotFoundException", message);
export const alreadyExists = (message: string) => new ServiceError("ResourceAlreadyExistsException", message);
export const limitExceeded = (message: string) => new ServiceError("LimitExceededException", message);
export const invalidPattern = (reason: string) => new ServiceError("InvalidEventPatternException", `Event pattern is not valid. Reason: ${reason}`);
export const busNotFound = (name: string) => notFound(`Event bus ${name} does not exist.`);
export const ruleNotFound = (rule: string, bus: string) => notFound(`Rule ${rule} does not exist on EventBus ${bus}.`);
