import { randomBytes } from "node:crypto";
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
import { clusterNameOf, findCluster } from "../clusters/cluster-store.js";
import { clusterNotFound, invalidParameter } from "../errors.js";
import { serviceNotActive, serviceNotFound, validateServiceName } from "../services/service-config.js";
import { findService, serviceArn as serviceArnFor } from "../services/service-store.js";
import { revisionArnOf, serviceDeploymentsOf } from "../services/service-deployment-store.js";
import { findExpressService, saveExpressService, type StoredExpressService } from "./express-gateway-store.js";

/**
 * ECS Express Mode: an image and two roles become a Fargate service behind an Application Load
 * Balancer (listener, target group with health checks) with target tracking auto scaling. Each
 * piece is made by calling the handlers of its own API (ECS, ELBv2, Application Auto Scaling), so
 * it is the same resource a user would have made and is visible and changeable through that API.
 */
export interface ExpressApis {
  ecs: Record<string, Handler>;
  elbv2: Record<string, Handler>;
  autoScaling: Record<string, Handler>;
}

/** Express Mode's documented defaults (Amazon ECS Developer Guide, "Resources created by Express Mode services"). */
const DEFAULTS = { cpu: "1024", memory: "2048", containerPort: 80, healthCheckPath: "/ping", minTaskCount: 1, maxTaskCount: 20, metric: "AVERAGE_CPU", targetValue: 60 } as const;
const CONTAINER_NAME = "Main";
const PREDEFINED_METRIC = { AVERAGE_CPU: "ECSServiceAverageCPUUtilization", AVERAGE_MEMORY: "ECSServiceAverageMemoryUtilization", REQUEST_COUNT_PER_TARGET: "ALBRequestCountPerTarget" } as const;
/** Subnets for the load balancer when the request names fewer than the two an ALB needs. */
const DEFAULT_SUBNETS = ["subnet-expressa", "subnet-expressb"];

const notFound = () => new ServiceError("ResourceNotFoundException", "The specified express gateway service was not found.");
const hex = (n: number) => randomBytes(n).toString("hex");

export function expressGatewayHandlers(deps: EcsDeps, apis: () => ExpressApis): Record<string, Handler> {
  const { db, clock, config } = deps;
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
    await call("autoScaling", "RegisterScalableTarget", { ...key, MinCapacity: s.minTaskCount, MaxCapacity: s.maxTaskCount }, ctx);
    const metric = PREDEFINED_METRIC[s.autoScalingMetric as keyof typeof PREDEFINED_METRIC];
    // ALBRequestCountPerTarget names the load balancer and target group: app/NAME/ID/targetgroup/NAME/ID.
    const label = metric === "ALBRequestCountPerTarget"
      ? { ResourceLabel: `${e.resources.loadBalancerArn.split(":loadbalancer/")[1]}/${e.resources.targetGroupArn.split(":").at(-1)}` } : {};
    await call("autoScaling", "PutScalingPolicy", {
      ...key, PolicyName: e.resources.scalingPolicyName, PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: { TargetValue: s.autoScalingTargetValue, PredefinedMetricSpecification: { PredefinedMetricType: metric, ...label } },
    }, ctx);
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
    if (!e || e.scope.account !== ctx.account || e.scope.region !== ctx.region) throw missing();
    const service = findService(db, e.serviceArn)?.service;
    if (!service || new Date(service.createdAt!).toISOString() !== e.serviceCreatedAt) throw missing();
    return e;
  }

  return {
    CreateExpressGatewayService: async (input: CreateExpressGatewayServiceRequest, ctx: RequestContext) => {
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
      const configuration: ExpressGatewayServiceConfiguration = {
        executionRoleArn: input.executionRoleArn, ...(input.taskRoleArn ? { taskRoleArn: input.taskRoleArn } : {}),
        cpu: input.cpu ?? DEFAULTS.cpu, memory: input.memory ?? DEFAULTS.memory,
        networkConfiguration: network, healthCheckPath, primaryContainer, scalingTarget: scaling, createdAt: now,
      };
      // What was made so far is removed again if a later step fails: a refused request changes nothing.
      const undo: (() => Promise<unknown>)[] = [];
      try {
        if (!clusterActive) {
          await call("ecs", "CreateCluster", { clusterName, capacityProviders: ["FARGATE", "FARGATE_SPOT"] }, ctx);
          undo.push(() => call("ecs", "DeleteCluster", { cluster: clusterName }, ctx));
        }
        const taskDefinition = await registerRevision(ctx, serviceName, configuration);
        undo.push(() => call("ecs", "DeregisterTaskDefinition", { taskDefinition }, ctx));

        const suffix = hex(4);
        const subnets = (network.subnets?.length ?? 0) >= 2 ? network.subnets : DEFAULT_SUBNETS;
        const tg = (await call<{ TargetGroups: { TargetGroupArn: string }[] }>("elbv2", "CreateTargetGroup", {
          Name: `ecs-gateway-tg-${suffix}`, Protocol: "HTTP", Port: primaryContainer.containerPort, VpcId: "vpc-express", TargetType: "ip",
          HealthCheckPath: healthCheckPath, HealthCheckProtocol: "HTTP", Matcher: { HttpCode: "200" },
        }, ctx)).TargetGroups[0]!.TargetGroupArn;
        undo.push(() => call("elbv2", "DeleteTargetGroup", { TargetGroupArn: tg }, ctx));
        const lb = (await call<{ LoadBalancers: { LoadBalancerArn: string; AvailabilityZones: { LoadBalancerAddresses?: { IpAddress?: string }[] }[] }[] }>("elbv2", "CreateLoadBalancer", {
          Name: `ecs-express-gateway-alb-${suffix}`, Type: "application", Scheme: "internet-facing", Subnets: subnets,
          ...(network.securityGroups?.length ? { SecurityGroups: network.securityGroups } : {}),
        }, ctx)).LoadBalancers[0]!;
        undo.push(() => call("elbv2", "DeleteLoadBalancer", { LoadBalancerArn: lb.LoadBalancerArn }, ctx));
        const listener = (await call<{ Listeners: { ListenerArn: string; Port: number }[] }>("elbv2", "CreateListener", {
          LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: tg }],
        }, ctx)).Listeners[0]!;
        const address = lb.AvailabilityZones.flatMap((z) => z.LoadBalancerAddresses ?? []).find((a) => a.IpAddress)?.IpAddress;

        const created = await call<{ service: Service }>("ecs", "CreateService", {
          cluster: clusterName, serviceName, taskDefinition, desiredCount: scaling.minTaskCount, launchType: "FARGATE",
          networkConfiguration: { awsvpcConfiguration: { subnets: network.subnets?.length ? network.subnets : DEFAULT_SUBNETS.slice(0, 1), ...(network.securityGroups?.length ? { securityGroups: network.securityGroups } : {}) } },
          loadBalancers: [{ targetGroupArn: tg, containerName: CONTAINER_NAME, containerPort: primaryContainer.containerPort }],
          deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, deploymentCircuitBreaker: { enable: true, rollback: true } },
          ...(input.tags?.length ? { tags: input.tags, propagateTags: "SERVICE" } : {}),
        }, ctx);
        undo.push(() => call("ecs", "DeleteService", { cluster: clusterName, service: serviceName, force: true }, ctx));
        configuration.serviceRevisionArn = primaryRevision(created.service);
        const endpoint = `http://${address}${listener.Port === 80 ? "" : `:${listener.Port}`}/`;
        configuration.ingressPaths = [{ accessType: "PUBLIC", endpoint }];

        const stored: StoredExpressService = {
          scope: { account: ctx.account, region: ctx.region }, serviceArn: arn, serviceName, clusterArn: created.service.clusterArn!,
          infrastructureRoleArn: input.infrastructureRoleArn!, createdAt: now, updatedAt: now, configurations: [configuration],
          serviceCreatedAt: new Date(created.service.createdAt!).toISOString(),
          resources: {
            taskDefinitionFamily: serviceName, loadBalancerArn: lb.LoadBalancerArn, listenerArn: listener.ListenerArn, targetGroupArn: tg,
            scalableResourceId: `service/${clusterName}/${serviceName}`, scalingPolicyName: `${serviceName}-express-scaling`, endpoint,
          },
        };
        undo.push(() => call("autoScaling", "DeregisterScalableTarget", { ServiceNamespace: "ecs", ResourceId: stored.resources.scalableResourceId, ScalableDimension: "ecs:service:DesiredCount" }, ctx));
        await applyScaling(ctx, stored, scaling);
        saveExpressService(db, stored);
        return { service: await present(ctx, stored, true) };
      } catch (err) {
        for (const step of undo.reverse()) await step().catch((e: unknown) => ctx.log.warn({ err: e }, "could not undo a step of a failed CreateExpressGatewayService"));
        throw err;
      }
    },

    DescribeExpressGatewayService: async (input: DescribeExpressGatewayServiceRequest, ctx: RequestContext) => {
      const e = requireExpress(ctx, input.serviceArn, notFound);
      return { service: await present(ctx, e, input.include?.includes("TAGS") ?? false) };
    },

    UpdateExpressGatewayService: async (input: UpdateExpressGatewayServiceRequest, ctx: RequestContext) => {
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
      if (healthCheckPath !== last.healthCheckPath) await call("elbv2", "ModifyTargetGroup", { TargetGroupArn: e.resources.targetGroupArn, HealthCheckPath: healthCheckPath }, ctx);
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
    },

    DeleteExpressGatewayService: async (input: DeleteExpressGatewayServiceRequest, ctx: RequestContext) => {
      const e = requireExpress(ctx, input.serviceArn, serviceNotFound);
      if (findService(db, e.serviceArn)?.service.status !== "ACTIVE") throw serviceNotActive();
      // Scaling first, so that no policy raises the count of the service being stopped.
      await call("autoScaling", "DeregisterScalableTarget", { ServiceNamespace: "ecs", ResourceId: e.resources.scalableResourceId, ScalableDimension: "ecs:service:DesiredCount" }, ctx)
        .catch((err: unknown) => ctx.log.warn({ err }, "the express service's scalable target was already gone"));
      await call("ecs", "DeleteService", { cluster: e.clusterArn, service: e.serviceArn, force: true }, ctx);
      // The load balancer goes with its listener; the target group once nothing forwards to it.
      await call("elbv2", "DeleteLoadBalancer", { LoadBalancerArn: e.resources.loadBalancerArn }, ctx);
      await call("elbv2", "DeleteTargetGroup", { TargetGroupArn: e.resources.targetGroupArn }, ctx);
      const stored = { ...e, updatedAt: clock.now() };
      saveExpressService(db, stored);
      return { service: await present(ctx, stored, false) };
    },
  };
}
