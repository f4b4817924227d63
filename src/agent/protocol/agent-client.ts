import { randomUUID } from "node:crypto";
import type { Logger } from "../../core/logger.js";
import type { TaskReport, TaskRunner } from "./task-runner.js";
import { Inbox, Outbox } from "./sequence.js";
import { AGENT_PROTOCOL_VERSION, type Command, type ExecCommand, type Hello, type Sequenced, type TaskUsage } from "./messages.js";
import { SessionLost, type AgentHandlers } from "./transport.js";
import type { LaunchRegistry } from "../launch-registry.js";
import { LogOpenError, type LogShipper } from "./log-shipper.js";

export interface AgentClientOptions {
  /** httpTransport for `berth agent`, loopbackTransport in-process. */
  transport: AgentHandlers;
  hello: Omit<Hello, "epoch" | "protocol">;
  runner: TaskRunner;
  /** Given each launch's registry part just before the runner gets the launch (the runner's RegistryAccess). */
  registry?: { remember(r: LaunchRegistry | undefined): void };
  log: Logger;
  /** Called with the instance ARN after each successful hello (saved in the data dir). */
  onRegistered(arn: string): void;
  /** Measures the running tasks' resource use; reported as often as the server's hello asks (usageMs). */
  usage?: { sample(): Promise<TaskUsage[]> };
  /** Starts an ExecuteCommand session's relay (exec-relay.ts); it runs on its own, beside the commands that follow. */
  exec?: (c: ExecCommand) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The agent's end of the protocol: says hello (registering or resuming its instance), then runs
 * two loops: a long poll that fetches commands (and is the heartbeat) and a pusher that sends
 * reports in order. Reports made while the server is unreachable wait in the outbox and are
 * delivered, in order, once it answers again.
 */
export function startAgentClient(o: AgentClientOptions): { close(): void; logs: LogShipper } {
  const epoch = randomUUID();
  const reports = new Outbox<TaskReport>();
  let arn = o.hello.containerInstanceArn;
  let session = "";
  let usageMs: number | undefined;
  let commands = new Inbox(0);
  let closed = false;
  let wake: () => void = () => {};
  let delivered: () => void = () => {};
  o.runner.onReport((r) => {
    reports.push(r);
    wake();
  });

  /**
   * Resolves once every report made so far is acknowledged. The poll loop waits for it before
   * acknowledging commands, so a command the server sees applied has its reports applied too
   * (the server's start-up recovery relies on that).
   */
  async function reportsDelivered(): Promise<void> {
    const upTo = reports.last();
    while (!closed && reports.pending().some((r) => r.seq <= upTo)) await new Promise<void>((r) => (delivered = r));
  }

  let helloing: Promise<void> | undefined;
  /** (Re-)establishes the session; both loops wait on the same attempt. */
  function hello(): Promise<void> {
    helloing ??= (async () => {
      for (;;) {
        try {
          const reply = await o.transport.hello({ ...o.hello, containerInstanceArn: arn, epoch, protocol: AGENT_PROTOCOL_VERSION });
          if (reply.session !== session) commands = new Inbox(0);
          session = reply.session;
          arn = reply.containerInstanceArn;
          usageMs = reply.usageMs;
          if (reply.reportSeq !== undefined) reports.ack(reply.reportSeq);
          o.onRegistered(arn);
          o.log.info({ containerInstanceArn: arn }, "agent connected");
          return;
        } catch (err) {
          if (closed) return;
          o.log.warn({ err: (err as Error).message }, "hello failed; retrying");
          await sleep(1000);
        }
      }
    })().finally(() => (helloing = undefined));
    return helloing;
  }

  async function apply(c: Command): Promise<void> {
    const r = o.runner;
    if (c.type === "launch") {
      o.registry?.remember(c.registry);
      r.launch(c.spec);
    }
    else if (c.type === "stop") r.stop(c.taskArn, c.why);
    else if (c.type === "cleanup") await r.cleanup(c.taskArn);
    else if (c.type === "recover") await r.recover(c.specs, c.retained);
    else if (c.type === "reset") await r.reset();
    else if (c.type === "credentials") {
      if (c.credentials) r.refreshCredentials?.(c.taskArn, c.credentials);
    }
    else if (c.type === "exec") o.exec?.(c);
    else if (c.type === "logs") {
      const logs = await r.logs(c.taskArn).catch(() => []);
      await o.transport.logs({ containerInstanceArn: arn!, session, requestId: c.requestId, logs }).catch(() => {});
    }
  }

  async function pollLoop() {
    await hello();
    while (!closed) {
      try {
        const reply = await o.transport.poll({ containerInstanceArn: arn!, session, ack: commands.last ?? 0 });
        await commands.accept(reply.commands, (c) => apply(c).catch((err) => o.log.error({ err: (err as Error).message, type: c.type }, "command failed")));
        if (reply.commands.length) await reportsDelivered();
      } catch (err) {
        if (closed) return;
        if (err instanceof SessionLost) await hello();
        else {
          o.log.warn({ err: (err as Error).message }, "poll failed; retrying");
          await sleep(1000);
        }
      }
    }
  }

  async function pushLoop() {
    await hello();
    while (!closed) {
      const pending: Array<Sequenced<TaskReport>> = reports.pending();
      if (pending.length === 0) {
        delivered();
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      try {
        const reply = await o.transport.reports({ containerInstanceArn: arn!, session, epoch, reports: pending.slice(0, 200) });
        reports.ack(reply.ack);
        delivered();
      } catch (err) {
        if (closed) return;
        if (err instanceof SessionLost) await hello();
        else await sleep(1000);
      }
    }
  }

  /** Calls the server once a session exists, saying hello again when the server lost it. */
  async function inSession<T>(call: () => Promise<T>): Promise<T> {
    for (;;) {
      await (helloing ?? Promise.resolve());
      if (!session) await hello();
      try {
        return await call();
      } catch (err) {
        if (err instanceof SessionLost && !closed) await hello();
        else throw err;
      }
    }
  }

  // awslogs output goes straight to the server, outside the report stream: each batch carries its
  // own positions, so a lost reply is simply sent again (log-shipper.ts).
  const logs: LogShipper = {
    async open(destination) {
      const reply = await inSession(() => o.transport.logOpen({ containerInstanceArn: arn!, session, destination }));
      if (reply.error) throw new LogOpenError(reply.error.code, reply.error.message);
      return reply.position;
    },
    async ship(destination, events, dropped) {
      const reply = await inSession(() => o.transport.logBatch({ containerInstanceArn: arn!, session, destination, events, ...(dropped ? { dropped } : {}) }));
      if (reply.error) throw new LogOpenError(reply.error.code, reply.error.message);
    },
  };

  /**
   * Measures and reports the tasks' resource use every usageMs. A report that fails is not
   * retried: the next one covers the time since the last measurement anyway.
   */
  let usageTimer: NodeJS.Timeout | undefined;
  function usageLoop() {
    const next = () => {
      if (closed) return;
      usageTimer = setTimeout(measure, usageMs ?? 5000);
      usageTimer.unref();
    };
    const measure = async () => {
      if (usageMs !== undefined && o.usage) {
        try {
          const usage = await o.usage.sample();
          if (usage.length > 0 && !closed) await o.transport.usage({ containerInstanceArn: arn!, session, usage });
        } catch (err) {
          o.log.debug({ err: (err as Error).message }, "usage report failed");
        }
      }
      next();
    };
    next();
  }

  pollLoop();
  pushLoop();
  if (o.usage) usageLoop();
  return {
    logs,
    close() {
      closed = true;
      clearTimeout(usageTimer);
      wake();
      delivered();
    },
  };
}
