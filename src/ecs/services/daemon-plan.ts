import { deploymentBounds } from "./deployment-rules.js";
import type { PlacementOutcome, PlanContext } from "./service-plan.js";
import type { PlanTask } from "./service-plan-types.js";

/**
 * DAEMON: one task of the primary deployment on every instance that should run it. A task on an
 * instance that should not (drained, deregistered, no longer matching the constraints) is
 * stopped. An older deployment's task is stopped first (within minimumHealthyPercent, default 0)
 * and its replacement started once it is STOPPED, so that the instance never runs two and its
 * resources are free again; maximumPercent (default 100) bounds the tasks short of STOPPED.
 */
export function planDaemon(ctx: PlanContext): PlacementOutcome {
  const { input, primary } = ctx;
  const eligible = input.status === "DRAINING" ? [] : [...(input.daemonInstances ?? [])];
  const desired = eligible.length;
  const { minHealthy, maxTotal } = deploymentBounds(desired, input.minimumHealthyPercent, input.maximumPercent);
  const wanted = input.tasks.filter((t) => ctx.wanted(t));
  let budget = wanted.filter((t) => ctx.healthy(t)).length - minHealthy;
  const stop = (t: PlanTask) => {
    ctx.stop(t, ctx.scalingReason);
    if (ctx.healthy(t)) budget--;
  };

  const where = new Set(eligible);
  for (const t of wanted) if (!t.instanceArn || !where.has(t.instanceArn)) stop(t);

  let room = maxTotal - ctx.live.length;
  const startOn: string[] = [];
  let settled = 0;
  for (const instance of eligible) {
    const here = wanted.filter((t) => t.instanceArn === instance && ctx.wanted(t));
    const current = here.filter((t) => t.deploymentId === primary.id);
    const older = here.filter((t) => t.deploymentId !== primary.id);
    // Never two of the primary's on one instance: keep a healthy one.
    const [keep, ...extra] = [...current].sort((a, b) => Number(ctx.healthy(b)) - Number(ctx.healthy(a)));
    extra.forEach(stop);
    if (keep) {
      for (const t of older) if (!ctx.healthy(t) || budget > 0) stop(t);
      if (ctx.healthy(keep) && older.length === 0) settled++;
      continue;
    }
    if (!ctx.launchable) continue;
    if (older.length) {
      for (const t of older) if (!ctx.healthy(t) || budget > 0) stop(t);
      continue;
    }
    // Start only once nothing of the service is left on the instance, not even a task stopping.
    const occupied = ctx.live.some((t) => t.instanceArn === instance);
    if (!occupied && room > 0) {
      startOn.push(instance);
      room--;
    }
  }

  const complete = input.status === "ACTIVE" && settled === desired && ctx.live.length === desired;
  return {
    ...(startOn.length ? { start: { deploymentId: primary.id, count: startOn.length, instanceArns: startOn } } : {}),
    complete,
    desiredCount: desired,
    blocked: false,
  };
}
