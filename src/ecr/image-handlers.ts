import type { Handler } from "../aws/json-gateway.js";
import type { EcrDeps } from "./deps.js";
import { listImagesHandlers } from "./list-images.js";
import { describeImagesHandlers } from "./describe-images.js";
import { batchGetImageHandlers } from "./batch-get-image.js";
import { batchDeleteImageHandlers } from "./batch-delete-image.js";
import { putImageHandlers } from "./put-image.js";
import { layerUploadHandlers } from "./layer-upload.js";
import { layerHandlers } from "./layers.js";
import { repositorySettingsHandlers } from "./repository-settings.js";
import { repositoryPolicyHandlers } from "./repository-policies.js";
import { taggingHandlers } from "./tagging.js";
import { registryHandlers } from "./registry.js";

/**
 * ECR's image, layer, policy, tagging and registry operations, gathered so that
 * ecr-service.ts wires them with one line.
 */
export function imageHandlers(deps: EcrDeps): Record<string, Handler> {
  return {
    ...listImagesHandlers(deps),
    ...describeImagesHandlers(deps),
    ...batchGetImageHandlers(deps),
    ...batchDeleteImageHandlers(deps),
    ...putImageHandlers(deps),
    ...layerUploadHandlers(deps),
    ...layerHandlers(deps),
    ...repositorySettingsHandlers(deps),
    ...repositoryPolicyHandlers(deps),
    ...taggingHandlers(deps),
    ...registryHandlers(deps),
  };
}
