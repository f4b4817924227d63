import { sessionPrincipal } from "./sts/sessions.js";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { metricsPublishSeconds, type Config } from "./core/config.js";
import { systemClock, type Clock } from "./core/clock.js";
import type { Logger } from "./core/logger.js";
import { lazyChild } from "./core/lazy-logger.js";
import { openDatabase, instanceId, type Db } from "./store/database.js";
import { DurableAnswers } from "./store/durable-answers.js";
import { registerBerthRoutes } from "./admin/berth-routes.js";
import { registerSpotRoutes } from "./admin/spot-routes.js";
import { registerRuleActivityRoutes } from "./admin/rule-activity-routes.js";
import { startSpotChaos } from "./ecs/tasks/spot-interruptions.js";
import { createCapacityScaler } from "./ecs/capacity-providers/capacity-provider-scaler.js";
import { applyReport } from "./ecs/tasks/task-reports.js";
import { recoverTasks } from "./ecs/tasks/task-recovery.js";
import { startTaskJanitor } from "./ecs/tasks/task-janitor.js";
import { createServiceController } from "./ecs/services/service-controller.js";
import { createDaemonController } from "./ecs/daemons/daemon-controller.js";
import { alarmStates } from "./cloudwatch/alarms/alarm-states.js";
import { sendJsonError, sendJsonNotFound, readRawBody, MAX_BODY_BYTES } from "./aws/json-gateway.js";
import { registerAwsServices } from "./aws/gateway.js";
import { serverWithFront, type AwsFront } from "./aws/gateway-front.js";
import { createStsService } from "./sts/sts-service.js";
import { createIamService } from "./iam/iam-service.js";
import { issuedCredentials } from "./iam/issued-credentials.js";
import { createAuthorize } from "./iam/authorize.js";
import { ecsAuthorization } from "./ecs/authorization.js";
import { secretsManagerAuthorization } from "./secretsmanager/authorization.js";
import { ssmAuthorization } from "./ssm/authorization.js";
import { logsAuthorization } from "./logs/authorization.js";
import { sqsAuthorization } from "./sqs/authorization.js";
import { snsAuthorization } from "./sns/authorization.js";
import { elbv2Authorization } from "./elbv2/authorization.js";
import { cloudWatchAuthorization } from "./cloudwatch/authorization.js";
import { eventsAuthorization } from "./events/authorization.js";
import { schedulerAuthorization } from "./eventbridge-scheduler/authorization.js";
import { applicationAutoScalingAuthorization } from "./application-autoscaling/authorization.js";
import { createElbv2Service } from "./elbv2/elbv2-service.js";
import { createCloudWatchService } from "./cloudwatch/cloudwatch-service.js";
import { createMetricStore } from "./cloudwatch/metrics/metric-store.js";
import { createAlarms } from "./cloudwatch/alarms/alarms.js";
import { createLogsService } from "./logs/logs-service.js";
import { createSecretsManagerService } from "./secretsmanager/secretsmanager-service.js";
import { createSsmService } from "./ssm/ssm-service.js";
import { createSecretReader } from "./secretsmanager/secret-reader.js";
import { createParameterReader } from "./ssm/parameter-reader.js";
import { resolveLaunchResources } from "./ecs/tasks/task-secrets.js";
import { dataDirKey, valueCipher, KEY_FILE } from "./store/value-cipher.js";
import { createLogStore } from "./logs/log-store.js";
import { streamMessages } from "./logs/stream-messages.js";
import { createAwslogsDelivery } from "./ecs/agent-link/awslogs-delivery.js";
import { startDataPlane } from "./dataplane/data-plane.js";
import { lazyDataPlane } from "./dataplane/lazy-data-plane.js";
import { createDataPlaneFeed } from "./elbv2/data-plane/data-plane-feed.js";
import { createDataPlaneHealth } from "./elbv2/data-plane/data-plane-health.js";
import { createEcsTargets } from "./elbv2/targets/ecs-targets.js";
import { refuseExpectation, requireHost, sendClientError } from "./aws/client-error.js";
import { createEcsService } from "./ecs/ecs-service.js";
import { scalableServices } from "./ecs/services/scalable-services.js";
import { createApplicationAutoScaling } from "./application-autoscaling/application-autoscaling.js";
import type { TaskRunner } from "./agent/protocol/task-runner.js";
import { withInstanceAddresses } from "./ecs/agent-link/instance-addressing.js";
import { createAgentRunner } from "./ecs/agent-link/agent-runner.js";
import { startEmbeddedAgent } from "./ecs/agent-link/embedded-agent.js";
import { startAgentLiveness } from "./ecs/agent-link/remote-agent-liveness.js";
import { registerAgentRoutes } from "./ecs/agent-link/agent-routes.js";
import { createAgentEndpoint } from "./ecs/agent-link/agent-endpoint.js";
import { ensureVirtualInstances } from "./ecs/instances/virtual-instances.js";
import { connectDocker } from "./agent/runtime/docker-engine.js";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { FsBlobStore, REGISTRY_DIR } from "./registry/fs-blob-store.js";
import { RegistryStore } from "./registry/registry-store.js";
import { issueToken, tokenSecret } from "./registry/auth-token.js";
import type { Scope } from "./core/arn.js";
import type { Principal } from "./aws/request-context.js";
import { executionRoleOf } from "./ecs/tasks/execution-role.js";
import { registryPlugin } from "./registry/http/plugin.js";
import { createEcrService } from "./ecr/ecr-service.js";
import { attachManagedSigning } from "./ecr/managed-signing.js";
import { isPullTimeExcluded } from "./ecr/pull-time-exclusions.js";
import { Replicator } from "./ecr/replication.js";
import { PullThroughCache } from "./ecr/pull-through.js";
import { createOnPush } from "./ecr/creation-templates.js";
import { scansOnPush } from "./ecr/registry-scanning.js";
import { startLifecycleSweeper } from "./ecr/lifecycle-sweeper.js";
import { startGcScheduler } from "./registry/gc-scheduler.js";
import { registerGcRoute } from "./registry/gc-route.js";
import { ImageScans } from "./registry/scan/image-scans.js";
import { OsvDirectory } from "./registry/scan/osv/osv-directory.js";
import { makePrivate } from "./core/private-dir.js";
import { SNS_DIR } from "./sns/signing-identity.js";
import { guardAdminRoutes } from "./admin/admin-auth.js";
import type { MetricSink } from "./cloudwatch/metrics/metric-sink.js";
import { startEcsMetrics } from "./ecs/metrics/ecs-metrics.js";
import { startElbMetrics } from "./elbv2/metrics/elb-metrics-poller.js";
import { createEventsService } from "./events/events-service.js";
import { createSchedulerService } from "./eventbridge-scheduler/scheduler-service.js";
import { fireDueSchedules } from "./eventbridge-scheduler/schedule-runner.js";
import { universalTarget } from "./eventbridge-scheduler/universal-target.js";
import { createInternalCaller } from "./aws/internal-call.js";
import { startDeliveryWorker, type DeliveryWorker } from "./events/delivery-worker.js";
import { eventBusTarget } from "./events/targets/event-bus-target.js";
import { ecsTaskTarget } from "./events/targets/ecs-task-target.js";
import { sqsTarget } from "./events/targets/sqs-target.js";
import { snsTarget } from "./events/targets/sns-target.js";
import { apiDestinationTarget } from "./events/targets/api-destination-target.js";
import { OAuthTokens } from "./events/api/oauth-tokens.js";
import { createTargetRoleGate } from "./events/target-role.js";
import { readCaBundle, trustCaBundle } from "./core/trusted-ca.js";
import type { TargetDispatcher } from "./events/target-dispatch.js";
import type { RunTaskRequest, RunTaskResponse } from "@aws-sdk/client-ecs";
import { randomUUID } from "node:crypto";
import { createSqsService } from "./sqs/sqs-service.js";
import { createSnsService } from "./sns/sns-service.js";
import { snsAlarmActions } from "./sns/alarm-action.js";
import { loadSigningIdentity } from "./sns/signing-identity.js";
import { createHttpDeliverer } from "./sns/http-delivery.js";
import { SnsOutbox } from "./sns/outbox.js";
import { registerSnsRoutes } from "./admin/sns-routes.js";
import { registerLifecycleHookRoutes } from "./admin/lifecycle-hook-routes.js";
import { startSqsMetrics } from "./sqs/sqs-metrics.js";
import type { RoleSessions } from "./sts/role-sessions.js";
import { createTaskCredentials } from "./ecs/task-credentials/task-credentials.js";
import { createRoleSessions } from "./sts/task-role-sessions.js";
import { createExecutionRoleGate } from "./sts/execution-role-gate.js";
import { createRegistryPermissions } from "./ecr/registry-permissions.js";
import { credentialSecrets, sealPlaintextSecrets } from "./iam/credential-secrets.js";
import { registerConsoleAssets, wantsPage } from "./console/console-assets.js";
import { bindsEveryAddress } from "./console/bound-host.js";
import { registerTaskEvents } from "./console/task-events.js";
import { warmUpConsoleReads } from "./console/console-warm-up.js";
import { createExecSessions } from "./ecs/execute-command/exec-sessions.js";
import { dockerShells } from "./agent/container-shell.js";
import { serveDataChannels } from "./ecs/execute-command/data-channel-route.js";
import { agentShells } from "./ecs/execute-command/agent-shells.js";
import { sessionRecorders } from "./ecs/execute-command/session-logging.js";

/** How often retention policies are applied (AWS documents deletion "within 72 hours"; Berth is prompter). */
const LOG_RETENTION_INTERVAL_MS = 60_000;

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
export interface BerthOptions {
  clock?: Clock;
  /** Where tasks' role sessions come from: STS's over IAM's roles unless a test gives its own. */
  roleSessions?: RoleSessions;
}

/** Each service's resource table for iamEnforcement (src/iam/authorize.ts), by the signing name its calls carry. */
const authorizationBySigningName = {
  ecs: ecsAuthorization, secretsmanager: secretsManagerAuthorization, ssm: ssmAuthorization, logs: logsAuthorization, sqs: sqsAuthorization, sns: snsAuthorization,
  elasticloadbalancing: elbv2Authorization, monitoring: cloudWatchAuthorization, events: eventsAuthorization, scheduler: schedulerAuthorization,
  "application-autoscaling": applicationAutoScalingAuthorization,
};

export async function createBerth(config: Config, log: Logger, { clock = systemClock, roleSessions }: BerthOptions = {}): Promise<Berth> {
  const docker = await connectDocker(config.dockerSocket);
  // Endpoints Berth calls over HTTPS may present certificates from the user's own CA (trusted-ca.ts).
  if (config.trustedCaFile !== undefined) trustCaBundle(readCaBundle(config.trustedCaFile));
  // The database (every task's environment, the registry's signing key), its WAL and shared
  // memory, the registry's blobs and the config file are the user's alone.
  makePrivate(config.dataDir, (name) => name.startsWith("berth.sqlite") || name === REGISTRY_DIR || name === "config.json" || name === KEY_FILE || name === SNS_DIR);
  const db = openDatabase(config.dataDir);
  const durable = new DurableAnswers(db, join(config.dataDir, "berth.sqlite-wal"));
  const berthId = instanceId(db);
  // Secret values (Secrets Manager, Parameter Store) are sealed with a key kept beside the
  // database, never in it (value-cipher.ts).
  const sealed = { db, clock, cipher: valueCipher(dataDirKey(config.dataDir)) };
  // IAM access keys' and STS sessions' secrets likewise; rows from before migration 19 are sealed now.
  const credentials = { db, clock, secrets: credentialSecrets(sealed.cipher) };
  const resealed = sealPlaintextSecrets(db, credentials.secrets);
  if (resealed) log.info({ rows: resealed }, "sealed stored access key secrets (migration 19)");
  // The registry's token secret: /v2 and the ECR API verify with it; tasks' pulls are issued with it.
  const secret = tokenSecret(db);
  // Repository URIs name the port actually bound (port 0 picks one at listen time); only called
  // once requests arrive, when `app` exists.
  const registryHost = () => config.registryHost ?? `127.0.0.1:${(app.server.address() as AddressInfo | null)?.port ?? config.port}`;
  // Tasks pull images from the registry with a password for the image's account and region.
  const registryAccess = { host: registryHost, password: (scope: Scope, principal?: Principal) => issueToken(secret, scope, clock.now(), undefined, principal).password };
  const dockerVersion = (await docker.version()).Version;
  // Tasks run on agents, each reached over the agent protocol: `berth agent` processes over HTTP,
  // the embedded agent (this server's engine) in-process. Every task's bridge ports go to its
  // container instance's address; the agent is told which.
  const agents = createAgentRunner({ db, clock, log: log.child({ component: "agents" }) });
  // CloudWatch metrics: the API, Berth's own producers (MetricSink), alarms and scaling (MetricQueries) share one store.
  const metrics = createMetricStore({ db, clock, log: log.child({ component: "metrics" }), periodScale: config.metricPeriodScale });
  // CloudWatch Logs: the API and the awslogs driver write the same store; retention expires on a timer;
  // metric filters publish into CloudWatch metrics.
  const logStore = createLogStore({ db, clock, metrics });
  const logRetention = logStore.startRetention({ intervalMs: LOG_RETENTION_INTERVAL_MS, log: log.child({ component: "logs-retention" }) });
  // The awslogs driver: agents ship awslogs containers' output, stored through the log store's LogSink.
  // With iamEnforcement, the execution role's policies gate awslogs delivery, secrets and registry pulls.
  // The registry's /v2 requests are authorized as ECR authorizes them, repository policies included;
  // so are the pulls a task's execution role makes.
  const registryPermissions = config.iamEnforcement ? createRegistryPermissions({ db, clock }) : undefined;
  const executionRole = registryPermissions ? createExecutionRoleGate({ db, clock, services: Object.values(authorizationBySigningName), resourceDenial: registryPermissions.denial }) : undefined;
  const awslogs = createAwslogsDelivery({ db, sink: logStore, log: log.child({ component: "awslogs" }), executionRole, metrics: { sink: metrics, clock } });
  // Tasks' secrets are resolved from Secrets Manager and Parameter Store as their launches are delivered.
  const secretSources = { secrets: createSecretReader(sealed), parameters: createParameterReader(sealed), executionRole, registryHost };
  // Each task with a taskRoleArn gets a session of its role (IAM's roles, STS's sessions) as its
  // launch is delivered, renewed while it runs (sent to its agent) and revoked when it stops.
  const taskCredentials = createTaskCredentials({
    roleSessions: roleSessions ?? createRoleSessions(credentials), clock, log: log.child({ component: "task-credentials" }),
    sessionSeconds: config.taskRoleSessionSeconds, refreshSeconds: config.taskCredentialsRefreshSeconds,
    rotate: (taskArn) => agents.credentialsRenewed(taskArn),
  });
  const agentEndpoint = createAgentEndpoint({
    db, config, clock, log: log.child({ component: "agents" }), runner: agents, registry: registryAccess,
    // With iamEnforcement, a task's pull passwords are its execution role session's: the registry authorizes each pull.
    pullPrincipal: (spec) => executionRole?.({ taskArn: spec.task.taskArn ?? "", executionRoleArn: executionRoleOf(spec.task, spec.taskDefinition) })?.principal,
    resources: (spec) => resolveLaunchResources(secretSources, spec), credentials: taskCredentials, awslogs,
  });
  // The embedded agent's tasks reach this server's API through the agent's relay (AWS_ENDPOINT_URL).
  const api = () => {
    const a = app.server.address() as AddressInfo | null;
    return a ? { host: bindsEveryAddress(config.host) ? "127.0.0.1" : config.host, port: a.port } : undefined;
  };
  const embeddedAgent = startEmbeddedAgent({ endpoint: agentEndpoint.embedded, docker, config, clock, log: log.child({ component: "agent" }), berthId, dockerVersion, api });
  const runner = withInstanceAddresses(agents, db);
  // The load balancers' traffic path, in its own thread; ELBv2 feeds it snapshots of its store
  // after every change and reads target health from its health checks.
  const lbLog = log.child({ component: "load-balancers" });
  const dataPlane = lazyDataPlane(() => startDataPlane({
    nice: config.loadBalancerThreadNice,
    onStarted: ({ nice, applied, reason }) => {
      if (applied) lbLog.debug({ nice }, "the data plane's thread runs at its own nice value");
      else lbLog.info({ nice, reason }, "the data plane's thread keeps the process's nice value (lowering it needs root or CAP_SYS_NICE)");
    },
  }));
  const lbHealth = createDataPlaneHealth({ dataPlane, log: lbLog, db });
  const lbFeed = createDataPlaneFeed({
    db, clock, dataPlane, log: lbLog, options: {
      healthCheckSpeedup: config.loadBalancerHealthCheckSpeedup,
      certificatesDir: config.loadBalancerCertificatesDir,
      onUnservable: (listenerArn, why) => lbLog.warn({ listenerArn, why }, "an HTTPS/TLS listener is not served: its certificate cannot be read"),
    }, afterApply: lbHealth.refresh,
  });
  // ECS services register their tasks in ELBv2 target groups through this (health as DescribeTargetHealth
  // reports it); the data plane learns of those changes as of the API's.
  const loadBalancers = createEcsTargets({ db, clock, health: lbHealth, targetsChanged: lbFeed.changed });
  const deps = { db, clock, config, log, runner, loadBalancers };
  // The service scheduler; it starts deciding once recovery is done (below).
  // Deployments with deploymentConfiguration.alarms read the CloudWatch alarms' states through `alarms`.
  const services = createServiceController({ db, clock, runner, loadBalancers, alarms: alarmStates(db), log: log.child({ component: "service-scheduler" }) });
  // The managed daemons' scheduler: one task of each daemon on each of its instances.
  const daemons = createDaemonController({ db, clock, runner, alarms: alarmStates(db), log: log.child({ component: "daemon-scheduler" }) });
  const virtualInstances = () => ensureVirtualInstances({ db, config, clock, log, dockerVersion });
  virtualInstances();

  let awsFront: AwsFront | undefined;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: MAX_BODY_BYTES,
    logController: new LogController({ disableRequestLogging: true }),
    // req.log and its children become pino children only once something logs (lazy-logger.ts).
    childLoggerFactory: (logger, bindings, options) => lazyChild(logger, bindings, options),
    // Errors Fastify raises before routing (an undecodable URL) get the AWS envelope too.
    frameworkErrors: (err, req, reply) => sendJsonError(err, req, reply),
    // Requests that are not valid HTTP at all get the envelope too, then the connection closes.
    clientErrorHandler: sendClientError,
    // Node would answer a missing Host with a bare 400; requireHost answers with the envelope.
    http: { requireHostHeader: false },
    // The AWS API's ordinary requests are answered before Fastify (gateway-front.ts); the server
    // is the one Fastify would make, with that listener in front of Fastify's.
    serverFactory: serverWithFront(() => awsFront),
  });
  app.addHook("onRequest", requireHost);
  // Every answer Fastify sends (the registry's, the agents', the admin endpoints') waits, as the
  // AWS gateway's do, until the writes before it are on disk (durable-answers.ts).
  app.addHook("onSend", (_req, _reply, payload, done) => {
    const writing = durable.settled();
    if (!writing) return done(null, payload);
    writing.then(() => done(null, payload), (err: Error) => done(err));
  });
  // An Expect other than 100-continue: Node would answer a bare 417.
  app.server.on("checkExpectation", refuseExpectation);
  // Bodies stay raw bytes: the JSON gateway decodes them itself (to answer malformed JSON the
  // AWS way) and SigV4 verification needs the exact bytes that were signed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", readRawBody);
  app.setErrorHandler((err, req, reply) => sendJsonError(err, req, reply));
  app.setNotFoundHandler(sendJsonNotFound);
  // /_berth/ endpoints other than health and the agent protocol: signed in strict mode, loopback only otherwise.
  guardAdminRoutes(app, { config, clock });

  // The registry: blob bytes under <dataDir>/registry, metadata in the same database.
  // A HEAD restarts a blob link's GC grace period once it is older than a tenth of it.
  const registry = new RegistryStore({ db, clock, blobs: new FsBlobStore(join(config.dataDir, REGISTRY_DIR)), linkRefreshMs: config.registryGcGraceSeconds * 100 });

  // A reset must not race the service scheduler, which would replace the tasks being removed.
  // SQS's writes in flight are stored before the wipe, so none lands after it; nor does an event
  // delivery in flight (a RunTask would start a task the reset does not see).
  const resettable = { ...runner, reset: async () => (services.stop(), daemons.stop(), await eventDeliveries?.pause(), await runner.reset(), await sqs.internal.settled()) };
  // SQS keeps its queues in memory: they are read again from the wiped store; SNS's pending retries are dropped.
  const afterReset = () => (sqs.internal.reload(), snsHttp.cancelAll(), virtualInstances(), services.start(), daemons.start(), eventDeliveries?.resume());
  registerBerthRoutes(app, { db, runner: resettable, berthId, registry, afterReset, readLogStream: (scope, group, stream) => streamMessages(db, scope, group, stream) });
  // Fargate Spot interruptions: on demand (an operator endpoint) and, for chaos testing, at a configured rate.
  registerSpotRoutes(app, { db, runner, config });
  registerLifecycleHookRoutes(app, { db, clock, poke: () => services.poke() });
  // EventBridge rules' recent matches and deliveries, which AWS has no API for (the console's rule page).
  registerRuleActivityRoutes(app, { db });
  // The web console: its page at `/` for browsers, its bundle under /console/, and the stream of
  // task changes it refreshes on (an admin route, guarded as the others).
  const consoleAssets = registerConsoleAssets(app, { host: config.host });
  const taskEvents = registerTaskEvents(app);
  registerAgentRoutes(app, { config, log: log.child({ component: "agents" }), endpoint: agentEndpoint.remote });
  // Image scanning: scan on push, scans in the background, OSV records from scanDatabaseDir.
  const scanLog = log.child({ component: "image-scan" });
  const osv = config.scanDatabaseDir === undefined ? undefined : new OsvDirectory(config.scanDatabaseDir, scanLog);
  const scans = new ImageScans({ db, store: registry, clock, log: scanLog, osv, scanOnPush: (repo) => scansOnPush(db, repo) }).attach();
  // ECR replication: pushed images copied to the regions and accounts the registry's rules name.
  const replicator = new Replicator(db, registry, log.child({ component: "ecr-replication" })).attach();
  attachManagedSigning(db, registry);
  // ECR pull-through cache: a pull that misses under a rule's prefix fetches from the upstream registry.
  const pullThrough = new PullThroughCache(db, registry, secretSources.secrets, log.child({ component: "ecr-pull-through" }));
  // CloudWatch alarms read the same store; Application Auto Scaling registers its action target and creates its alarms through `alarms`.
  const alarms = createAlarms({ db, clock, config, queries: metrics, log: log.child({ component: "alarms" }) });
  // SQS: queue URLs name the port actually bound, like repository URIs.
  const baseUrl = () => `http://127.0.0.1:${(app.server.address() as AddressInfo | null)?.port ?? config.port}`;
  const sqs = createSqsService({ db, clock, baseUrl });
  // SNS delivers into SQS queues by ARN.
  // SNS signs what it delivers with a key kept in the data directory; its certificate is served at
  // the SigningCertURL on this port. http/https deliveries run in the background; email and SMS go
  // to an outbox read through /_berth/sns/outbox.
  const snsIdentity = loadSigningIdentity(config.dataDir);
  const snsHttp = createHttpDeliverer({ log: log.child({ component: "sns-delivery" }) });
  const snsOutbox = new SnsOutbox(db);
  registerSnsRoutes(app, { identity: snsIdentity, outbox: snsOutbox });
  const sns = createSnsService({ db, clock, sqs: sqs.internal, signer: { identity: snsIdentity, baseUrl }, http: snsHttp, outbox: snsOutbox, log: log.child({ component: "sns-delivery" }), iamEnforcement: config.iamEnforcement });
  // Alarms notify SNS topics.
  alarms.addActionTarget(snsAlarmActions(sns.internal));
  // Application Auto Scaling changes ECS services' desired counts through UpdateService; its target
  // tracking policies own alarms made through `alarms`, and the alarms run its policies.
  const aas = createApplicationAutoScaling({ db, clock, log: log.child({ component: "application-autoscaling" }), services: scalableServices(deps, services), alarms: alarms.managed });
  alarms.addActionTarget(aas.alarmActions);
  const elbv2 = createElbv2Service({ db, clock, config, health: lbHealth, changed: lbFeed.changed, unboundListeners: lbFeed.unboundListeners });
  // Express Mode makes its load balancer, scaling, alarm and log group through ELBv2's, Application
  // Auto Scaling's, CloudWatch's and CloudWatch Logs' handlers.
  // ECS Exec: ExecuteCommand issues a session; its data channel (a WebSocket on this port) runs
  // the command with docker exec in the task's container and records output where the cluster says.
  // A task of a remote agent runs it there, relayed over a WebSocket the agent connects.
  const execLog = log.child({ component: "execute-command" });
  const agentExec = agentShells({ db, runner: agents, agentToken: config.agentToken, local: dockerShells(docker, berthId), log: execLog });
  const execute = { sessions: createExecSessions({ clock }), shells: agentExec.shells };
  const dataChannels = serveDataChannels(app.server, { ...execute, log: execLog, record: sessionRecorders(logStore, execLog), upgrades: agentExec.upgrade });
  const cloudwatch = createCloudWatchService({ db, clock, metrics, alarms });
  const logs = createLogsService(logStore);
  const ecs = createEcsService(deps, {
    dockerVersion, scheduler: services, daemons, baseUrl, execute,
    otherApis: () => ({ elbv2: elbv2.handlers, autoScaling: aas.service.handlers, cloudwatch: cloudwatch.handlers, logs: logs.handlers }),
  });
  // EventBridge: rules' targets are delivered by one worker, through a dispatcher per kind of target.
  const eventsLog = log.child({ component: "events" });
  const runTaskForEvents = async (scope: Scope, request: RunTaskRequest) =>
    (await ecs.handlers.RunTask!(request, { ...scope, requestId: randomUUID(), log: eventsLog })) as RunTaskResponse;
  // Connections keep their secrets in Secrets Manager's store; OAuth tokens are shared by deliveries.
  const eventsOAuth = new OAuthTokens();
  const eventTargets: TargetDispatcher[] = [
    ecsTaskTarget(runTaskForEvents),
    eventBusTarget({ db, clock, wake: () => eventDeliveries?.wake() }),
    sqsTarget(sqs.internal),
    snsTarget(sns.internal),
    apiDestinationTarget({ secrets: sealed, oauth: eventsOAuth }),
  ];
  // Started once recovery is done (below): pending deliveries may run tasks.
  let eventDeliveries: DeliveryWorker | undefined;
  // With iamEnforcement every call made as a user or role (a universal target's too) is authorized.
  const authorize = config.iamEnforcement ? createAuthorize({ db, clock, services: authorizationBySigningName, resourcePolicies: registryPermissions ? { ecr: registryPermissions.denial } : {} }) : undefined;
  const awsServices = [ecs, createEcrService({ db, clock, store: registry, secret, registryHost, scans, replicator, secrets: secretSources.secrets }), createStsService(credentials), createIamService(credentials),
    elbv2,
    cloudwatch,
    ...sqs.services,
    sns,
    logs,
    aas.service,
    createSecretsManagerService(sealed),
    createSsmService(sealed),
    createEventsService({ db, clock, dispatchers: () => eventTargets, wake: () => eventDeliveries?.wake(), secrets: sealed, oauth: eventsOAuth, log: eventsLog, iamEnforcement: config.iamEnforcement }),
    createSchedulerService({ db, clock, handles: (arn) => deliveryTargets.some((t) => t.handles(arn)) }),
  ];
  // What the delivery worker delivers to: EventBridge's targets, and Scheduler's universal targets,
  // which call the mounted services in-process as the gateway would (schedules take both kinds).
  const deliveryTargets: TargetDispatcher[] = [
    ...eventTargets,
    universalTarget({ db, iamEnforcement: config.iamEnforcement, log: eventsLog, call: createInternalCaller(awsServices, { authorize, durable: () => durable.settled() }) }),
  ];
  awsFront = registerAwsServices(app, awsServices, {
    config, clock, issued: issuedCredentials(db, credentials.secrets), durable: () => durable.settled(),
    page: (req, reply) => wantsPage(req) && consoleAssets.page(req, reply),
    // Identity policies are enforced only when configured; the root is never refused.
    ...(authorize ? { authorize } : {}),
  });
  app.register(registryPlugin, { store: registry, config, clock, secret, sessionPrincipal: (id) => sessionPrincipal(db, id), beforeManifestGet: (scope, name, reference) => pullThrough.beforeManifestGet(scope, name, reference),
    beforePush: (scope, name) => createOnPush(db, registry, scope, name), recordsPull: (scope, caller) => !isPullTimeExcluded(db, scope, caller?.principal), ...(registryPermissions ? { authorize: registryPermissions.authorize } : {}) });
  // Garbage collection after deletes, on a timer and on demand; lifecycle policies on a timer.
  const gc = startGcScheduler({
    store: registry, log: log.child({ component: "registry-gc" }), intervalSeconds: config.registryGcIntervalSeconds,
    options: { graceMs: config.registryGcGraceSeconds * 1000, uploadExpiryMs: config.registryUploadExpirySeconds * 1000 },
  });
  registerGcRoute(app, gc);
  const lifecycle = startLifecycleSweeper({ db, store: registry, clock, log: log.child({ component: "ecr-lifecycle" }), intervalSeconds: config.lifecyclePolicyIntervalSeconds });

  // The runner's per-task managers are the only source of task status; one applier stores it.
  runner.onReport((report) => {
    try {
      applyReport(db, log, report);
      taskCredentials.onReport(report);
      // The service scheduler decides again when one of its tasks changes.
      services.onTaskReport(report);
      daemons.onTaskReport(report);
      taskEvents.publish(report);
    } catch (err) {
      log.error({ err, taskArn: report.taskArn }, "could not apply a task report");
    }
  });
  await recoverTasks(db, runner, log);
  // The load balancers the store holds serve again (after a restart, or a kill -9).
  await lbFeed.changed();
  // Services are reconciled once recovered tasks are known again.
  services.start();
  daemons.start();
  // Express Mode's creates and deletes a kill -9 interrupted, undone or finished once services run.
  await ecs.recoverExpress();
  // Deliveries left pending by a restart (or a kill -9) are delivered now.
  eventDeliveries = startDeliveryWorker({
    db, clock, log: eventsLog, dispatchers: () => deliveryTargets, timers: [(now) => fireDueSchedules(db, now)],
    // With iamEnforcement, targets with a RoleArn are delivered only as that role allows.
    roleGate: config.iamEnforcement ? createTargetRoleGate({ db, clock }) : undefined,
  });
  taskCredentials.start();
  // Scans a restart interrupted run again.
  scans.resume();
  const liveness = startAgentLiveness({
    db, clock, log: log.child({ component: "agents" }), runner: agents,
    heartbeatTimeoutSeconds: config.agentHeartbeatTimeoutSeconds, graceSeconds: config.agentDisconnectGraceSeconds,
  });
  // Auto Scaling group capacity providers: waiting tasks placed, pools scaled (managed scaling).
  const capacityScaler = createCapacityScaler({ db, clock, config, runner, log: log.child({ component: "capacity-scaler" }), dockerVersion });
  capacityScaler.start();
  // Scheduled actions run on a timer, once services are recovered.
  aas.start();
  const spotChaos = startSpotChaos({ db, runner, config, clock, log: log.child({ component: "spot-chaos" }), seed: berthId });
  alarms.start();
  const janitor = startTaskJanitor({ db, clock, runner, log, retentionSeconds: config.stoppedTaskRetentionSeconds });
  // The metrics Berth produces itself, from the agents' measurements of the containers and the data
  // plane's traffic counters, go into the same store as PutMetricData's, every
  // metricsIntervalSeconds — and at least once per (scaled) minute, so that with metricPeriodScale
  // every shortened 60-second period still holds a data point.
  const metricSink: MetricSink = metrics;
  const metricsLog = log.child({ component: "metrics" });
  const publishSeconds = metricsPublishSeconds(config);
  const ecsMetrics = startEcsMetrics({ db, clock, log: metricsLog, agents, sink: metricSink, intervalSeconds: publishSeconds });
  const elbMetrics = startElbMetrics({ dataPlane, sink: metricSink, clock, log: metricsLog, intervalSeconds: publishSeconds });
  const sqsMetrics = startSqsMetrics({ sqs: sqs.internal, sink: metricSink, clock, intervalSeconds: publishSeconds });

  return {
    app,
    db,
    runner,
    async listen() {
      const address = await app.listen({ port: config.port, host: config.host });
      // The console's first page load after a start is no slower than the next ones: its reads
      // are made once now, in the background (console-warm-up.ts).
      const [key] = Object.entries(config.credentials);
      const { port } = app.server.address() as AddressInfo;
      if (consoleAssets.built && key) void warmUpConsoleReads({ host: api()?.host ?? config.host, port, accessKeyId: key[0], secretAccessKey: key[1], region: config.region, log: log.child({ component: "console" }) });
      return address;
    },
    async close() {
      await eventDeliveries?.stop();
      taskCredentials.stop();
      ecsMetrics.stop();
      sqsMetrics.stop();
      snsHttp.stop();
      await elbMetrics.stop();
      logRetention.stop();
      janitor.stop();
      aas.stop();
      await alarms.stop();
      metrics.close();
      spotChaos.stop();
      capacityScaler.stop();
      liveness.stop();
      services.stop();
      daemons.stop();
      lifecycle.stop();
      await gc.stop();
      dataChannels.close();
      agentExec.close();
      await app.close();
      await lbFeed.close();
      lbHealth.stop();
      await dataPlane.close();
      await scans.close();
      // The embedded agent stops polling before its held poll is released.
      await embeddedAgent.close();
      await runner.close();
      durable.close();
      db.close();
    },
  };
}
