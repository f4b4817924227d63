import type { Scope } from "../core/arn.js";
import type { AasDeps } from "./deps.js";
import { moveIntoRange, recordActivity } from "./capacity.js";
import { nextRunOf } from "./scheduled-actions.js";
import { dueScheduledActions, findTarget, nextScheduledRun, saveScheduledAction, saveTarget } from "./store.js";
import type { ScheduledAction } from "./types.js";

/** The longest the timer sleeps: a clock that jumps (tests, suspend) is noticed within this. */
const MAX_SLEEP_MS = 1000;

/**
 * Runs scheduled actions when their time comes: sets the target's MinCapacity and MaxCapacity
 * and moves its desired count into the new range. A reconcile loop over stored next-run times,
 * so actions due while Berth was down run once at start-up, as AWS runs a late action once.
 */
export function createScheduledScaling(deps: AasDeps) {
  const { db, clock, log } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  function run(scope: Scope, action: ScheduledAction, due: number): void {
    db.transaction(() => {
      const stored = findTarget(db, scope, action);
      const after = new Date(Math.max(due, clock.now().getTime()));
      saveScheduledAction(db, scope, action, nextRunOf(action, after));
      if (!stored || stored.target.SuspendedState.ScheduledScalingSuspended) return;
      const t = { ...stored.target };
      const { MinCapacity: min, MaxCapacity: max } = action.ScalableTargetAction ?? {};
      if (min !== undefined) t.MinCapacity = min;
      if (max !== undefined) t.MaxCapacity = max;
      const what = [min !== undefined ? `min capacity to ${min}` : "", max !== undefined ? `max capacity to ${max}` : ""].filter(Boolean).join(" and ");
      const Cause = `scheduled action name ${action.ScheduledActionName} was triggered`;
      if (t.MinCapacity > t.MaxCapacity) {
        recordActivity(deps, scope, t, { Description: `Setting ${what}`, Cause, StatusCode: "Failed", StatusMessage: "Minimum capacity cannot be greater than maximum capacity" });
        return;
      }
      saveTarget(db, scope, { target: t, state: stored.state });
      recordActivity(deps, scope, t, { Description: `Setting ${what}`, Cause, StatusCode: "Successful", StatusMessage: `Successfully set ${what}. Change successfully fulfilled by ${t.ServiceNamespace}.` });
      log.info({ resourceId: t.ResourceId, action: action.ScheduledActionName, min: t.MinCapacity, max: t.MaxCapacity }, "ran a scheduled action");
      moveIntoRange(deps, scope, t);
    })();
  }

  /** Runs every action that is due now; the timer calls it, tests may too. */
  function runDue(): void {
    for (const { scope, action, nextRun } of dueScheduledActions(db, clock.now())) {
      try {
        run(scope, action, nextRun);
      } catch (err) {
        log.error({ err, action: action.ScheduledActionARN }, "a scheduled action failed");
      }
    }
  }

  function arm(): void {
    if (!running) return;
    clearTimeout(timer);
    const next = nextScheduledRun(db);
    const wait = next === undefined ? MAX_SLEEP_MS : Math.min(MAX_SLEEP_MS, Math.max(0, next - clock.now().getTime()));
    timer = setTimeout(() => {
      runDue();
      arm();
    }, wait);
    timer.unref();
  }

  return {
    runDue,
    /** Something was scheduled: look again now rather than at the next tick. */
    changed: () => arm(),
    start() {
      running = true;
      arm();
    },
    stop() {
      running = false;
      clearTimeout(timer);
    },
  };
}
