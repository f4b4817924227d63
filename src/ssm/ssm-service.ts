import { loadModel } from "../aws/model.js";
import type { AwsService } from "../aws/service.js";
import { parameterHandlers } from "./parameter-handlers.js";
import { queryHandlers } from "./parameter-queries.js";
import { tagHandlers } from "./parameter-tags.js";
import type { ParameterDeps } from "./parameter-store.js";

/**
 * AWS Systems Manager, its Parameter Store only (awsJson1_1): String, StringList and
 * SecureString parameters with versions, labels, paths and tags. Every value is sealed at rest
 * (src/store/value-cipher.ts); a SecureString's KeyId is recorded, not used. Input that breaks
 * the model's constraints is a ValidationException, as SSM answers it.
 */
export function createSsmService(deps: ParameterDeps): AwsService {
  return {
    model: loadModel("ssm"),
    handlers: { ...parameterHandlers(deps), ...queryHandlers(deps), ...tagHandlers(deps) },
    validation: { invalid: "ValidationException" },
  };
}
