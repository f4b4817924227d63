import { randomUUID } from "node:crypto";
import type { ContainerLog } from "./task-runner.js";
import { Inbox, Outbox } from "../agent/protocol/sequence.js";
import type { Command, Sequenced } from "../agent/protocol/messages.js";

/**
 * The server's side of one connected (or recently connected) remote agent: the commands it has
 * not acknowledged, the last report applied, when it was last heard from, and logs requests
 * waiting for its answer. Kept in memory: after a server restart the agent's next request finds
 * no session, says hello again and is given a `recover` with the store's view of its tasks.
 */
export class AgentSession {
  readonly id = randomUUID();
  readonly commands = new Outbox<Command>();
  readonly reports = new Inbox();
  lastSeen: number;
  private waiters: Array<() => void> = [];
  readonly logRequests = new Map<string, (logs: ContainerLog[]) => void>();

  constructor(readonly containerInstanceArn: string, readonly epoch: string, now: number) {
    this.lastSeen = now;
  }

  send(c: Command): number {
    const seq = this.commands.push(c);
    this.waiters.splice(0).forEach((w) => w());
    return seq;
  }

  /** Commands after `ack`, waiting up to `waitMs` for one when there are none (the long poll). */
  async poll(ack: number, waitMs: number): Promise<Array<Sequenced<Command>>> {
    this.commands.ack(ack);
    if (this.commands.pending().length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return this.commands.pending();
  }

  /** Resolves once the agent acknowledged `seq` (it applies commands in order), or after `timeoutMs`. */
  async applied(seq: number, timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (!this.commands.pending().some((c) => c.seq <= seq)) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  /** Wakes a held poll so the agent is answered before the server closes. */
  release(): void {
    this.waiters.splice(0).forEach((w) => w());
  }
}
