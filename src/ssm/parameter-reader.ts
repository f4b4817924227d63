import { openValue, resolveRef, type ParameterDeps } from "./parameter-store.js";

/**
 * What ECS needs of Parameter Store when it launches a task: a parameter's value, decrypted,
 * by name, ARN or `name:version` / `name:label`. Throws ParameterNotFound (or
 * ParameterVersionNotFound) as GetParameters would list it among InvalidParameters.
 */
export interface ParameterReader {
  parameterValue(scope: { account: string; region: string }, nameOrArn: string): string;
}

export function createParameterReader(deps: ParameterDeps): ParameterReader {
  return { parameterValue: (scope, ref) => openValue(deps.cipher, resolveRef(deps.db, scope, ref).p) };
}
