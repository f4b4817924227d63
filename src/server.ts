import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Config } from "./core/config.js";
import { systemClock, type Clock } from "./core/clock.js";
import type { Logger } from "./core/logger.js";
import { openDatabase, instanceId, wipe, type Db } from "./store/database.js";
import { registerJsonServices, sendJsonError, MAX_BODY_BYTES } from "./aws/json-gateway.js";
import { createEcsService } from "./ecs/ecs-service.js";
import type { TaskRunner } from "./ecs/task-runner.js";
import { createDockerRunner } from "./agent/docker-runner.js";
import { connectDocker } from "./agent/runtime/docker-engine.js";

export interface Berth {
  app: FastifyInstance;
  db: Db;
  runner: TaskRunner;
  /** Listens; resolves with the bound address. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The composition root: the one place where implementations are chosen and wired together.
 * Fails fast (before listening) when the Docker engine cannot be reached.
 */
export async function createBerth(config: Config, log: Logger, { clock = systemClock }: { clock?: Clock } = {}): Promise<Berth> {
  const docker = await connectDocker(config.dockerSocket);
  const db = openDatabase(config.dataDir);
  const berthId = instanceId(db);
  const runner = createDockerRunner({ docker, config, log: log.child({ component: "agent" }), clock, berthId });
  const deps = { db, clock, config, log, runner };

  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, bodyLimit: MAX_BODY_BYTES, disableRequestLogging: true });
  // Bodies stay raw bytes: the JSON gateway decodes them itself (to answer malformed JSON the
  // AWS way) and SigV4 verification needs the exact bytes that were signed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err, req, reply) => sendJsonError(err, req, reply));
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).header("content-type", "application/json").send(JSON.stringify({ __type: "UnknownOperationException", message: `No route for ${req.method} ${req.url.split("?")[0]}.` })),
  );

  app.get("/_berth/health", async () => ({ status: "ok", berthId }));
  app.post("/_berth/reset", async () => {
    await runner.reset();
    wipe(db);
    return { status: "reset" };
  });

  registerJsonServices(app, [createEcsService(deps)], { config, clock });

  return {
    app,
    db,
    runner,
    listen: () => app.listen({ port: config.port, host: config.host }),
    async close() {
      await app.close();
      await runner.close();
      db.close();
    },
  };
}
