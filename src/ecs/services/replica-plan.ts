import { deploymentBounds, rollbackStageKey } from "./deployment-rules.js";
import type { PlacementOutcome, PlanContext } from "./service-plan.js";
import type { PlanDeployment, PlanTask, ServicePlanInput, ShiftTo } from "./service-plan-types.js";
import { rolloutReasons } from "./service-events.js";

const partition = (list: readonly PlanTask[], pred: (t: PlanTask) => boolean): [PlanTask[], PlanTask[]] => [list.filter(pred), list.filter((t) => !pred(t))];

/**
 * REPLICA: keep desiredCount tasks of the primary deployment, replacing the tasks of older
 * deployments (and those on instances that no longer take tasks) as a rolling update does.
 * Every step stays within the bounds: at most maxTotal tasks short of STOPPED (tasks being
 * stopped still count until they are STOPPED), and no healthy task is stopped while that would
 * leave fewer than minHealthy. Tasks that do not count as healthy can always be stopped.
 * Protected tasks (task scale-in protection) are never chosen: as in ECS, scale-in leaves them
 * running and a deployment waits for their protection to expire or be removed.
 */
export function planReplicas(ctx: PlanContext): PlacementOutcome {
  const { input, primary } = ctx;
  const draining = input.status === "DRAINING";
  const desired = draining ? 0 : input.desiredCount;
  const { minHealthy, maxTotal } = deploymentBounds(desired, draining ? 0 : input.minimumHealthyPercent, input.maximumPercent);
  const leaving = (t: PlanTask) => input.usableInstances !== undefined && t.instanceArn !== undefined && !input.usableInstances.has(t.instanceArn);
  const wanted = input.tasks.filter((t) => ctx.wanted(t));
  const current = wanted.filter((t) => t.deploymentId === primary.id && !leaving(t));
  const replaced = wanted.filter((t) => t.deploymentId !== primary.id || leaving(t));
  const stoppable = (list: readonly PlanTask[]) => list.filter((t) => !t.protected);
  let budget = wanted.filter((t) => ctx.healthy(t)).length - minHealthy;
  const stopAll = (list: readonly PlanTask[]) => {
    for (const t of list) {
      ctx.stop(t, ctx.scalingReason);
      if (ctx.healthy(t)) budget--;
    }
  };

  // BLUE_GREEN: the old (blue) tasks keep serving until production traffic has moved to the
  // primary's and the bake time is over; then they all go at once.
  const bg = draining ? undefined : input.blueGreen;
  // Weights left part-way towards another deployment (a rollback during LINEAR or CANARY shifting) must be reset first.
  const dirty = bg?.shifting !== undefined && bg.shifting.deploymentId !== primary.id;
  const shifted = bg !== undefined && bg.production === primary.id && !dirty;
  // A rollback does not bake: once production traffic is back, the failed (green) tasks go at once.
  const rollingBack = ctx.rollback === primary.id || primary.rolloutStateReason === rolloutReasons.rollingBack(primary.id);
  // A rollback with production traffic back runs its PRODUCTION_TRAFFIC_SHIFT hooks, then moves
  // test traffic back and runs its TEST_TRAFFIC_SHIFT hooks; the failed tasks go after that.
  let testShiftTo: string | undefined;
  let rolledBack = false;
  if (shifted && rollingBack && ctx.gate(rollbackStageKey("PRODUCTION_TRAFFIC_SHIFT"))) {
    if (bg.test !== primary.id) testShiftTo = primary.id;
    rolledBack = ctx.gate(rollbackStageKey("TEST_TRAFFIC_SHIFT"));
  }
  // Lifecycle hooks at the last step and after it come before the bake time, which counts from when they passed.
  const hooksPassed = shifted && !rollingBack && ctx.gate("PRODUCTION_TRAFFIC_SHIFT:1000") && ctx.gate("POST_PRODUCTION_TRAFFIC_SHIFT");
  const bakeFrom = Math.max(bg?.productionSince ?? 0, passedAt(input, "PRODUCTION_TRAFFIC_SHIFT:1000"), passedAt(input, "POST_PRODUCTION_TRAFFIC_SHIFT"));
  const baked = hooksPassed && input.now - bakeFrom >= bg.bakeMs;
  if (bg && (baked || rolledBack)) stopAll(stoppable(replaced));
  // A deployment overtaken before it got any traffic goes at once: its tasks share the new one's target groups.
  else if (bg && !shifted) stopAll(stoppable(replaced.filter((t) => t.deploymentId !== bg.production && t.deploymentId !== bg.shifting?.deploymentId)));

  // Older tasks go, unhealthy ones first, healthy ones only as far as minHealthy allows — but only
  // while the primary deployment can replace them (a failed or throttled one cannot).
  if (!bg && (draining || ctx.launchable)) {
    const [oldHealthy, oldOther] = partition(stoppable(replaced), ctx.healthy);
    stopAll(oldOther);
    stopAll(ctx.choose(oldHealthy, budget));
  }

  // Scale in: the primary deployment has more than desired.
  const excess = current.length - desired;
  if (excess > 0) {
    const [fit, other] = partition(stoppable(current), ctx.healthy);
    const first = ctx.choose(other, excess);
    stopAll(first);
    stopAll(ctx.choose(fit, Math.min(excess - first.length, budget)));
  }

  // Scale out / replace, within maxTotal: tasks short of STOPPED all count, stopping ones too.
  const keeping = current.filter((t) => ctx.wanted(t));
  const need = desired - keeping.length;
  // BLUE_GREEN starts the whole green set at once, beside the blue one (maximumPercent does not apply).
  const room = bg ? need : maxTotal - ctx.live.length;
  // Lifecycle hooks before the green tasks start: RECONCILE_SERVICE when older revisions are still
  // active beside the one production traffic is on, then PRE_SCALE_UP.
  const scaleUpAllowed = !bg || need <= 0 || ((input.deployments.length <= 2 || ctx.gate("RECONCILE_SERVICE")) && ctx.gate("PRE_SCALE_UP"));
  const count = draining || !ctx.launchable || !scaleUpAllowed ? 0 : Math.max(0, Math.min(need, room));
  const inFlight = ctx.live.some((t) => !ctx.wanted(t) || t.lastStatus !== "RUNNING");

  const ready = !draining && keeping.length === desired && keeping.every(ctx.healthy);
  const complete = ready && ctx.live.length === desired && (!bg || shifted);
  return {
    ...(testShiftTo ? { testShiftTo } : {}),
    ...(bg && ready && !shifted && primary.rolloutState !== "FAILED" ? nextShift(bg, primary, input, ctx) : {}),
    ...(count > 0 ? { start: { deploymentId: primary.id, count } } : {}),
    complete,
    desiredCount: input.desiredCount,
    blocked: !bg && !draining && ctx.launchable && need > 0 && count === 0 && budget <= 0 && !inFlight,
  };
}

/** When the primary's hooks at a stage all succeeded (epoch ms), 0 if they did not (or there are none). */
const passedAt = (input: ServicePlanInput, key: string) => input.hooks?.passed.get(key) ?? 0;

/**
 * The next traffic step for a primary whose tasks are all healthy: the first step, or the next
 * one once the step's bake time is over. A rollback (and a reset of part-shifted weights) moves
 * everything back at once, as ECS does. Lifecycle hooks hold each stage on the way: after the
 * scale-up; at TEST_TRAFFIC_SHIFT, once the test listener rules send test traffic to the primary
 * (until then they send it where production traffic goes: ECS's "there is no test traffic"
 * before that stage) and after it; before every production step and at every step.
 */
function nextShift(bg: NonNullable<ServicePlanInput["blueGreen"]>, primary: PlanDeployment, input: ServicePlanInput, ctx: PlanContext): { shiftTo?: ShiftTo; testShiftTo?: string } {
  const rollingBack = bg.production === primary.id || ctx.rollback === primary.id || primary.rolloutStateReason === rolloutReasons.rollingBack(primary.id);
  if (rollingBack) return { shiftTo: { deploymentId: primary.id, tenths: 1000 } };
  if (!ctx.gate("POST_SCALE_UP")) return {};
  const test = bg.test !== primary.id ? { testShiftTo: primary.id } : {};
  if (!(ctx.gate("TEST_TRAFFIC_SHIFT") && ctx.gate("POST_TEST_TRAFFIC_SHIFT"))) return test;
  const steps = bg.steps ?? [1000];
  const current = bg.shifting?.deploymentId === primary.id ? bg.shifting : undefined;
  if (current) {
    const key = `PRODUCTION_TRAFFIC_SHIFT:${current.tenths}`;
    if (!ctx.gate(key)) return test;
    if (input.now - Math.max(current.since, passedAt(input, key)) < (bg.stepBakeMs ?? 0)) return test;
  }
  // The first deployment has no old revision to share traffic with: it takes it all at once.
  const next = bg.production === undefined ? 1000 : current ? steps.find((s) => s > current.tenths) ?? 1000 : steps[0]!;
  if (!ctx.gate(`PRE_PRODUCTION_TRAFFIC_SHIFT:${next}`)) return test;
  return { ...test, shiftTo: { deploymentId: primary.id, tenths: next } };
}
