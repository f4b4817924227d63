import type { Attribute, Cluster, ContainerInstance, Resource, Tag, VersionInfo } from "@aws-sdk/client-ecs";
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { newTaskId } from "../../core/ids.js";
import { containerInstanceArn } from "./instance-refs.js";
import { builtInAttributes, isBuiltIn, type InstanceIdentity } from "./instance-attributes.js";
import { saveInstance, setAttributes, removeAttributes, instanceAttributes, type StoredInstance } from "./instance-store.js";
import { putTags } from "../tags.js";

/**
 * The ECS agent release whose reported behaviour Berth's agent follows. Cluster query language
 * expressions on agentVersion compare against it.
 */
export const ECS_AGENT_VERSION = "1.89.0";

/** One AMI for every instance Berth makes up, as instances launched from one template share theirs. */
export const BERTH_AMI_ID = `ami-${createHash("sha256").update("berth-ecs-optimized").digest("hex").slice(0, 17)}`;

export const newEc2InstanceId = () => `i-${randomBytes(9).toString("hex").slice(0, 17)}`;

export const cpuArchitecture = (): InstanceIdentity["cpuArchitecture"] => (process.arch === "arm64" ? "arm64" : "x86_64");

/** What the agent says about itself when it registers: its version and the engine's, worded as the ECS agent words them. */
export function agentVersionInfo(dockerVersion: string): VersionInfo {
  return { agentVersion: ECS_AGENT_VERSION, agentHash: "berth", dockerVersion: `DockerVersion: ${dockerVersion}` };
}

export interface Registration {
  identity: InstanceIdentity;
  ec2InstanceId?: string;
  registeredResources: Resource[];
  versionInfo: VersionInfo;
  /** Attributes the registrant adds to (or sets over) the built-in ones. */
  attributes?: Attribute[];
  tags?: Tag[];
  hostIp: string;
  virtualSlot?: number;
  now: Date;
}

/** A new ACTIVE, connected instance in `cluster`, with a fresh ARN. Call inside the mutation's transaction. */
export function registerInstance(db: Db, scope: Scope, cluster: Cluster, r: Registration): StoredInstance {
  const instance: ContainerInstance = {
    containerInstanceArn: containerInstanceArn(scope, cluster.clusterName!, newTaskId()),
    ec2InstanceId: r.ec2InstanceId ?? newEc2InstanceId(),
    version: 1,
    versionInfo: r.versionInfo,
    registeredResources: r.registeredResources,
    status: "ACTIVE",
    agentConnected: true,
    registeredAt: r.now,
    attachments: [],
  };
  const stored: StoredInstance = { instance, clusterArn: cluster.clusterArn!, hostIp: r.hostIp, virtualSlot: r.virtualSlot };
  saveInstance(db, scope, stored);
  setAttributes(db, instance.containerInstanceArn!, [...builtInAttributes(r.identity), ...(r.attributes ?? [])]);
  putTags(db, instance.containerInstanceArn!, r.tags);
  return stored;
}

/**
 * The same instance registering again (the agent restarting, or `berth up` with other sizes):
 * its ARN, EC2 id, status, custom attributes and tags stay; what it reports about itself is
 * replaced. The version moves only when something changed.
 */
export function reregisterInstance(db: Db, scope: Scope, stored: StoredInstance, r: Omit<Registration, "tags" | "virtualSlot" | "ec2InstanceId">): StoredInstance {
  const arn = stored.instance.containerInstanceArn!;
  const builtIns = [...builtInAttributes(r.identity), ...(r.attributes ?? [])];
  const before = JSON.stringify([stored.instance.registeredResources, stored.instance.versionInfo, stored.hostIp, stored.instance.agentConnected, instanceAttributes(db, arn)]);
  // Built-in attributes the instance no longer reports go; custom ones are the user's and stay.
  removeAttributes(db, arn, instanceAttributes(db, arn).filter((a) => isBuiltIn(a.name!) && !builtIns.some((b) => b.name === a.name)).map((a) => a.name!));
  setAttributes(db, arn, builtIns);
  const next: StoredInstance = {
    ...stored,
    hostIp: r.hostIp,
    instance: { ...stored.instance, registeredResources: r.registeredResources, versionInfo: r.versionInfo, agentConnected: true },
  };
  const after = JSON.stringify([next.instance.registeredResources, next.instance.versionInfo, next.hostIp, true, instanceAttributes(db, arn)]);
  if (after !== before) next.instance.version = (stored.instance.version ?? 0) + 1;
  saveInstance(db, scope, next);
  return next;
}
