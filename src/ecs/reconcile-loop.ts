import type { Task, TaskDefinition } from "@aws-sdk/client-ecs";
import type { TaskRunner } from "../agent/protocol/task-runner.js";

/** What a reconciliation asks of the runner once its transaction has committed. */
export interface DecisionEffects {
  launches: Array<{ task: Task; taskDefinition: TaskDefinition }>;
  stops: Array<{ taskArn: string; reason: string }>;
}

/** A decision carried out: its stops, then its launches (tags stay in the store; the agent needs none). */
export function carryOut(runner: TaskRunner, { launches, stops }: DecisionEffects): void {
  for (const s of stops) runner.stop(s.taskArn, { stopCode: "ServiceSchedulerInitiated", reason: s.reason });
  for (const l of launches) runner.launch({ task: { ...l.task, tags: undefined }, taskDefinition: l.taskDefinition });
}

export interface ReconcileLoop {
  /** One round now (synchronously). */
  tick(): void;
  /** Something changed (an API call, a task report): a round soon. */
  poke(): void;
  start(): void;
  stop(): void;
}

/**
 * The loop the service and daemon schedulers run: a round on an interval and soon after anything
 * that may change a decision, bursts of pokes (a report per container) coalesced into one round,
 * never two rounds at once (a poke during a round asks for another after it). Everything a round
 * needs is in SQLite, so after a restart the loop simply carries on.
 */
export function reconcileLoop(round: () => void, intervalMs: number): ReconcileLoop {
  let timer: NodeJS.Timeout | undefined;
  let scheduled: NodeJS.Immediate | undefined;
  let running = false;
  let again = false;
  let stopped = true;

  const tick = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      round();
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      poke();
    }
  };
  const poke = () => {
    if (stopped || scheduled) return;
    scheduled = setImmediate(() => {
      scheduled = undefined;
      tick();
    });
  };
  return {
    tick,
    poke,
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setInterval(tick, intervalMs);
      timer.unref();
      poke();
    },
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (scheduled) clearImmediate(scheduled);
      timer = undefined;
      scheduled = undefined;
    },
  };
}
