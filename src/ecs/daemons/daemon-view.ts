import type { DaemonDeployment, DaemonDeploymentRevisionDetail, DaemonDetail, DaemonRevision, DaemonRevisionDetail } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import { findRevision, liveDaemonTasks, type StoredDaemon, type StoredDeployment, type StoredRevision } from "./daemon-store.js";
import { providerOfInstance } from "./daemon-instances.js";

/** Running tasks per capacity provider for each revision, counted from the daemon's live tasks. */
function runningByRevision(db: Db, daemon: string): Map<string, Map<string, number>> {
  const counts = new Map<string, Map<string, number>>();
  for (const t of liveDaemonTasks(db, daemon)) {
    if (t.lastStatus !== "RUNNING" || t.desiredStatus !== "RUNNING") continue;
    const revision = findRevision(db, t.revisionArn);
    if (!revision) continue;
    const provider = providerOfInstance(db, t.instanceArn, revision.capacityProviderArns);
    const perProvider = counts.get(t.revisionArn) ?? new Map<string, number>();
    perProvider.set(provider, (perProvider.get(provider) ?? 0) + 1);
    counts.set(t.revisionArn, perProvider);
  }
  return counts;
}

/** DescribeDaemon: the current revision and every older one that still has running tasks. */
export function presentDaemon(db: Db, d: StoredDaemon): DaemonDetail {
  const counts = runningByRevision(db, d.daemonArn);
  const arns = [d.revisionArn, ...[...counts.keys()].filter((a) => a !== d.revisionArn)];
  const currentRevisions: DaemonRevisionDetail[] = arns.map((arn) => {
    const revision = findRevision(db, arn);
    const perProvider = counts.get(arn) ?? new Map<string, number>();
    const capacityProviders = (revision?.capacityProviderArns ?? []).map((p) => ({ arn: p, runningCount: perProvider.get(p) ?? 0 }));
    return { arn, capacityProviders, totalRunningCount: capacityProviders.reduce((n, p) => n + p.runningCount, 0) };
  });
  return { daemonArn: d.daemonArn, clusterArn: d.clusterArn, status: d.status, createdAt: d.createdAt, updatedAt: d.updatedAt, deploymentArn: d.deploymentArn, currentRevisions };
}

function revisionDetail(db: Db, arn: string, counts: Map<string, Map<string, number>>): DaemonDeploymentRevisionDetail {
  const revision = findRevision(db, arn);
  const perProvider = counts.get(arn) ?? new Map<string, number>();
  const capacityProviders = (revision?.capacityProviderArns ?? []).map((p) => ({ arn: p, runningInstanceCount: perProvider.get(p) ?? 0, drainingInstanceCount: 0 }));
  return {
    arn, capacityProviders,
    totalRunningInstanceCount: capacityProviders.reduce((n, p) => n + p.runningInstanceCount, 0),
    totalDrainingInstanceCount: 0,
  };
}

/** DescribeDaemonDeployments: the stored record with the instance counts as they are now. */
export function presentDeployment(db: Db, d: StoredDeployment): DaemonDeployment {
  const counts = runningByRevision(db, d.daemonArn);
  const { daemonArn: _daemon, sourceRevisionArns, targetRevisionArn, bakeStartedAt: _bake, ...wire } = d;
  return {
    ...wire,
    sourceDaemonRevisions: sourceRevisionArns.map((arn) => revisionDetail(db, arn, counts)),
    ...(targetRevisionArn ? { targetDaemonRevision: revisionDetail(db, targetRevisionArn, counts) } : {}),
  };
}

export function presentRevision(r: StoredRevision): DaemonRevision {
  const { capacityProviderArns: _providers, ...wire } = r;
  return wire;
}
