import type { Service } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import { getTags } from "../tags.js";
import { currentDeploymentOf } from "./service-deployment-view.js";
import { serviceEvents, taskCountsByDeployment, type StoredService } from "./service-store.js";

/**
 * A service as DescribeServices shows it. Task counts come from the tasks themselves, so they are
 * always true: runningCount counts tasks in RUNNING, pendingCount those on their way to it; each
 * deployment shows its own, and an ACTIVE deployment's desiredCount is how many of its tasks the
 * scheduler still keeps. Events newest first; tags only with include TAGS.
 */
export function presentService(db: Db, stored: StoredService, withTags: boolean): Service {
  const svc = stored.service;
  const counts = taskCountsByDeployment(db, svc.serviceArn!);
  const zero = { running: 0, pending: 0, wanted: 0 };
  const deployments = (svc.deployments ?? []).map((d) => {
    const c = counts.get(d.id!) ?? zero;
    return { ...d, desiredCount: d.status === "PRIMARY" ? svc.desiredCount : c.wanted, runningCount: c.running, pendingCount: c.pending };
  });
  let running = 0;
  let pending = 0;
  for (const c of counts.values()) (running += c.running), (pending += c.pending);
  return {
    ...svc,
    runningCount: running,
    pendingCount: pending,
    deployments,
    ...currentDeploymentOf(db, svc),
    events: serviceEvents(db, svc.serviceArn!),
    tags: withTags ? getTags(db, svc.serviceArn!) : undefined,
  };
}
