import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Config } from "./core/config.js";
import { systemClock, type Clock } from "./core/clock.js";
import type { Logger } from "./core/logger.js";
import { openDatabase, instanceId, type Db } from "./store/database.js";
import { registerBerthRoutes } from "./berth-routes.js";
import { applyReport } from "./ecs/task-reports.js";
import { recoverTasks } from "./ecs/task-recovery.js";
import { startTaskJanitor } from "./ecs/task-janitor.js";
import { registerJsonServices, sendJsonError, sendJsonNotFound, readRawBody, MAX_BODY_BYTES } from "./aws/json-gateway.js";
import { sendClientError } from "./aws/client-error.js";
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

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: MAX_BODY_BYTES,
    logController: new LogController({ disableRequestLogging: true }),
    // Errors Fastify raises before routing (an undecodable URL) get the AWS envelope too.
    frameworkErrors: (err, req, reply) => sendJsonError(err, req, reply),
    // Requests that are not valid HTTP at all get the envelope too, then the connection closes.
    clientErrorHandler: sendClientError,
  });
  // Bodies stay raw bytes: the JSON gateway decodes them itself (to answer malformed JSON the
  // AWS way) and SigV4 verification needs the exact bytes that were signed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", readRawBody);
  app.setErrorHandler((err, req, reply) => sendJsonError(err, req, reply));
  app.setNotFoundHandler(sendJsonNotFound);

  registerBerthRoutes(app, { db, runner, berthId });
  registerJsonServices(app, [createEcsService(deps)], { config, clock });

  // The runner's per-task managers are the only source of task status; one applier stores it.
  runner.onReport((report) => {
    try {
      applyReport(db, log, report);
    } catch (err) {
      log.error({ err, taskArn: report.taskArn }, "could not apply a task report");
    }
  });
  await recoverTasks(db, runner, log);
  const janitor = startTaskJanitor({ db, clock, runner, log, retentionSeconds: config.stoppedTaskRetentionSeconds });

  return {
    app,
    db,
    runner,
    listen: () => app.listen({ port: config.port, host: config.host }),
    async close() {
      janitor.stop();
      await app.close();
      await runner.close();
      db.close();
    },
  };
}
