import { randomBytes, randomUUID } from "node:crypto";
import type {
  CreateExpressGatewayServiceRequest, DeleteExpressGatewayServiceRequest, DescribeExpressGatewayServiceRequest, ECSExpressGatewayService,
  ExpressGatewayContainer, ExpressGatewayScalingTarget, ExpressGatewayServiceConfiguration, ExpressGatewayServiceNetworkConfiguration,
  Service, UpdateExpressGatewayServiceRequest,
} from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import { ServiceError } from "../../core/errors.js";
import { findRoleByArn } from "../../iam/roles.js";
import type { EcsDeps } from "../deps.js";
import { clusterArn as clusterArnOf } from "../../core/arn.js";
import { clusterNameOf, findCluster } from "../clusters/cluster-store.js";
import { clusterNotFound, invalidParameter } from "../errors.js";
import { serviceNotActive, serviceNotFound, validateServiceName } from "../services/service-config.js";
import { findService, serviceArn as serviceArnFor } from "../services/service-store.js";
import { revisionArnOf, serviceDeploymentsOf } from "../services/service-deployment-store.js";
import { expressServices, findExpressService, forgetExpressService, saveExpressService, type StoredExpressService } from "./express-gateway-store.js";
import { readCertificate } from "../../elbv2/certificates/certificate-files.js";
import { allSharedLoadBalancers, EXPRESS_CERTIFICATE, findSharedLoadBalancer, networkKey, saveSharedLoadBalancer, SERVICES_PER_LOAD_BALANCER, sharedLoadBalancers, type SharedLoadBalancer } from "./express-load-balancers.js";
import { releaseLoadBalancer, tearDown, usersOf, type RawCall } from "./express-teardown.js";
import { rollbackAlarmInput } from "./express-rollback-alarm.js";
import { managedResourcesOf } from "./express-managed-resources.js";
import type { ECSManagedResources } from "@aws-sdk/client-ecs";

/**
 * ECS Express Mode: an image and two roles become a Fargate service behind an Application Load
 * Balancer (listener, target group with health checks) with target tracking auto scaling, a log
 * group and the CloudWatch alarm its deployments roll back on. Each piece is made by calling the
 * handlers of its own API (ECS, ELBv2, Application Auto Scaling, CloudWatch, CloudWatch Logs), so
 * it is the same resource a user would have made and is visible and changeable through that API.
 */
export interface ExpressApis {
  ecs: Record<string, Handler>;
  elbv2: Record<string, Handler>;
  autoScaling: Record<string, Handler>;
  cloudwatch: Record<string, Handler>;
  logs: Record<string, Handler>;
}

/** Express Mode's documented defaults (Amazon ECS Developer Guide, "Resources created by Express Mode services"). */
const DEFAULTS = { cpu: "1024", memory: "2048", containerPort: 80, healthCheckPath: "/ping", minTaskCount: 1, maxTaskCount: 20, metric: "AVERAGE_CPU", targetValue: 60 } as const;
const CONTAINER_NAME = "Main";
const PREDEFINED_METRIC = { AVERAGE_CPU: "ECSServiceAverageCPUUtilization", AVERAGE_MEMORY: "ECSServiceAverageMemoryUtilization", REQUEST_COUNT_PER_TARGET: "ALBRequestCountPerTarget" } as const;
/** Subnets for the load balancer when the request names fewer than the two an ALB needs. */
const DEFAULT_SUBNETS = ["subnet-expressa", "subnet-expressb"];

/**
 * How Express Mode deploys (Amazon ECS Developer Guide, "Updating an Amazon ECS Express Mode
 * service"): a canary, 5% of the traffic to the new tasks for 3 minutes, then all of it, and the old
 * tasks stopped after another 3 minutes; a failing deployment rolls back. The service's own
 * deploymentConfiguration, changeable through UpdateService as on AWS.
 */
const EXPRESS_DEPLOYMENT = {
  strategy: "CANARY", canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: 3 }, bakeTimeInMinutes: 3,
  minimumHealthyPercent: 100, maximumPercent: 200, deploymentCircuitBreaker: { enable: true, rollback: true },
} as const;

/**
 * The service's hostname: AWS gives SERVICE-ID.ecs.REGION.on.aws (a DNS label at most 63
 * characters); Berth keeps the form, and the shared ALB's host rule answers it.
 */
const hostnameFor = (serviceName: string, suffix: string, region: string) =>
  `${serviceName.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 54).replace(/-+$/, "")}-${suffix}.ecs.${region}.on.aws`;

const certificateArn = (ctx: RequestContext) => `arn:aws:acm:${ctx.region}:${ctx.account}:certificate/${EXPRESS_CERTIFICATE}`;

const notFound = () => new ServiceError("ResourceNotFoundException", "The specified express gateway service was not found.");
const hex = (n: number) => randomBytes(n).toString("hex");

export function expressGateway(deps: EcsDeps, apis: () => ExpressApis): {
  handlers: Record<string, Handler>; recover(): Promise<void>;
  managedResources(serviceArn: string, revisionCreatedAt: Date, ctx: RequestContext): Promise<ECSManagedResources | undefined>;
} {
  const { db, clock, config, log } = deps;
  /**
   * One call to another API's handler. Its input errors (a subnet ELBv2 refuses, a capacity
   * Application Auto Scaling refuses) are ECS's InvalidParameterException to the caller, as ECS
   * answers what it cannot make for an express service; the message says what was refused.
   */
  const call = async <T>(api: keyof ExpressApis, op: string, input: object, ctx: RequestContext): Promise<T> => {
    try {
      return (await apis()[api][op]!(input, ctx)) as T;
    } catch (err) {
      if (api !== "ecs" && err instanceof ServiceError && err.sender) throw invalidParameter(`${op}: ${err.message}`);
      throw err;
    }
  };

  const raw: RawCall = async <T>(api: keyof ExpressApis, op: string, input: object, ctx: RequestContext) => (await apis()[api][op]!(input, ctx)) as T;

  /**
   * Creates, updates and deletes run one at a time: two creates in one network configuration must not both
   * make a load balancer, nor a delete remove the one a create is about to use.
   */
  let tail: Promise<unknown> = Promise.resolve();
  function serially<T>(work: () => Promise<T>): Promise<T> {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  }

  /** The shared load balancer of the network configuration with room for one more service, or a new one (not yet made). */
  function chooseLoadBalancer(ctx: RequestContext, network: ExpressGatewayServiceNetworkConfiguration): SharedLoadBalancer {
    const subnets = network.subnets ?? [];
    const securityGroups = network.securityGroups ?? [];
    const key = networkKey(subnets, securityGroups);
    const roomy = sharedLoadBalancers(db, ctx, key).find((lb) => usersOf(db, lb).length < SERVICES_PER_LOAD_BALANCER);
    if (roomy) return roomy;
    const https = readCertificate(config.loadBalancerCertificatesDir, certificateArn(ctx)).ok;
    return { name: `ecs-express-gateway-alb-${hex(4)}`, scope: { account: ctx.account, region: ctx.region }, networkKey: key, subnets, securityGroups, state: "CREATING", protocol: https ? "HTTPS" : "HTTP" };
  }

  /** Makes a shared load balancer chosen but not made yet: the ALB and its listener (HTTP:80, or HTTPS:443 and a redirect on 80) answering 404 to hosts it has no rule for. */
  async function ensureLoadBalancer(ctx: RequestContext, lb: SharedLoadBalancer): Promise<SharedLoadBalancer> {
    if (lb.state === "ACTIVE") return lb;
    const subnets = lb.subnets.length >= 2 ? lb.subnets : DEFAULT_SUBNETS;
    lb.loadBalancerArn = (await call<{ LoadBalancers: { LoadBalancerArn: string }[] }>("elbv2", "CreateLoadBalancer", {
      Name: lb.name, Type: "application", Scheme: "internet-facing", Subnets: subnets, ...(lb.securityGroups.length ? { SecurityGroups: lb.securityGroups } : {}),
    }, ctx)).LoadBalancers[0]!.LoadBalancerArn;
    saveSharedLoadBalancer(db, lb);
    const notFound = [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "404", ContentType: "text/plain", MessageBody: "Not Found" } }];
    const listen = async (input: object) => (await call<{ Listeners: { ListenerArn: string }[] }>("elbv2", "CreateListener", { LoadBalancerArn: lb.loadBalancerArn, ...input }, ctx)).Listeners[0]!.ListenerArn;
    if (lb.protocol === "HTTPS") {
      // As on AWS: the services answer on HTTPS; plain HTTP is redirected there.
      lb.listenerArn = await listen({ Protocol: "HTTPS", Port: 443, Certificates: [{ CertificateArn: certificateArn(ctx) }], DefaultActions: notFound });
      await listen({ Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } }] });
    } else {
      lb.listenerArn = await listen({ Protocol: "HTTP", Port: 80, DefaultActions: notFound });
    }
    lb.state = "ACTIVE";
    saveSharedLoadBalancer(db, lb);
    return lb;
  }

  async function createTargetGroup(ctx: RequestContext, name: string, port: number, healthCheckPath: string): Promise<string> {
    return (await call<{ TargetGroups: { TargetGroupArn: string }[] }>("elbv2", "CreateTargetGroup", {
      Name: name, Protocol: "HTTP", Port: port, VpcId: "vpc-express", TargetType: "ip",
      HealthCheckPath: healthCheckPath, HealthCheckProtocol: "HTTP", Matcher: { HttpCode: "200" },
    }, ctx)).TargetGroups[0]!.TargetGroupArn;
  }

  /** Removes what a create made (failed, or cut short by a kill -9), then the express service's row. */
  async function undoCreate(e: StoredExpressService, ctx: RequestContext): Promise<void> {
    await tearDown(db, raw, e, ctx, { undoCreate: true });
    forgetExpressService(db, e.serviceArn);
    await releaseByName(e, ctx);
  }

  /** The rest of a delete (also one a kill -9 interrupted): everything goes, the row stays DELETED (Describe shows the service INACTIVE). */
  async function finishDelete(e: StoredExpressService, ctx: RequestContext): Promise<void> {
    await tearDown(db, raw, e, ctx);
    e.state = "DELETED";
    e.updatedAt = clock.now();
    saveExpressService(db, e);
    await releaseByName(e, ctx);
  }

  async function releaseByName(e: StoredExpressService, ctx: RequestContext): Promise<void> {
    const lb = findSharedLoadBalancer(db, e.scope, e.resources.loadBalancerName);
    if (lb) await releaseLoadBalancer(db, raw, lb, ctx);
  }

  /**
   * At start: creates a kill -9 cut short are undone (the caller never had an answer), deletes it
   * interrupted are finished, and shared load balancers no service uses (one made just before a
   * kill -9) are deleted.
   */
  async function recover(): Promise<void> {
    await serially(async () => {
      for (const e of expressServices(db)) {
        if (e.state !== "CREATING" && e.state !== "DELETING") continue;
        const ctx = { ...e.scope, requestId: randomUUID(), log };
        log.info({ serviceArn: e.serviceArn, state: e.state }, "express gateway service: finishing what a restart interrupted");
        await (e.state === "CREATING" ? undoCreate(e, ctx) : finishDelete(e, ctx)).catch((err: unknown) => log.error({ err, serviceArn: e.serviceArn }, "could not recover an express gateway service"));
      }
      for (const lb of allSharedLoadBalancers(db)) {
        await releaseLoadBalancer(db, raw, lb, { ...lb.scope, requestId: randomUUID(), log }).catch((err: unknown) => log.error({ err, name: lb.name }, "could not delete an unused express load balancer"));
      }
    });
  }

  /** With iamEnforcement, a role named in the request must exist (AWS checks it can assume it). */
  function checkRoles(roles: Record<string, string | undefined>): void {
    if (!config.iamEnforcement) return;
    for (const [member, arn] of Object.entries(roles)) {
      if (arn !== undefined && !findRoleByArn(db, arn)) throw invalidParameter(`The ${member} '${arn}' does not exist or cannot be assumed.`);
    }
  }

  /** The scaling target with Express Mode's defaults filled in, checked as Application Auto Scaling would. */
  function scalingOf(s: ExpressGatewayScalingTarget | undefined, base?: ExpressGatewayScalingTarget): Required<ExpressGatewayScalingTarget> {
    const merged = {
      minTaskCount: s?.minTaskCount ?? base?.minTaskCount ?? DEFAULTS.minTaskCount,
      maxTaskCount: s?.maxTaskCount ?? base?.maxTaskCount ?? DEFAULTS.maxTaskCount,
      autoScalingMetric: s?.autoScalingMetric ?? base?.autoScalingMetric ?? DEFAULTS.metric,
      autoScalingTargetValue: s?.autoScalingTargetValue ?? base?.autoScalingTargetValue ?? DEFAULTS.targetValue,
    };
    if (merged.minTaskCount < 0) throw invalidParameter("scalingTarget.minTaskCount must be at least 0.");
    if (merged.maxTaskCount < merged.minTaskCount) throw invalidParameter("scalingTarget.maxTaskCount must be greater than or equal to scalingTarget.minTaskCount.");
    if (merged.autoScalingTargetValue <= 0) throw invalidParameter("scalingTarget.autoScalingTargetValue must be greater than 0.");
    return merged;
  }

  /** The container with its defaults: port 80, and its output in a log group of the service's own. */
  function containerOf(c: ExpressGatewayContainer, clusterName: string, serviceName: string): ExpressGatewayContainer {
    if (!c.image) throw invalidParameter("primaryContainer.image must not be empty.");
    const port = c.containerPort ?? DEFAULTS.containerPort;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidParameter("primaryContainer.containerPort must be between 1 and 65535.");
    return { ...c, containerPort: port, awsLogsConfiguration: c.awsLogsConfiguration ?? { logGroup: `/aws/ecs/${clusterName}/${serviceName}`, logStreamPrefix: "ecs" } };
  }

  function checkHealthCheckPath(path: string): string {
    if (!path.startsWith("/") || path.length > 1024) throw invalidParameter("healthCheckPath must begin with '/' and be at most 1024 characters.");
    return path;
  }

  /** A task definition revision for a configuration (family: the service's name). */
  async function registerRevision(ctx: RequestContext, family: string, c: ExpressGatewayServiceConfiguration): Promise<string> {
    const main = c.primaryContainer!;
    const logs = main.awsLogsConfiguration!;
    const out = await call<{ taskDefinition: { taskDefinitionArn: string } }>("ecs", "RegisterTaskDefinition", {
      family, requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: c.cpu, memory: c.memory,
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: c.executionRoleArn, ...(c.taskRoleArn ? { taskRoleArn: c.taskRoleArn } : {}),
      containerDefinitions: [{
        name: CONTAINER_NAME, image: main.image, essential: true,
        portMappings: [{ containerPort: main.containerPort, protocol: "tcp" }],
        ...(main.command ? { command: main.command } : {}),
        ...(main.environment ? { environment: main.environment } : {}),
        ...(main.secrets ? { secrets: main.secrets } : {}),
        ...(main.repositoryCredentials ? { repositoryCredentials: main.repositoryCredentials } : {}),
        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": logs.logGroup, "awslogs-stream-prefix": logs.logStreamPrefix, "awslogs-region": ctx.region, "awslogs-create-group": "true" } },
      }],
    }, ctx);
    return out.taskDefinition.taskDefinitionArn;
  }

  /** The target tracking policy for a scaling target (PutScalingPolicy replaces one of the same name). */
  async function applyScaling(ctx: RequestContext, e: StoredExpressService, s: Required<ExpressGatewayScalingTarget>): Promise<void> {
    const key = { ServiceNamespace: "ecs", ResourceId: e.resources.scalableResourceId, ScalableDimension: "ecs:service:DesiredCount" };
    e.resources.scalableTargetArn = (await call<{ ScalableTargetARN?: string }>("autoScaling", "RegisterScalableTarget", { ...key, MinCapacity: s.minTaskCount, MaxCapacity: s.maxTaskCount }, ctx)).ScalableTargetARN;
    const metric = PREDEFINED_METRIC[s.autoScalingMetric as keyof typeof PREDEFINED_METRIC];
    // ALBRequestCountPerTarget names the load balancer and target group: app/NAME/ID/targetgroup/NAME/ID.
    const label = metric === "ALBRequestCountPerTarget"
      ? { ResourceLabel: `${e.resources.loadBalancerArn!.split(":loadbalancer/")[1]}/${e.resources.targetGroupArn!.split(":").at(-1)}` } : {};
    e.resources.scalingPolicyArn = (await call<{ PolicyARN?: string }>("autoScaling", "PutScalingPolicy", {
      ...key, PolicyName: e.resources.scalingPolicyName, PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: { TargetValue: s.autoScalingTargetValue, PredefinedMetricSpecification: { PredefinedMetricType: metric, ...label } },
    }, ctx)).PolicyARN;
  }

  /**
   * The container's log group, made with the service (AWS makes a service-specific one) rather than
   * when its first task logs; a group that exists already (the user's) is used as it is.
   */
  async function ensureLogGroup(ctx: RequestContext, e: StoredExpressService): Promise<void> {
    const name = e.resources.logGroupName!;
    const found = await call<{ logGroups?: { logGroupName?: string }[] }>("logs", "DescribeLogGroups", { logGroupNamePrefix: name }, ctx);
    if (found.logGroups?.some((g) => g.logGroupName === name)) return;
    // Recorded first: a create undone after this point deletes the group it made.
    e.resources.logGroupMade = true;
    saveExpressService(db, e);
    await call("logs", "CreateLogGroup", { logGroupName: name }, ctx);
  }

  /**
   * ServiceRevision.ecsManagedResources for a revision of an express service (undefined for any
   * other service's, and for a revision of a later service of the same name).
   */
  async function managedResources(serviceArn: string, revisionCreatedAt: Date, ctx: RequestContext): Promise<ECSManagedResources | undefined> {
    const e = findExpressService(db, serviceArn);
    if (!e?.serviceCreatedAt || e.scope.account !== ctx.account || e.scope.region !== ctx.region) return undefined;
    const at = revisionCreatedAt.getTime();
    if (at < new Date(e.serviceCreatedAt).getTime() || (e.state === "DELETED" && at > e.updatedAt.getTime())) return undefined;
    const lb = findSharedLoadBalancer(db, e.scope, e.resources.loadBalancerName);
    const subnets = lb?.subnets ?? e.configurations[0]!.networkConfiguration?.subnets ?? [];
    const logGroup = e.resources.logGroupName;
    const groups = logGroup ? (await raw<{ logGroups?: { logGroupName?: string }[] }>("logs", "DescribeLogGroups", { logGroupNamePrefix: logGroup }, ctx)).logGroups ?? [] : [];
    return managedResourcesOf(e, {
      ...(lb ? { loadBalancer: lb } : {}), loadBalancerSubnets: subnets.length >= 2 ? subnets : DEFAULT_SUBNETS, certificateArn: certificateArn(ctx),
      logGroupExists: groups.some((g) => g.logGroupName === logGroup),
    });
  }

  async function describeService(ctx: RequestContext, e: StoredExpressService, tags = false): Promise<Service> {
    const out = await call<{ services: Service[] }>("ecs", "DescribeServices", { cluster: e.clusterArn, services: [e.serviceArn], ...(tags ? { include: ["TAGS"] } : {}) }, ctx);
    return out.services[0]!;
  }

  /** The revision the service's newest deployment runs, which the configuration just applied became. */
  const primaryRevision = (svc: Service) => {
    const primary = svc.deployments?.find((d) => d.status === "PRIMARY");
    return primary?.id ? revisionArnOf(db, svc.serviceArn!, primary.id) : undefined;
  };

  /** The express service as the model shapes it; its status follows the ECS service's. */
  async function present(ctx: RequestContext, e: StoredExpressService, tags: boolean): Promise<ECSExpressGatewayService> {
    const svc = await describeService(ctx, e, tags);
    const running = new Set((svc.deployments ?? []).map((d) => d.id && revisionArnOf(db, e.serviceArn, d.id)).filter(Boolean));
    const active = e.configurations.filter((c) => running.has(c.serviceRevisionArn));
    const current = (svc.deployments ?? []).find((d) => d.status === "PRIMARY");
    const deployment = current?.id ? serviceDeploymentsOf(db, e.serviceArn).find((d) => d.deploymentId === current.id)?.doc.serviceDeploymentArn : undefined;
    return {
      serviceArn: e.serviceArn, serviceName: e.serviceName, cluster: e.clusterArn, infrastructureRoleArn: e.infrastructureRoleArn,
      status: { statusCode: svc.status as "ACTIVE" | "DRAINING" | "INACTIVE" },
      ...(deployment ? { currentDeployment: deployment } : {}),
      activeConfigurations: active.length ? active : e.configurations.slice(-1),
      ...(tags ? { tags: svc.tags ?? [] } : {}),
      createdAt: e.createdAt, updatedAt: e.updatedAt,
    };
  }

  /** The express service a request names (its ECS service ARN), in the caller's account and region. */
  function requireExpress(ctx: RequestContext, arn: string | undefined, missing: () => Error): StoredExpressService {
    const e = arn ? findExpressService(db, arn) : undefined;
    // A create still under way (or cut short) is no service yet.
    if (!e || e.state === "CREATING" || e.scope.account !== ctx.account || e.scope.region !== ctx.region) throw missing();
    const service = findService(db, e.serviceArn)?.service;
    if (!service || new Date(service.createdAt!).toISOString() !== e.serviceCreatedAt) throw missing();
    return e;
  }

  const handlers: Record<string, Handler> = {
    CreateExpressGatewayService: (input: CreateExpressGatewayServiceRequest, ctx: RequestContext) => serially(async () => {
      if (!input.primaryContainer?.image) throw invalidParameter("primaryContainer.image must not be empty.");
      const healthCheckPath = checkHealthCheckPath(input.healthCheckPath ?? DEFAULTS.healthCheckPath);
      const scaling = scalingOf(input.scalingTarget);
      checkRoles({ executionRoleArn: input.executionRoleArn, infrastructureRoleArn: input.infrastructureRoleArn, taskRoleArn: input.taskRoleArn });
      // Express Mode makes the default cluster when it is missing; a cluster named otherwise must exist.
      const clusterName = clusterNameOf(ctx, input.cluster);
      const clusterActive = findCluster(db, ctx, clusterName)?.status === "ACTIVE";
      if (!clusterActive && clusterName !== "default") throw clusterNotFound();
      // Without a name, one from the image's repository, as the console suggests it.
      const serviceName = validateServiceName(input.serviceName ?? `${(input.primaryContainer.image.split("/").at(-1) ?? "app").split(/[:@]/)[0]!.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 200)}-${hex(4)}`);
      const primaryContainer = containerOf(input.primaryContainer, clusterName, serviceName);
      const arn = serviceArnFor(ctx, clusterName, serviceName);
      const existing = findService(db, arn);
      if (existing && existing.service.status !== "INACTIVE") throw invalidParameter("Creation of service was not idempotent.");
      const network: ExpressGatewayServiceNetworkConfiguration = { subnets: input.networkConfiguration?.subnets ?? [], securityGroups: input.networkConfiguration?.securityGroups ?? [] };

      const now = clock.now();
      const suffix = hex(4);
      const hostname = hostnameFor(serviceName, suffix, ctx.region);
      const lb = chooseLoadBalancer(ctx, network);
      const endpoint = `${lb.protocol === "HTTPS" ? "https" : "http"}://${hostname}/`;
      const configuration: ExpressGatewayServiceConfiguration = {
        executionRoleArn: input.executionRoleArn, ...(input.taskRoleArn ? { taskRoleArn: input.taskRoleArn } : {}),
        cpu: input.cpu ?? DEFAULTS.cpu, memory: input.memory ?? DEFAULTS.memory,
        networkConfiguration: network, healthCheckPath, primaryContainer, scalingTarget: scaling, createdAt: now,
        ingressPaths: [{ accessType: "PUBLIC", endpoint }],
      };
      // The intent first: what will be made, by name, before any of it is (a kill -9 from here on is undone at start).
      const e: StoredExpressService = {
        scope: { account: ctx.account, region: ctx.region }, serviceArn: arn, serviceName, clusterArn: clusterArnOf(ctx, clusterName),
        infrastructureRoleArn: input.infrastructureRoleArn!, createdAt: now, updatedAt: now, configurations: [configuration],
        serviceCreatedAt: "", state: "CREATING",
        resources: {
          taskDefinitionFamily: serviceName, loadBalancerName: lb.name, hostname, targetGroupNames: [`ecs-gateway-tg-${suffix}`, `ecs-gateway-tg-${suffix}-alt`],
          ...(clusterActive ? {} : { createdCluster: true }),
          scalableResourceId: `service/${clusterName}/${serviceName}`, scalingPolicyName: `${serviceName}-express-scaling`, endpoint,
          logGroupName: primaryContainer.awsLogsConfiguration!.logGroup!, alarmName: `ecs-gateway-rollback-${suffix}`,
        },
      };
      db.transaction(() => {
        saveSharedLoadBalancer(db, lb);
        saveExpressService(db, e);
      })();
      const r = e.resources;
      const record = () => saveExpressService(db, e);
      try {
        if (!clusterActive) await call("ecs", "CreateCluster", { clusterName, capacityProviders: ["FARGATE", "FARGATE_SPOT"] }, ctx);
        const taskDefinition = await registerRevision(ctx, serviceName, configuration);
        const shared = await ensureLoadBalancer(ctx, lb);
        Object.assign(r, { loadBalancerArn: shared.loadBalancerArn, listenerArn: shared.listenerArn });
        const [primaryName, alternateName] = r.targetGroupNames!;
        r.targetGroupArn = await createTargetGroup(ctx, primaryName, primaryContainer.containerPort!, healthCheckPath);
        record();
        r.alternateTargetGroupArn = await createTargetGroup(ctx, alternateName, primaryContainer.containerPort!, healthCheckPath);
        record();
        // The service's host on the shared listener, forwarding all of it to the production target group:
        // the rule canary deployments reweight.
        const rules = await call<{ Rules: { Priority: string }[] }>("elbv2", "DescribeRules", { ListenerArn: r.listenerArn }, ctx);
        const priority = Math.max(0, ...rules.Rules.map((x) => Number(x.Priority)).filter(Number.isFinite)) + 1;
        r.ruleArn = (await call<{ Rules: { RuleArn: string }[] }>("elbv2", "CreateRule", {
          ListenerArn: r.listenerArn, Priority: priority, Conditions: [{ Field: "host-header", HostHeaderConfig: { Values: [hostname] } }],
          Actions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: r.targetGroupArn, Weight: 100 }, { TargetGroupArn: r.alternateTargetGroupArn, Weight: 0 }] } }],
        }, ctx)).Rules[0]!.RuleArn;
        record();
        await ensureLogGroup(ctx, e);
        // The alarm before the service: its deploymentConfiguration names it.
        await call("cloudwatch", "PutMetricAlarm", rollbackAlarmInput(r.alarmName!, r.loadBalancerArn!, [r.targetGroupArn, r.alternateTargetGroupArn]), ctx);
        r.alarmArn = (await call<{ MetricAlarms?: { AlarmArn?: string }[] }>("cloudwatch", "DescribeAlarms", { AlarmNames: [r.alarmName] }, ctx)).MetricAlarms?.[0]?.AlarmArn;
        record();

        const created = await call<{ service: Service }>("ecs", "CreateService", {
          cluster: clusterName, serviceName, taskDefinition, desiredCount: scaling.minTaskCount, launchType: "FARGATE",
          networkConfiguration: { awsvpcConfiguration: { subnets: network.subnets?.length ? network.subnets : DEFAULT_SUBNETS.slice(0, 1), ...(network.securityGroups?.length ? { securityGroups: network.securityGroups } : {}) } },
          loadBalancers: [{
            targetGroupArn: r.targetGroupArn, containerName: CONTAINER_NAME, containerPort: primaryContainer.containerPort,
            advancedConfiguration: { alternateTargetGroupArn: r.alternateTargetGroupArn, productionListenerRule: r.ruleArn, roleArn: e.infrastructureRoleArn },
          }],
          deploymentConfiguration: { ...EXPRESS_DEPLOYMENT, alarms: { alarmNames: [r.alarmName!], enable: true, rollback: true } },
          ...(input.tags?.length ? { tags: input.tags, propagateTags: "SERVICE" } : {}),
        }, ctx);
        e.serviceCreatedAt = new Date(created.service.createdAt!).toISOString();
        configuration.serviceRevisionArn = primaryRevision(created.service);
        record();
        await applyScaling(ctx, e, scaling);
        e.state = "ACTIVE";
        record();
        return { service: await present(ctx, e, true) };
      } catch (err) {
        // A refused request changes nothing: what was made so far goes again.
        await undoCreate(e, ctx).catch((undoErr: unknown) => ctx.log.warn({ err: undoErr }, "could not undo a failed CreateExpressGatewayService (recovery at the next start retries)"));
        throw err;
      }
    }),

    DescribeExpressGatewayService: async (input: DescribeExpressGatewayServiceRequest, ctx: RequestContext) => {
      const e = requireExpress(ctx, input.serviceArn, notFound);
      return { service: await present(ctx, e, input.include?.includes("TAGS") ?? false) };
    },

    // One at a time with creates and deletes: a delete must not remove the target groups an update is changing.
    UpdateExpressGatewayService: (input: UpdateExpressGatewayServiceRequest, ctx: RequestContext) => serially(async () => {
      const e = requireExpress(ctx, input.serviceArn, serviceNotFound);
      if (findService(db, e.serviceArn)?.service.status !== "ACTIVE") throw serviceNotActive();
      const last = e.configurations.at(-1)!;
      const primaryContainer = input.primaryContainer ? containerOf(input.primaryContainer, e.clusterArn.split("/").at(-1)!, e.serviceName) : last.primaryContainer!;
      const healthCheckPath = checkHealthCheckPath(input.healthCheckPath ?? last.healthCheckPath!);
      const scaling = scalingOf(input.scalingTarget, last.scalingTarget);
      checkRoles({ executionRoleArn: input.executionRoleArn, taskRoleArn: input.taskRoleArn });
      if (primaryContainer.containerPort !== last.primaryContainer!.containerPort) {
        throw invalidParameter("primaryContainer.containerPort cannot be changed: the target group was made for the first one.");
      }
      const now = clock.now();
      const next: ExpressGatewayServiceConfiguration = {
        ...last,
        executionRoleArn: input.executionRoleArn ?? last.executionRoleArn,
        ...(input.taskRoleArn ?? last.taskRoleArn ? { taskRoleArn: input.taskRoleArn ?? last.taskRoleArn } : {}),
        cpu: input.cpu ?? last.cpu, memory: input.memory ?? last.memory,
        networkConfiguration: input.networkConfiguration ? { subnets: input.networkConfiguration.subnets ?? [], securityGroups: input.networkConfiguration.securityGroups ?? [] } : last.networkConfiguration,
        healthCheckPath, primaryContainer, scalingTarget: scaling, createdAt: now,
      };
      const taskDefinition = await registerRevision(ctx, e.resources.taskDefinitionFamily, next);
      if (healthCheckPath !== last.healthCheckPath) {
        // Both target groups: the next deployment's tasks start in the other one.
        for (const group of [e.resources.targetGroupArn, e.resources.alternateTargetGroupArn]) {
          if (group) await call("elbv2", "ModifyTargetGroup", { TargetGroupArn: group, HealthCheckPath: healthCheckPath }, ctx);
        }
      }
      await applyScaling(ctx, e, scaling);
      const subnets = next.networkConfiguration?.subnets?.length ? next.networkConfiguration.subnets : DEFAULT_SUBNETS.slice(0, 1);
      const security = next.networkConfiguration?.securityGroups ?? [];
      // The new revision rolls out as a deployment of the ECS service (desired count: what scaling keeps it at, within the new bounds).
      const svc = (await describeService(ctx, e));
      const desired = Math.min(Math.max(svc.desiredCount ?? 0, scaling.minTaskCount), scaling.maxTaskCount);
      const updated = await call<{ service: Service }>("ecs", "UpdateService", {
        cluster: e.clusterArn, service: e.serviceArn, taskDefinition, desiredCount: desired,
        networkConfiguration: { awsvpcConfiguration: { subnets, ...(security.length ? { securityGroups: security } : {}) } },
      }, ctx);
      next.serviceRevisionArn = primaryRevision(updated.service);
      const stored: StoredExpressService = { ...e, updatedAt: now, configurations: [...e.configurations, next] };
      saveExpressService(db, stored);
      return {
        service: {
          serviceArn: e.serviceArn, serviceName: e.serviceName, cluster: e.clusterArn, status: { statusCode: updated.service.status as "ACTIVE" },
          targetConfiguration: next, createdAt: e.createdAt, updatedAt: now,
        },
      };
    }),

    DeleteExpressGatewayService: (input: DeleteExpressGatewayServiceRequest, ctx: RequestContext) => serially(async () => {
      const e = requireExpress(ctx, input.serviceArn, serviceNotFound);
      if (findService(db, e.serviceArn)?.service.status !== "ACTIVE") throw serviceNotActive();
      // DELETING first: a kill -9 part-way is finished at the next start.
      const deleting: StoredExpressService = { ...e, state: "DELETING", updatedAt: clock.now() };
      saveExpressService(db, deleting);
      await finishDelete(deleting, ctx);
      return { service: await present(ctx, deleting, false) };
    }),
  };
  return { handlers, recover, managedResources };
}
