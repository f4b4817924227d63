import { ServiceError } from "../core/errors.js";
import type { TargetKey } from "./types.js";

/** Application Auto Scaling's errors, with AWS's messages. */
export const validation = (message: string) => new ServiceError("ValidationException", message);
export const objectNotFound = (message: string) => new ServiceError("ObjectNotFoundException", message);
export const resourceNotFound = (message: string, arn: string) => new ServiceError("ResourceNotFoundException", message, true, { ResourceName: arn });

const keyText = (k: TargetKey) => `service namespace: ${k.ServiceNamespace}, resource ID: ${k.ResourceId}, scalable dimension: ${k.ScalableDimension}`;

export const noTargetRegistered = (k: TargetKey) => objectNotFound(`No scalable target registered for ${keyText(k)}`);
export const noTargetFound = (k: TargetKey) => objectNotFound(`No scalable target found for ${keyText(k)}`);
export const noPolicyFound = (k: TargetKey, name: string) => objectNotFound(`No scaling policy found for ${keyText(k)}, policy name: ${name}`);
export const noScheduledActionFound = (k: TargetKey, name: string) => objectNotFound(`No scheduled action found for ${keyText(k)}, scheduled action name: ${name}`);
