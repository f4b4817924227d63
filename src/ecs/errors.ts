import { ServiceError } from "../core/errors.js";

/** ECS's exceptions, with the messages ECS gives. */
export const clusterNotFound = () => new ServiceError("ClusterNotFoundException", "Cluster not found.");
export const clusterContainsTasks = () =>
  new ServiceError("ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.");
export const clusterContainsServices = () =>
  new ServiceError("ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active.");
export const clusterContainsInstances = () =>
  new ServiceError("ClusterContainsContainerInstancesException", "The Cluster cannot be deleted while Container Instances are active or draining.");
export const conflict = (message: string, resourceIds: string[] = []) =>
  new ServiceError("ConflictException", message, true, resourceIds.length ? { resourceIds } : {});
export const resourceNotFound = (message: string) => new ServiceError("ResourceNotFoundException", message);
export { clientException, invalidParameter } from "../core/errors.js";
