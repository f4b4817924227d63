import type { Cluster } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import { instanceHostIp, type Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import { clusterArn, type Scope } from "../../core/arn.js";
import { findCluster, saveCluster } from "../clusters/cluster-store.js";
import { dropAllTags } from "../tags.js";
import { findVirtualInstance, saveInstance, virtualInstancesAbove, type StoredInstance } from "./instance-store.js";
import { AGENT_RESERVED_PORTS, resourcesOf } from "./instance-resources.js";
import { BERTH_AMI_ID, agentVersionInfo, cpuArchitecture, registerInstance, reregisterInstance } from "./instance-registration.js";

export interface VirtualInstanceDeps {
  db: Db;
  config: Config;
  clock: Clock;
  log: Logger;
  /** The local engine's version, reported in each instance's versionInfo. */
  dockerVersion: string;
}

/**
 * `berth up --instances N`: N container instances that share the local engine, registered in the
 * cluster `default` (created when missing, as the ECS agent does) of the configured account and
 * region. Each slot keeps its instance across restarts, so ARNs and EC2 ids do not change; a slot
 * whose instance was deregistered gets a new one. Instances of slots above N stay registered but
 * show their agent disconnected, like EC2 instances that were stopped.
 */
export function ensureVirtualInstances({ db, config, clock, log, dockerVersion }: VirtualInstanceDeps): StoredInstance[] {
  const scope: Scope = { account: config.accountId, region: config.region };
  const zones = config.availabilityZones.split(",");
  const instances = db.transaction(() => {
    for (const s of virtualInstancesAbove(db, scope, config.instances)) {
      if (s.instance.agentConnected) saveInstance(db, scope, { ...s, instance: { ...s.instance, agentConnected: false, version: (s.instance.version ?? 0) + 1 } });
    }
    if (config.instances === 0) return [];
    const cluster = ensureDefaultCluster(db, scope);
    const out: StoredInstance[] = [];
    for (let slot = 1; slot <= config.instances; slot++) {
      const registration = {
        identity: { availabilityZone: zones[(slot - 1) % zones.length]!, instanceType: config.instanceType, amiId: BERTH_AMI_ID, cpuArchitecture: cpuArchitecture() },
        registeredResources: resourcesOf({ cpu: config.instanceCpu, memory: config.instanceMemory, ports: AGENT_RESERVED_PORTS, portsUdp: [] }),
        versionInfo: agentVersionInfo(dockerVersion),
        hostIp: instanceHostIp(config, slot),
        now: clock.now(),
      };
      const existing = findVirtualInstance(db, scope, slot);
      out.push(existing ? reregisterInstance(db, scope, existing, registration) : registerInstance(db, scope, cluster, { ...registration, virtualSlot: slot }));
    }
    return out;
  })();
  log.info({ instances: instances.map((s) => ({ arn: s.instance.containerInstanceArn, hostIp: s.hostIp })) }, "virtual container instances registered");
  return instances;
}

/** The cluster `default`, as CreateCluster would make it when it does not exist or was deleted. */
function ensureDefaultCluster(db: Db, scope: Scope): Cluster {
  const existing = findCluster(db, scope, "default");
  if (existing?.status === "ACTIVE") return existing;
  const cluster: Cluster = {
    clusterArn: clusterArn(scope, "default"),
    clusterName: "default",
    status: "ACTIVE",
    settings: [{ name: "containerInsights", value: "disabled" }],
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
  };
  dropAllTags(db, cluster.clusterArn!);
  saveCluster(db, scope, cluster);
  return cluster;
}
