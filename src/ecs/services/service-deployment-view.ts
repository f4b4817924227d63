import type { Service, ServiceDeployment, ServiceRevisionSummary } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import { findService, taskCountsByDeployment } from "./service-store.js";
import { lifecycleHookDetails } from "./lifecycle-hook-answers.js";
import { deploymentOfRevision, ONGOING, revisionArnOf, serviceDeploymentsOf, type StoredServiceDeployment } from "./service-deployment-store.js";

/**
 * A revision's task counts as ECS shows them in a service deployment: requested (the desired
 * count for the PRIMARY deployment's revision; for an older one, the tasks the scheduler still
 * keeps), running and pending, read from the tasks themselves.
 */
export function revisionSummary(db: Db, svc: Service, revisionArn: string, counts = taskCountsByDeployment(db, svc.serviceArn!)): ServiceRevisionSummary {
  const deploymentId = deploymentOfRevision(db, revisionArn);
  const c = (deploymentId && counts.get(deploymentId)) || { running: 0, pending: 0, wanted: 0 };
  const primary = svc.deployments?.[0]?.id === deploymentId && svc.status === "ACTIVE";
  return { arn: revisionArn, requestedTaskCount: primary ? svc.desiredCount ?? 0 : c.wanted, runningTaskCount: c.running, pendingTaskCount: c.pending };
}

/** The target's and the sources' summaries now. */
export function withSummaries(db: Db, svc: Service, doc: ServiceDeployment): ServiceDeployment {
  const counts = taskCountsByDeployment(db, svc.serviceArn!);
  return {
    ...doc,
    sourceServiceRevisions: (doc.sourceServiceRevisions ?? []).map((s) => revisionSummary(db, svc, s.arn!, counts)),
    ...(doc.targetServiceRevision ? { targetServiceRevision: revisionSummary(db, svc, doc.targetServiceRevision.arn!, counts) } : {}),
  };
}

/**
 * A service deployment as DescribeServiceDeployments shows it: the counts of one still going on
 * are read now; those of a finished one are the counts when it finished (ECS: "the number of
 * running tasks when the deployment completed").
 */
export function presentServiceDeployment(db: Db, rec: StoredServiceDeployment): ServiceDeployment {
  const hooks = lifecycleHookDetails(db, rec.doc.serviceArn!, rec.deploymentId);
  const doc = hooks ? { ...rec.doc, lifecycleHookDetails: hooks } : rec.doc;
  if (!ONGOING.has(rec.doc.status!)) return doc;
  const stored = findService(db, rec.doc.serviceArn!);
  return stored ? withSummaries(db, stored.service, doc) : doc;
}

/** DescribeServices' currentServiceDeployment and currentServiceRevisions (the revisions the service's deployments run). */
export function currentDeploymentOf(db: Db, svc: Service): Pick<Service, "currentServiceDeployment" | "currentServiceRevisions"> {
  const newest = serviceDeploymentsOf(db, svc.serviceArn!)[0];
  if (!newest) return {};
  const counts = taskCountsByDeployment(db, svc.serviceArn!);
  const revisions = (svc.deployments ?? []).map((d) => revisionArnOf(db, svc.serviceArn!, d.id!)).filter((a): a is string => a !== undefined);
  return { currentServiceDeployment: newest.doc.serviceDeploymentArn, currentServiceRevisions: revisions.map((arn) => revisionSummary(db, svc, arn, counts)) };
}
