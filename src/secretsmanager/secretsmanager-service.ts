import { loadModel } from "../aws/model.js";
import type { AwsService, Handler } from "../aws/service.js";
import { secretHandlers } from "./secret-handlers.js";
import { listHandlers } from "./list-handlers.js";
import { resourcePolicyHandlers } from "./resource-policy-handlers.js";
import { randomPassword } from "./random-password.js";
import type { SecretDeps } from "./secret-store.js";

/**
 * AWS Secrets Manager (awsJson1_1): secrets with versions and staging labels, values sealed at
 * rest (src/store/value-cipher.ts). Input that breaks the model's constraints is a
 * ValidationException, as AWS's front end answers it. Resource policies are stored and, under
 * iamEnforcement, decide access with the caller's identity policies (authorization.ts). Rotation
 * and replication are not served (docs/compatibility.md).
 */
export function createSecretsManagerService(deps: SecretDeps): AwsService {
  const GetRandomPassword: Handler = (input) => ({ RandomPassword: randomPassword(input) });
  return {
    model: loadModel("secretsmanager"),
    handlers: { ...secretHandlers(deps), ...listHandlers(deps), ...resourcePolicyHandlers(deps), GetRandomPassword },
    validation: { invalid: "ValidationException" },
  };
}
