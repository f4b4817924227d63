import type {
  ContinueServiceDeploymentRequest, DescribeServiceDeploymentsRequest, DescribeServiceRevisionsRequest, Failure, ListServiceDeploymentsRequest, ServiceDeployment, ServiceDeploymentBrief,
  ServiceRevision, StopServiceDeploymentRequest,
} from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Scope } from "../../core/arn.js";
import { ServiceError } from "../../core/errors.js";
import type { EcsDeps } from "../deps.js";
import { conflict, invalidParameter } from "../errors.js";
import { paginate } from "../pagination.js";
import type { ServiceScheduler } from "./services.js";
import { findService, saveService, type StoredService } from "./service-store.js";
import { findServiceDeployment, findServiceRevision, saveServiceDeployment, serviceDeploymentsOf, type StoredServiceDeployment } from "./service-deployment-store.js";
import { presentServiceDeployment } from "./service-deployment-view.js";
import { continuePausedHook } from "./lifecycle-hook-answers.js";

const serviceDeploymentNotFound = () => new ServiceError("ServiceDeploymentNotFoundException", "Service deployment not found.");

/** Whether an ARN of this account and region names a resource of this type (`service-deployment`, `service-revision`). */
const inScope = (arn: string, scope: Scope, type: string) => arn.startsWith(`arn:aws:ecs:${scope.region}:${scope.account}:${type}/`);

/** DescribeServiceDeployments and DescribeServiceRevisions take 1 to 20 ARNs, as ECS's other Describe operations take a bounded list. */
const MAX_DESCRIBE = 20;
function checkArns(arns: readonly string[] | undefined, member: string): readonly string[] {
  if (!arns || arns.length === 0) throw invalidParameter(`${member} cannot be empty.`);
  if (arns.length > MAX_DESCRIBE) throw invalidParameter(`${member} can have at most ${MAX_DESCRIBE} items.`);
  return arns;
}

/**
 * The service deployment history (ListServiceDeployments, DescribeServiceDeployments,
 * DescribeServiceRevisions) and StopServiceDeployment. The records are written by CreateService
 * and UpdateService and kept up to date by the scheduler (service-deployment-sync.ts); stopping
 * one asks the scheduler to roll back (or leave the deployment where it is, ABORT) at its next decision.
 */
export function serviceDeploymentHandlers(
  { db, clock }: EcsDeps,
  scheduler: ServiceScheduler,
  requireService: (ctx: RequestContext, cluster: string | undefined, ref: string) => StoredService,
): Record<string, Handler> {
  return {
    ListServiceDeployments: (input: ListServiceDeploymentsRequest, ctx: RequestContext) => {
      const stored = requireService(ctx, input.cluster, input.service!);
      const statuses = input.status?.length ? new Set<string>(input.status) : undefined;
      const after = input.createdAt?.after?.getTime();
      const before = input.createdAt?.before?.getTime();
      const matching = serviceDeploymentsOf(db, stored.service.serviceArn!).filter((d) => {
        const at = d.doc.createdAt!.getTime();
        return (!statuses || statuses.has(d.doc.status!)) && (after === undefined || at >= after) && (before === undefined || at <= before);
      });
      const { page, nextToken } = paginate(matching, input, { defaultMax: 20, limit: 100 });
      return { serviceDeployments: page.map(brief), nextToken };
    },

    DescribeServiceDeployments: (input: DescribeServiceDeploymentsRequest, ctx: RequestContext) => {
      const serviceDeployments: ServiceDeployment[] = [];
      const failures: Failure[] = [];
      for (const arn of checkArns(input.serviceDeploymentArns, "serviceDeploymentArns")) {
        const rec = inScope(arn, ctx, "service-deployment") ? findServiceDeployment(db, arn) : undefined;
        if (rec) serviceDeployments.push(presentServiceDeployment(db, rec));
        else failures.push({ arn, reason: "MISSING" });
      }
      return { serviceDeployments, failures };
    },

    DescribeServiceRevisions: (input: DescribeServiceRevisionsRequest, ctx: RequestContext) => {
      const serviceRevisions: ServiceRevision[] = [];
      const failures: Failure[] = [];
      for (const arn of checkArns(input.serviceRevisionArns, "serviceRevisionArns")) {
        const revision = inScope(arn, ctx, "service-revision") ? findServiceRevision(db, arn) : undefined;
        if (revision) serviceRevisions.push(revision);
        else failures.push({ arn, reason: "MISSING" });
      }
      return { serviceRevisions, failures };
    },

    // A deployment held by a pause hook goes on (CONTINUE) or rolls back (ROLLBACK) at the scheduler's next decision.
    ContinueServiceDeployment: (input: ContinueServiceDeploymentRequest, ctx: RequestContext) => {
      const arn = input.serviceDeploymentArn!;
      db.transaction(() => {
        const rec = inScope(arn, ctx, "service-deployment") ? findServiceDeployment(db, arn) : undefined;
        if (!rec) throw serviceDeploymentNotFound();
        continuePausedHook(db, clock.now().getTime(), rec, input);
      })();
      scheduler.poke();
      return { serviceDeploymentArn: arn };
    },

    StopServiceDeployment: (input: StopServiceDeploymentRequest, ctx: RequestContext) => {
      const arn = input.serviceDeploymentArn!;
      // ROLLBACK is the default and the only type ECS documents; ABORT leaves the deployment where it is.
      const stopType = input.stopType ?? "ROLLBACK";
      db.transaction(() => {
        const rec = inScope(arn, ctx, "service-deployment") ? findServiceDeployment(db, arn) : undefined;
        if (!rec) throw serviceDeploymentNotFound();
        const status = rec.doc.status!;
        // Already being stopped or rolled back: it carries on, as ECS documents.
        if (["STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"].includes(status)) return;
        if (status !== "PENDING" && status !== "IN_PROGRESS") throw conflict(`The service deployment cannot be stopped: it is ${status}.`, [arn]);
        const stored = findService(db, rec.doc.serviceArn!);
        const primary = stored?.service.deployments?.[0];
        // Only the deployment the scheduler is carrying out can be stopped (an older one is STOPPED already).
        if (!stored || stored.service.status !== "ACTIVE" || primary?.id !== rec.deploymentId || primary.rolloutState !== "IN_PROGRESS") {
          throw conflict(`The service deployment cannot be stopped: it is ${status} but no longer being carried out.`, [arn]);
        }
        if (stopType === "ROLLBACK" && !stored.service.deployments!.slice(1).some((d) => d.rolloutState === "COMPLETED")) {
          throw conflict("The service deployment cannot be rolled back: the service has no completed deployment to roll back to.", [arn]);
        }
        saveService(db, { ...stored, state: { ...stored.state, stopRequested: { deploymentId: rec.deploymentId, stopType } } });
        const next: StoredServiceDeployment = { ...rec, doc: { ...rec.doc, status: stopType === "ROLLBACK" ? "ROLLBACK_REQUESTED" : "STOP_REQUESTED", updatedAt: clock.now() } };
        saveServiceDeployment(db, next);
      })();
      scheduler.poke();
      return { serviceDeploymentArn: arn };
    },
  };
}

function brief(d: StoredServiceDeployment): ServiceDeploymentBrief {
  const doc = d.doc;
  return {
    serviceDeploymentArn: doc.serviceDeploymentArn,
    serviceArn: doc.serviceArn,
    clusterArn: doc.clusterArn,
    startedAt: doc.startedAt,
    createdAt: doc.createdAt,
    finishedAt: doc.finishedAt,
    targetServiceRevisionArn: doc.targetServiceRevision?.arn,
    status: doc.status,
    statusReason: doc.statusReason,
  };
}
