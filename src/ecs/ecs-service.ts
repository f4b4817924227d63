import type { JsonService } from "../aws/json-gateway.js";
import { loadModel } from "../aws/model.js";
import type { EcsDeps } from "./deps.js";
import { clusterHandlers } from "./clusters.js";
import { taskDefinitionHandlers } from "./task-definitions.js";
import { taskHandlers } from "./tasks.js";
import { taggingHandlers } from "./tagging.js";

/** The ECS API: the official model plus the handlers of each resource, each in its own file. */
export function createEcsService(deps: EcsDeps): JsonService {
  return {
    model: loadModel("ecs"),
    handlers: {
      ...clusterHandlers(deps),
      ...taskDefinitionHandlers(deps),
      ...taskHandlers(deps),
      ...taggingHandlers(deps),
    },
  };
}
