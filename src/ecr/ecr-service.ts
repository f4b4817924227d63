import type { Handler, JsonService } from "../aws/json-gateway.js";
import { loadModel } from "../aws/model.js";
import type { EcrDeps } from "./deps.js";
import { lifecycleHandlers } from "./lifecycle-handlers.js";
import { toEcrError } from "./errors.js";
import { repositoryHandlers } from "./repositories.js";
import { authorizationHandlers } from "./authorization.js";
import { imageHandlers } from "./image-handlers.js";
import { scanHandlers } from "./scan-handlers.js";
import { creationTemplateHandlers } from "./creation-templates.js";
import { replicationHandlers } from "./replication.js";
import { pullThroughHandlers } from "./pull-through.js";
import { registryScanningHandlers } from "./registry-scanning.js";
import { accountSettingHandlers } from "./account-settings.js";
import { storageClassHandlers } from "./storage-class.js";
import { pullTimeExclusionHandlers } from "./pull-time-exclusions.js";
import { managedSigningHandlers } from "./managed-signing.js";

/** The ECR API (AmazonEC2ContainerRegistry_V20150921) over the registry's store. */
export function createEcrService(deps: EcrDeps): JsonService {
  const handlers: Record<string, Handler> = { ...repositoryHandlers(deps), ...authorizationHandlers(deps), ...imageHandlers(deps), ...lifecycleHandlers(deps), ...scanHandlers(deps),
    ...creationTemplateHandlers(deps), ...replicationHandlers(deps, deps.replicator), ...pullThroughHandlers(deps), ...registryScanningHandlers(deps), ...accountSettingHandlers(deps),
    ...storageClassHandlers(deps), ...pullTimeExclusionHandlers(deps), ...managedSigningHandlers(deps) };
  return { model: loadModel("ecr"), handlers: mapErrors(handlers) };
}

/** Registry domain errors leave every handler as ECR exceptions. */
function mapErrors(handlers: Record<string, Handler>): Record<string, Handler> {
  const out: Record<string, Handler> = {};
  for (const [name, handler] of Object.entries(handlers)) {
    out[name] = async (input, ctx) => {
      try {
        return await handler(input, ctx);
      } catch (e) {
        throw toEcrError(e);
      }
    };
  }
  return out;
}
