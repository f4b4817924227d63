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
import { withInstanceAddresses } from "./ecs/instance-addressing.js";
import { ensureVirtualInstances } from "./ecs/virtual-instances.js";
import { connectDocker } from "./agent/runtime/docker-engine.js";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { FsBlobStore, REGISTRY_DIR } from "./registry/fs-blob-store.js";
import { RegistryStore } from "./registry/registry-store.js";
import { tokenSecret } from "./registry/auth-token.js";
import { registryPlugin } from "./registry/http/plugin.js";
import { createEcrService } from "./ecr/ecr-service.js";

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
  // Every task's bridge ports go to its container instance's address; the runner is told which.
  const runner = withInstanceAddresses(createDockerRunner({ docker, config, log: log.child({ component: "agent" }), clock, berthId }), db);
  const deps = { db, clock, config, log, runner };
  const dockerVersion = (await docker.version()).Version;
  const virtualInstances = () => ensureVirtualInstances({ db, config, clock, log, dockerVersion });
  virtualInstances();

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

  // The registry: blob bytes under <dataDir>/registry, metadata in the same database.
  const registry = new RegistryStore({ db, clock, blobs: new FsBlobStore(join(config.dataDir, REGISTRY_DIR)) });
  const secret = tokenSecret(db);
  // Repository URIs name the port actually bound (port 0 picks one at listen time).
  const registryHost = () => config.registryHost ?? `127.0.0.1:${(app.server.address() as AddressInfo | null)?.port ?? config.port}`;

  registerBerthRoutes(app, { db, runner, berthId, registry, afterReset: virtualInstances });
  registerJsonServices(app, [createEcsService(deps, { dockerVersion }), createEcrService({ db, clock, store: registry, secret, registryHost })], { config, clock });
  app.register(registryPlugin, { store: registry, config, clock, secret });

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
