import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import { AGENT_PATH, AGENT_TOKEN_HEADER } from "../../agent/protocol/messages.js";
import { tokenMatches } from "../../agent/protocol/auth.js";
import { AgentRefused, SessionLost, type AgentHandlers } from "../../agent/protocol/transport.js";

/**
 * The agent protocol over HTTP (docs/agent-protocol.md): POST /_berth/agent/{hello,poll,reports,logs,usage,log-open,log-batch}
 * with JSON bodies. Every request must carry the shared agent token.
 */
export function registerAgentRoutes(app: FastifyInstance, { config, log, endpoint }: { config: Config; log: Logger; endpoint: AgentHandlers }) {
  // Bodies arrive raw (see server.ts); malformed JSON is the agent's bug, answered 400.
  const body = (req: FastifyRequest): any => JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString("utf8") : String(req.body ?? "{}"));
  const answer = async (reply: FastifyReply, run: () => Promise<unknown>) => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof SessionLost) return reply.code(409).send({ message: err.message });
      if (err instanceof AgentRefused) return reply.code(err.status).send({ message: err.message });
      if (err instanceof SyntaxError) return reply.code(400).send({ message: "body is not JSON" });
      throw err;
    }
  };

  app.register(async (scope) => {
    scope.addHook("onRequest", async (req, reply) => {
      const token = req.headers[AGENT_TOKEN_HEADER];
      if (!tokenMatches(config.agentToken, typeof token === "string" ? token : undefined)) {
        log.warn({ ip: req.ip }, "agent refused: bad or missing token");
        return reply.code(401).send({ message: config.agentToken ? "bad agent token" : "this server accepts no agents (set agentToken)" });
      }
    });
    scope.post(`${AGENT_PATH}/hello`, (req, reply) => answer(reply, () => endpoint.hello(body(req))));
    scope.post(`${AGENT_PATH}/poll`, (req, reply) => answer(reply, () => endpoint.poll(body(req))));
    scope.post(`${AGENT_PATH}/reports`, (req, reply) => answer(reply, () => endpoint.reports(body(req))));
    scope.post(`${AGENT_PATH}/logs`, (req, reply) => answer(reply, () => endpoint.logs(body(req))));
    scope.post(`${AGENT_PATH}/log-open`, (req, reply) => answer(reply, () => endpoint.logOpen(body(req))));
    scope.post(`${AGENT_PATH}/log-batch`, (req, reply) => answer(reply, () => endpoint.logBatch(body(req))));
    scope.post(`${AGENT_PATH}/usage`, (req, reply) => answer(reply, () => endpoint.usage(body(req))));
  });
}
