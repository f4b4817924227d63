import { AGENT_PATH, AGENT_TOKEN_HEADER, type Hello, type HelloReply, type LogBatchReply, type LogBatchRequest, type LogOpenReply, type LogOpenRequest, type LogsReply, type PollReply, type PollRequest, type PushReply, type PushRequest, type UsageReport } from "./messages.js";

/**
 * The server's endpoints as the agent sees them. The HTTP transport reaches them over the
 * network; the loopback transport calls them in-process, so both run the same protocol code.
 */
export interface AgentHandlers {
  hello(h: Hello): Promise<HelloReply>;
  poll(r: PollRequest): Promise<PollReply>;
  reports(r: PushRequest): Promise<PushReply>;
  logs(r: LogsReply): Promise<Record<string, never>>;
  /** awslogs (log-shipper.ts). */
  logOpen(r: LogOpenRequest): Promise<LogOpenReply>;
  logBatch(r: LogBatchRequest): Promise<LogBatchReply>;
  usage(r: UsageReport): Promise<Record<string, never>>;
}

/** The server no longer knows the session (409): the agent says hello again. */
export class SessionLost extends Error {}
/** The server refused the request (bad token, bad hello): retrying the same will not help soon. */
export class AgentRefused extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** JSON over HTTP with the shared token; `timeoutMs` bounds each call so a dead link is noticed. */
export function httpTransport(endpoint: string, token: string, timeoutMs = 30_000): AgentHandlers {
  async function call<T>(path: string, body: unknown, ms = timeoutMs): Promise<T> {
    const res = await fetch(new URL(`${AGENT_PATH}/${path}`, endpoint), {
      method: "POST",
      headers: { "content-type": "application/json", [AGENT_TOKEN_HEADER]: token },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(ms),
    });
    const text = await res.text();
    if (res.status === 409) throw new SessionLost(text);
    if (!res.ok) throw new AgentRefused(res.status, `${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }
  return {
    hello: (h) => call("hello", h),
    // The server holds a poll up to pollMs; allow for that on top of the usual bound.
    poll: (r) => call("poll", r, timeoutMs + 60_000),
    reports: (r) => call("reports", r),
    logs: (r) => call("logs", r),
    logOpen: (r) => call("log-open", r),
    logBatch: (r) => call("log-batch", r),
    usage: (r) => call("usage", r),
  };
}

/**
 * In-process transport: each message goes through JSON as on the wire (so dates and undefined
 * fields behave the same) and straight to the server's handlers.
 */
export function loopbackTransport(server: AgentHandlers): AgentHandlers {
  const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  return {
    hello: async (h) => wire(await server.hello(wire(h))),
    poll: async (r) => wire(await server.poll(wire(r))),
    reports: async (r) => wire(await server.reports(wire(r))),
    logs: async (r) => wire(await server.logs(wire(r))),
    logOpen: async (r) => wire(await server.logOpen(wire(r))),
    logBatch: async (r) => wire(await server.logBatch(wire(r))),
    usage: async (r) => wire(await server.usage(wire(r))),
  };
}
