import type { Cluster, Deployment, ServiceConnectConfiguration } from "@aws-sdk/client-ecs";
import { invalidParameter } from "../errors.js";

/**
 * A service's Service Connect configuration, kept on its deployments as ECS shows it
 * (`deployments[].serviceConnectConfiguration`). Berth has no Cloud Map and runs no Service
 * Connect proxy: the configuration is recorded, shown, and names the namespace
 * ListServicesByNamespace lists the service under. Enabled without a namespace, it takes the
 * cluster's `serviceConnectDefaults` namespace, as ECS does.
 */
export function serviceConnectConfiguration(given: ServiceConnectConfiguration | undefined, cluster: Cluster): ServiceConnectConfiguration | undefined {
  if (given === undefined || !given.enabled || given.namespace) return given;
  const namespace = cluster.serviceConnectDefaults?.namespace;
  if (!namespace) throw invalidParameter("The Service Connect namespace must be specified: the cluster has no Service Connect defaults.");
  return { ...given, namespace };
}

/** The namespace a deployment's tasks join, when Service Connect is on. */
export const serviceConnectNamespace = (d: Deployment): string | undefined =>
  d.serviceConnectConfiguration?.enabled ? d.serviceConnectConfiguration.namespace : undefined;
