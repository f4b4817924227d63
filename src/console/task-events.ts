import type { FastifyInstance } from "fastify";
import type { TaskReport } from "../agent/protocol/task-runner.js";

/** Where the console listens for changes (server-sent events); admin-guarded like every /_berth route. */
export const EVENTS_PATH = "/_berth/events";

/** How often an idle stream gets a comment line, so proxies and browsers keep it open. */
const HEARTBEAT_MS = 15_000;

export interface TaskEvents {
  /** Tells every open stream that a task changed. */
  publish(report: TaskReport): void;
  /** The number of open streams (tests). */
  readonly listeners: number;
}

/**
 * GET /_berth/events: a stream of server-sent events, one `task` event per change of any task
 * (a task report: its ARN and new lastStatus), so the web console refreshes the page it shows
 * when something on it changed instead of polling every page every few seconds. The events say
 * what changed, not the whole state: the console reads the state through the AWS APIs, as the
 * CLI would, so what it shows is what those APIs answer. AWS has no such API (its console polls).
 * A slow reader misses events rather than making Berth buffer them: the next one it gets makes it
 * read everything again anyway.
 */
export function registerTaskEvents(app: FastifyInstance): TaskEvents {
  const streams = new Map<(data: string) => void, { destroy(): void }>();
  app.get(EVENTS_PATH, (_req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" });
    let writable = true;
    const send = (data: string) => {
      if (writable) writable = res.write(data);
    };
    res.on("drain", () => (writable = true));
    send(": berth task events\n\n");
    const heartbeat = setInterval(() => send(": keep-alive\n\n"), HEARTBEAT_MS);
    heartbeat.unref();
    streams.set(send, res);
    const end = () => {
      clearInterval(heartbeat);
      streams.delete(send);
    };
    // The response's close, not the request's: a GET's request is over as soon as it was read.
    res.once("close", end);
  });
  // Open streams would hold a closing server open (they are never idle, and an ended one would
  // sit out the keep-alive timeout): close their connections; clients reconnect to the next server.
  app.addHook("preClose", (done) => {
    for (const res of streams.values()) res.destroy();
    streams.clear();
    done();
  });
  return {
    publish(report) {
      if (streams.size === 0) return;
      const data = `event: task\ndata: ${JSON.stringify({ taskArn: report.taskArn, lastStatus: report.lastStatus ?? null, at: report.at.toISOString() })}\n\n`;
      for (const send of streams.keys()) send(data);
    },
    get listeners() {
      return streams.size;
    },
  };
}
