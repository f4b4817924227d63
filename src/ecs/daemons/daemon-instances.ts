import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import { instancesOf, type StoredInstance } from "../instances/instance-store.js";

/** The name a capacity provider ARN (or a bare name) refers to. */
export const providerNameOf = (ref: string) => (ref.startsWith("arn:") ? ref.slice(ref.indexOf(":capacity-provider/") + ":capacity-provider/".length) : ref);

/**
 * The instances (ACTIVE unless `statuses` says otherwise) of the cluster a daemon with these capacity providers runs on: those its
 * providers launched, and — Berth has no Managed Instances capacity providers — the instances
 * registered directly (RegisterContainerInstance, agents, `berth up`'s), which belong to no
 * provider and so to every daemon of their cluster (docs/compatibility.md).
 */
export function daemonInstances(db: Db, scope: Scope, clusterArn: string, capacityProviderArns: string[], statuses = ["ACTIVE"]): StoredInstance[] {
  const names = new Set(capacityProviderArns.map(providerNameOf));
  return instancesOf(db, scope, clusterArn, statuses).filter((i) => !i.instance.capacityProviderName || names.has(i.instance.capacityProviderName));
}

/** The capacity provider a task on this instance counts under in DescribeDaemon and the deployments. */
export function providerOfInstance(db: Db, instanceArn: string, capacityProviderArns: string[]): string {
  const row = db.prepare("SELECT doc FROM container_instances WHERE arn = ?").get(instanceArn) as { doc: string } | undefined;
  const name = row ? (JSON.parse(row.doc) as { capacityProviderName?: string }).capacityProviderName : undefined;
  return capacityProviderArns.find((a) => providerNameOf(a) === name) ?? capacityProviderArns[0]!;
}
