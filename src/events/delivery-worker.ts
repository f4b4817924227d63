import type * as W from "@aws-sdk/client-eventbridge";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { DeliveryError } from "./delivery-error.js";
import type { TargetRoleGate } from "./target-role.js";
import { dispatcherFor, type TargetDispatcher } from "./target-dispatch.js";
import { drainOutbox } from "./event-router.js";
import { recordAttempt, type DeliveryStatus } from "./rule-activity.js";
import { onOutbox } from "../store/outbox.js";
import { fireDueRules } from "./schedule-rules.js";
import { pruneArchives } from "./archives.js";
import { advanceReplays } from "./replays.js";
import { withAttemptAttributes } from "../eventbridge-scheduler/context-attributes.js";
import { deadLetterAttributes } from "../eventbridge-scheduler/dead-letter-attributes.js";

/** AWS's defaults: 185 retries over at most 24 hours. */
const DEFAULT_MAX_RETRIES = 185;
const DEFAULT_MAX_AGE_S = 86_400;
/** How often due deliveries are looked for when nothing wakes the worker. */
const POLL_MS = 500;
/** How often archived events past their retention are deleted. */
const PRUNE_MS = 60_000;
/** Deliveries in flight at once. */
const CONCURRENCY = 16;

interface Row { id: number; account: string; region: string; source_arn: string; target: string; input: string; event_time: number; attempts: number }

/** How a delivery ended, for its rule's recent activity. */
interface Outcome { status: DeliveryStatus; attempts: number; error?: string }

/** Back-off between attempts: exponential from 1 s, capped at a minute, jittered. */
export const retryDelayMs = (attempts: number, random = Math.random) => Math.min(60_000, 1000 * 2 ** Math.min(attempts - 1, 10)) * (0.5 + random() / 2);

export interface DeliveryWorker {
  /** Look for due deliveries now (after PutEvents queued some). */
  wake(): void;
  /** Starts nothing more and waits for the deliveries in flight (a reset must not race a RunTask). */
  pause(): Promise<void>;
  resume(): void;
  stop(): Promise<void>;
}

/**
 * Delivers queued deliveries at least once: a row leaves the table only after its target accepted
 * it, or after its retries ran out and it went to its dead-letter queue (or was dropped, as AWS
 * drops it without one). Rows survive a kill -9 and are delivered after the restart. It also moves
 * the outbox of Berth's own events onto their buses and fires due schedule rules.
 */
export function startDeliveryWorker({ db, clock, log, dispatchers, random = Math.random, timers = [], roleGate }: {
  db: Db; clock: Clock; log: Logger; dispatchers: () => TargetDispatcher[]; random?: () => number;
  /** With iamEnforcement: whether a target's RoleArn allows its delivery (target-role.ts). */
  roleGate?: TargetRoleGate;
  /** Other things due on the same timer that queue deliveries (EventBridge Scheduler's schedules). */
  timers?: Array<(now: Date) => void>;
}): DeliveryWorker {
  const inFlight = new Set<number>();
  const running = new Set<Promise<void>>();
  let stopped = false;
  let scheduled = false;
  let prunedAt = 0;
  let paused = false;

  const dequeue = db.prepare("DELETE FROM event_deliveries WHERE id = ?");
  // Delivered rows are deleted in batches, after the event loop has passed on what the target did
  // with the event (a woken SQS receiver answers before this commit's fsync). A crash before the
  // batch commits delivers those events again: at least once, as EventBridge promises.
  let finished: Array<{ id: number; outcome: Outcome }> = [];
  const flushFinished = () => {
    const done = finished;
    finished = [];
    try {
      db.transaction(() => {
        const now = clock.now().getTime();
        for (const { id, outcome } of done) {
          dequeue.run(id);
          recordAttempt(db, id, outcome, now);
        }
      })();
    } catch (err) {
      log.error({ err }, "could not remove delivered events from the queue");
    }
  };
  /** A delivery is over (delivered, dead-lettered or dropped): its row goes, its rule's activity says how it ended. */
  const finish = (id: number, outcome: Outcome) => {
    if (finished.length === 0) setImmediate(flushFinished);
    finished.push({ id, outcome });
  };

  async function attempt(row: Row) {
    const target = JSON.parse(row.target) as W.Target;
    const scope = { account: row.account, region: row.region };
    try {
      const dispatcher = dispatcherFor(dispatchers(), target.Arn!);
      if (!dispatcher) throw new Error(`no dispatcher for target ${target.Arn}`);
      roleGate?.({ target, sourceArn: row.source_arn, region: row.region, input: row.input });
      const delivered: Outcome = { status: "DELIVERED", attempts: row.attempts + 1 };
      // An SQS target removes the row (and records the rule's activity) in the transaction that
      // stores the message, and says so; others in a batch after.
      const dequeueNow = () => {
        dequeue.run(row.id);
        recordAttempt(db, row.id, delivered, clock.now().getTime());
      };
      const dequeued = await dispatcher.deliver({ scope, target, input: withAttemptAttributes(row.input, row.source_arn, row.attempts + 1), sourceArn: row.source_arn, id: row.id, dequeue: dequeueNow });
      if (dequeued !== true) finish(row.id, delivered);
    } catch (err) {
      const attempts = row.attempts + 1;
      const now = clock.now().getTime();
      const maxRetries = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_MAX_RETRIES;
      const maxAgeMs = (target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_S) * 1000;
      const next = now + retryDelayMs(attempts, random);
      const retryable = !(err instanceof DeliveryError) || err.retryable;
      if (!retryable || attempts > maxRetries || next - row.event_time > maxAgeMs) {
        const exhausted = !retryable ? undefined : attempts > maxRetries ? "MaximumRetryAttempts" : "MaximumEventAgeInSeconds";
        const deadLettered = await deadLetter(row, target, err as Error, attempts, exhausted);
        finish(row.id, { status: deadLettered ? "DEAD_LETTERED" : "FAILED", attempts, error: (err as Error).message });
      } else {
        log.info({ deliveryId: row.id, target: target.Arn, attempts, err: (err as Error).message }, "event delivery failed; retrying");
        db.transaction(() => {
          db.prepare("UPDATE event_deliveries SET attempts = ?, due_at = ?, last_error = ? WHERE id = ?").run(attempts, next, String((err as Error).message).slice(0, 1000), row.id);
          recordAttempt(db, row.id, { status: "RETRYING", attempts, error: (err as Error).message }, now);
        })();
      }
    }
  }

  /**
   * The DLQ gets the input with AWS's error attributes; without one (or if it fails too) the event
   * is dropped and logged. Returns whether the DLQ took it.
   */
  async function deadLetter(row: Row, target: W.Target, err: Error, attempts: number, exhausted: string | undefined): Promise<boolean> {
    const dlq = target.DeadLetterConfig?.Arn;
    const scope = { account: row.account, region: row.region };
    if (dlq) {
      const dispatcher = dispatcherFor(dispatchers(), dlq);
      try {
        if (!dispatcher) throw new Error(`no dispatcher for dead-letter queue ${dlq}`);
        await dispatcher.deliver({
          scope, input: row.input, sourceArn: row.source_arn, id: row.id, target: { Id: target.Id, Arn: dlq },
          attributes: deadLetterAttributes(row.source_arn, row.event_time, {
            TARGET_ARN: target.Arn!, ERROR_CODE: err instanceof DeliveryError ? err.code : "TargetError",
            ERROR_MESSAGE: err.message.slice(0, 256), RETRY_ATTEMPTS: String(attempts - 1),
            ...(exhausted ? { EXHAUSTED_RETRY_CONDITION: exhausted } : {}),
          }),
        });
        log.warn({ deliveryId: row.id, target: target.Arn, dlq, err: err.message }, "event delivery failed; sent to the dead-letter queue");
        return true;
      } catch (dlqErr) {
        log.error({ deliveryId: row.id, dlq, err: (dlqErr as Error).message }, "could not send a failed event to its dead-letter queue");
      }
    }
    log.warn({ deliveryId: row.id, target: target.Arn, attempts, err: err.message }, "event delivery failed; event dropped");
    return false;
  }

  /** Runs one of the tick's duties; a failure is logged and does not hold the others up. */
  const guarded = (what: string, duty: () => void) => {
    try {
      duty();
    } catch (err) {
      log.error({ err }, `event delivery worker: ${what} failed`);
    }
  };

  function tick() {
    scheduled = false;
    if (stopped || paused) return;
    guarded("routing Berth's own events", () => {
      const onError = (err: unknown, outboxId: number) => log.error({ err, outboxId }, "an event Berth emitted could not be routed; dropped");
      while (drainOutbox(db, clock.now().getTime(), { onError }) > 0);
    });
    guarded("firing schedule rules", () => fireDueRules(db, clock.now()));
    for (const fire of timers) guarded("firing schedules", () => fire(clock.now()));
    guarded("replaying archives", () => {
      // A replay with more to do comes back on the next tick rather than holding this one.
      if (advanceReplays(db, clock) > 0) setImmediate(wake);
    });
    guarded("pruning archives", () => {
      const now = clock.now().getTime();
      if (now - prunedAt < PRUNE_MS) return;
      prunedAt = now;
      pruneArchives(db, now);
    });
    guarded("starting deliveries", () => {
      const room = CONCURRENCY - inFlight.size;
      if (room <= 0) return;
      const rows = db.prepare("SELECT id, account, region, source_arn, target, input, event_time, attempts FROM event_deliveries WHERE due_at <= ? ORDER BY due_at, id LIMIT ?")
        .all(clock.now().getTime(), room + inFlight.size + finished.length) as Row[];
      for (const row of rows) {
        if (inFlight.has(row.id) || finished.some((f) => f.id === row.id) || inFlight.size >= CONCURRENCY) continue;
        inFlight.add(row.id);
        const p = attempt(row).catch((err) => log.error({ err, deliveryId: row.id }, "event delivery crashed")).finally(() => {
          inFlight.delete(row.id);
          running.delete(p);
          wake();
        });
        running.add(p);
      }
    });
  }

  function wake() {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(tick);
  }

  const timer = setInterval(wake, POLL_MS);
  timer.unref();
  const unsubscribe = onOutbox(wake);
  wake();
  return {
    wake,
    async pause() {
      paused = true;
      await Promise.allSettled([...running]);
      if (finished.length) flushFinished();
    },
    resume() {
      paused = false;
      wake();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
      await Promise.allSettled([...running]);
      if (finished.length) flushFinished();
    },
  };
}
