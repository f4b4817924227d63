import type { Db } from "./database.js";

/** An event one of Berth's services emits (ECS Task State Change, ECR Image Action, ...), before it has an id and a bus. */
export interface DomainEvent {
  source: string;
  detailType: string;
  resources: string[];
  detail: Record<string, unknown>;
  time: Date;
}

const listeners = new Set<() => void>();

/**
 * Writes the event into the outbox in the caller's transaction: it exists if and only if the state
 * change it describes does. The events router reads the outbox and puts each event on the default
 * bus of its account and region; listeners are told (after the caller's code runs) that it should look.
 */
export function emitEvent(db: Db, scope: { account: string; region: string }, event: DomainEvent): void {
  db.prepare("INSERT INTO event_outbox (account, region, event) VALUES (?, ?, ?)").run(scope.account, scope.region, JSON.stringify(event));
  for (const l of listeners) queueMicrotask(l);
}

/** The router's wake-up call; returns the function that removes it. */
export function onOutbox(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
