import type { JsonService } from "../aws/json-gateway.js";
import { loadModel } from "../aws/model.js";
import type { EcsDeps } from "./deps.js";
import { clusterHandlers } from "./clusters.js";
import { taskDefinitionHandlers } from "./task-definitions.js";
import { taskHandlers } from "./tasks.js";
import { taggingHandlers } from "./tagging.js";
import { containerInstanceHandlers } from "./container-instances.js";
import { attributeHandlers } from "./attributes.js";

/**
 * The ECS API: the official model plus the handlers of each resource, each in its own file.
 * `dockerVersion` is the local engine's, which instances registered without versionInfo report.
 */
export function createEcsService(deps: EcsDeps, { dockerVersion = "unknown" }: { dockerVersion?: string } = {}): JsonService {
  return {
    model: loadModel("ecs"),
    handlers: {
      ...clusterHandlers(deps),
      ...taskDefinitionHandlers(deps),
      ...taskHandlers(deps),
      ...taggingHandlers(deps),
      ...containerInstanceHandlers(deps, { dockerVersion }),
      ...attributeHandlers(deps),
    },
  };
}
