import type { Cluster } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import { clusterArn, parseArn, type Scope } from "../../core/arn.js";
import { clusterNotFound } from "../errors.js";

/** Clusters as stored: the wire document without the counts, which are computed when read. */
export function findCluster(db: Db, scope: Scope, name: string): Cluster | undefined {
  const row = db.prepare("SELECT doc FROM clusters WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as Cluster) : undefined;
}

export function saveCluster(db: Db, scope: Scope, cluster: Cluster): void {
  db.prepare(
    `INSERT INTO clusters (account, region, name, arn, status, seq, doc)
     VALUES (?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM clusters), ?)
     ON CONFLICT (account, region, name) DO UPDATE SET status = excluded.status, doc = excluded.doc`,
  ).run(scope.account, scope.region, cluster.clusterName, cluster.clusterArn, cluster.status, JSON.stringify(cluster));
}

/**
 * The name a `cluster` parameter refers to: a name, an ARN, or absent ("default").
 * An ARN of another account or region names no cluster here.
 */
export function clusterNameOf(scope: Scope, ref: string | undefined): string {
  if (ref === undefined || ref === "") return "default";
  if (!ref.startsWith("arn:")) return ref;
  const arn = parseArn(ref);
  if (!arn || arn.service !== "ecs" || arn.type !== "cluster" || arn.path.length !== 1) throw clusterNotFound();
  if (arn.account !== scope.account || arn.region !== scope.region) throw clusterNotFound();
  return arn.path[0]!;
}

/** The ACTIVE cluster a request names, or ClusterNotFoundException. */
export function requireActiveCluster(db: Db, scope: Scope, ref: string | undefined): Cluster {
  const cluster = findCluster(db, scope, clusterNameOf(scope, ref));
  if (!cluster || cluster.status !== "ACTIVE") throw clusterNotFound();
  return cluster;
}

export const defaultClusterArn = (scope: Scope, ref: string | undefined) => {
  try {
    return clusterArn(scope, clusterNameOf(scope, ref));
  } catch {
    return ref ?? "";
  }
};
