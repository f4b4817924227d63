import { randomUUID } from "node:crypto";
import type { ContainerLog } from "../../agent/protocol/task-runner.js";
import { Inbox, Outbox } from "../../agent/protocol/sequence.js";
import type { Command, Sequenced } from "../../agent/protocol/messages.js";

/**
 * The server's side of one agent (the embedded one, or a connected or recently connected remote
 * one): the commands it has not acknowledged, the last report applied, when it was last heard
 * from, and logs requests waiting for its answer. Kept in memory: after a server restart a remote
 * agent's next request finds no session, says hello again and is given a `recover` with the
 * store's view of its tasks.
 */
export class AgentSession {
  readonly id = randomUUID();
  readonly commands = new Outbox<Command>();
  readonly reports = new Inbox();
  lastSeen: number;
  private pollers: Array<() => void> = [];
  private ackWaiters: Array<{ seq: number; resolve: (applied: boolean) => void }> = [];
  readonly logRequests = new Map<string, (logs: ContainerLog[]) => void>();

  constructor(readonly containerInstanceArn: string, readonly epoch: string, now: number) {
    this.lastSeen = now;
  }

  send(c: Command): number {
    const seq = this.commands.push(c);
    this.pollers.splice(0).forEach((w) => w());
    return seq;
  }

  /** Commands after `ack`, waiting up to `waitMs` for one when there are none (the long poll). */
  async poll(ack: number, waitMs: number): Promise<Array<Sequenced<Command>>> {
    this.acknowledged(ack);
    if (this.commands.pending().length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.pollers.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return this.commands.pending();
  }

  /**
   * Resolves true once the agent acknowledged `seq` (it applies commands in order, and
   * acknowledges one only once the reports it caused are delivered), or false after `timeoutMs`.
   */
  applied(seq: number, timeoutMs?: number): Promise<boolean> {
    if (!this.commands.pending().some((c) => c.seq <= seq)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { seq, resolve };
      this.ackWaiters.push(waiter);
      if (timeoutMs === undefined) return;
      setTimeout(() => {
        this.ackWaiters = this.ackWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs).unref();
    });
  }

  /** Wakes a held poll so the agent is answered before the server closes. */
  release(): void {
    this.pollers.splice(0).forEach((w) => w());
  }

  private acknowledged(ack: number): void {
    this.commands.ack(ack);
    const done = this.ackWaiters.filter((w) => w.seq <= ack);
    this.ackWaiters = this.ackWaiters.filter((w) => w.seq > ack);
    done.forEach((w) => w.resolve(true));
  }
}
