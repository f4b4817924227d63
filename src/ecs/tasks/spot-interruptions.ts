import type { Task } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import { parseArn } from "../../core/arn.js";
import { invalidParameter } from "../errors.js";
import { createRng, type Rng } from "../../scheduler/rng.js";
import { findTask, saveTask } from "./task-store.js";
import type { TaskRunner } from "../../agent/protocol/task-runner.js";

/** ECS's stoppedReason for a Fargate Spot task whose capacity was reclaimed. */
export const SPOT_REASON = "Your Spot Task was interrupted.";

export interface SpotDeps {
  db: Db;
  runner: TaskRunner;
  config: Pick<Config, "spotWarningSeconds" | "spotInterruptionRatePerHour">;
}

/**
 * Interrupts a FARGATE_SPOT task as AWS reclaiming its capacity would: the task is marked to stop
 * with stopCode SpotInterruption and ECS's reason, its containers get SIGTERM now and SIGKILL
 * after min(stopTimeout, spotWarningSeconds), and a service replaces it as it replaces any
 * stopped task. A task already stopping is left as it is. Throws when the task is unknown or
 * does not run on FARGATE_SPOT (an operator asking for something that cannot happen on AWS).
 */
export function interruptSpotTask({ db, runner, config }: SpotDeps, taskArn: string): Task {
  const task = db.transaction(() => {
    const task = findTask(db, taskArn);
    if (!task) throw invalidParameter("The referenced task was not found.");
    if (task.capacityProviderName !== "FARGATE_SPOT") throw invalidParameter(`Task ${taskArn} does not run on the FARGATE_SPOT capacity provider.`);
    if (task.desiredStatus === "STOPPED") return undefined;
    const arn = parseArn(taskArn)!;
    const stopped: Task = { ...task, desiredStatus: "STOPPED", stopCode: "SpotInterruption", stoppedReason: SPOT_REASON, version: (task.version ?? 0) + 1 };
    saveTask(db, { account: arn.account, region: arn.region }, stopped);
    return stopped;
  })();
  if (!task) return findTask(db, taskArn)!;
  runner.stop(taskArn, { stopCode: "SpotInterruption", reason: SPOT_REASON, graceSeconds: config.spotWarningSeconds });
  return task;
}

/** The chance that a task is interrupted within `elapsedMs` at `ratePerHour` (a Poisson process). */
export const interruptionProbability = (ratePerHour: number, elapsedMs: number) => (ratePerHour <= 0 || elapsedMs <= 0 ? 0 : 1 - Math.exp(-ratePerHour * (elapsedMs / 3_600_000)));

/** FARGATE_SPOT tasks that run and are meant to. */
function runningSpotTasks(db: Db): string[] {
  const rows = db.prepare("SELECT arn, doc FROM tasks WHERE launch_type = 'FARGATE' AND desired_status = 'RUNNING' AND last_status = 'RUNNING' ORDER BY seq").all() as Array<{ arn: string; doc: string }>;
  return rows.filter((r) => (JSON.parse(r.doc) as Task).capacityProviderName === "FARGATE_SPOT").map((r) => r.arn);
}

/**
 * Chaos testing: on every tick each running FARGATE_SPOT task is interrupted with the chance
 * that spotInterruptionRatePerHour gives for the time since the last tick. The Rng is seeded
 * (by default from the Berth's id), so a run's interruptions follow from its seed and its ticks.
 * Does nothing at rate 0, the default.
 */
export function startSpotChaos(deps: SpotDeps & { clock: Clock; log: Logger; seed: string; rng?: Rng; intervalMs?: number }): { tick(): void; stop(): void } {
  const { db, clock, log, config, intervalMs = 1000 } = deps;
  const rng = deps.rng ?? createRng(`spot-chaos:${deps.seed}`);
  let last = clock.now().getTime();
  const tick = () => {
    const now = clock.now().getTime();
    const p = interruptionProbability(config.spotInterruptionRatePerHour, now - last);
    last = now;
    if (p === 0) return;
    for (const arn of runningSpotTasks(db)) {
      if (rng.next() >= p) continue;
      try {
        interruptSpotTask(deps, arn);
        log.info({ taskArn: arn }, "spot chaos interrupted a task");
      } catch (err) {
        log.warn({ taskArn: arn, err: (err as Error).message }, "spot chaos could not interrupt a task");
      }
    }
  };
  const timer = config.spotInterruptionRatePerHour > 0 ? setInterval(tick, intervalMs) : undefined;
  timer?.unref();
  return { tick, stop: () => timer && clearInterval(timer) };
}
