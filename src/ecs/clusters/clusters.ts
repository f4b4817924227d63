import { effectiveSetting } from "../account-settings/account-settings.js";
import type {
  Cluster, ClusterSetting, CreateClusterRequest, DeleteClusterRequest, DescribeClustersRequest, Failure,
  ListClustersRequest, UpdateClusterRequest, UpdateClusterSettingsRequest,
} from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import { clusterArn, type Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import type { EcsDeps } from "../deps.js";
import { clusterContainsInstances, clusterContainsServices, clusterContainsTasks, clusterNotFound, invalidParameter } from "../errors.js";
import { registeredCount } from "../instances/instance-store.js";
import { clusterNameOf, findCluster, requireActiveCluster, saveCluster } from "./cluster-store.js";
import { paginate } from "../pagination.js";
import { untilWrite } from "../../store/until-write.js";
import { serviceCounts } from "../services/service-store.js";
import { dropAllTags, getTags, putTags, validateTags } from "../tags.js";
import { checkClusterProviders } from "../capacity-providers/capacity-providers.js";

const NAME = /^[a-zA-Z0-9_-]{1,255}$/;

function validateSettings(settings: ClusterSetting[] = []) {
  for (const s of settings) {
    if (s.name !== "containerInsights") throw invalidParameter(`Unsupported cluster setting name: ${s.name}`);
    if (!["enabled", "disabled", "enhanced"].includes(s.value ?? "")) {
      throw invalidParameter(`The cluster setting containerInsights must be enabled, enhanced or disabled.`);
    }
  }
}

/** Task counts come from the tasks themselves, so they are always true. */
function taskCounts(db: Db, ctx: RequestContext, arn: string) {
  const rows = db.prepare(
    `SELECT launch_type AS launchType, last_status AS status, count(*) AS n FROM tasks
     WHERE account = ? AND region = ? AND cluster_arn = ? AND last_status IN ('PROVISIONING','PENDING','ACTIVATING','RUNNING')
     GROUP BY launch_type, last_status`,
  ).all(ctx.account, ctx.region, arn) as Array<{ launchType: string; status: string; n: number }>;
  const count = (pred: (r: { launchType: string; status: string }) => boolean) => rows.filter(pred).reduce((a, r) => a + r.n, 0);
  const running = (r: { status: string }) => r.status === "RUNNING";
  return {
    runningTasksCount: count(running),
    pendingTasksCount: count((r) => !running(r)),
    statistics: [
      { name: "runningEC2TasksCount", value: String(count((r) => running(r) && r.launchType === "EC2")) },
      { name: "runningFargateTasksCount", value: String(count((r) => running(r) && r.launchType === "FARGATE")) },
      { name: "pendingEC2TasksCount", value: String(count((r) => !running(r) && r.launchType === "EC2")) },
      { name: "pendingFargateTasksCount", value: String(count((r) => !running(r) && r.launchType === "FARGATE")) },
    ],
  };
}

/** Service counts from the services themselves: ACTIVE and DRAINING, EC2 and Fargate (capacity providers count as Fargate). */
function serviceStatistics(db: Db, scope: Scope, arn: string) {
  const rows = serviceCounts(db, scope, arn);
  const count = (status: string, ec2: boolean) => rows.filter((r) => r.status === status && (r.launchType === "EC2") === ec2).reduce((a, r) => a + r.n, 0);
  return {
    activeServicesCount: count("ACTIVE", true) + count("ACTIVE", false),
    statistics: [
      { name: "activeEC2ServiceCount", value: String(count("ACTIVE", true)) },
      { name: "activeFargateServiceCount", value: String(count("ACTIVE", false)) },
      { name: "drainingEC2ServiceCount", value: String(count("DRAINING", true)) },
      { name: "drainingFargateServiceCount", value: String(count("DRAINING", false)) },
    ],
  };
}

/** The cluster as DescribeClusters shows it; `include` adds TAGS, SETTINGS and STATISTICS. */
export function presentCluster(db: Db, ctx: RequestContext, stored: Cluster, include: string[] = ["TAGS", "SETTINGS"]): Cluster {
  const { statistics, ...counts } = taskCounts(db, ctx, stored.clusterArn!);
  const services = serviceStatistics(db, ctx, stored.clusterArn!);
  return {
    ...stored,
    ...counts,
    registeredContainerInstancesCount: registeredCount(db, ctx, stored.clusterArn!),
    activeServicesCount: services.activeServicesCount,
    statistics: include.includes("STATISTICS") ? [...statistics, ...services.statistics] : [],
    tags: include.includes("TAGS") ? getTags(db, stored.clusterArn!) : [],
    settings: include.includes("SETTINGS") ? stored.settings : undefined,
    configuration: include.includes("CONFIGURATIONS") ? stored.configuration : undefined,
  };
}

export function clusterHandlers({ db }: EcsDeps): Record<string, Handler> {
  // One read transaction for the clusters and their counts (five statements each): besides
  // reading one consistent state, it takes SQLite's WAL read lock once rather than per
  // statement, which was most of what a statement cost. Made once: better-sqlite3 builds a
  // transaction's wrappers each time db.transaction is called.
  const describeClusters = db.transaction((refs: string[], ctx: RequestContext, include: string[]) => {
    const clusters: Cluster[] = [];
    const failures: Failure[] = [];
    for (const ref of refs) {
      let found: Cluster | undefined;
      try {
        found = findCluster(db, ctx, clusterNameOf(ctx, ref));
      } catch {
        found = undefined;
      }
      if (found) clusters.push(presentCluster(db, ctx, found, include));
      else failures.push({ arn: ref.startsWith("arn:") ? ref : clusterArn(ctx, ref), reason: "MISSING" });
    }
    return { clusters, failures };
  });
  // The hot read of the API (every `aws ecs` workflow polls it), answered from memory until the
  // next write: see untilWrite.
  const describeUnchanged = untilWrite(
    db,
    (refs: string[], ctx: RequestContext, include: string[]) => JSON.stringify([ctx.account, ctx.region, refs, include]),
    (refs: string[], ctx: RequestContext, include: string[]) => describeClusters(refs, ctx, include),
  );

  return {
    CreateCluster: (input: CreateClusterRequest, ctx: RequestContext) => {
      const name = input.clusterName ?? "default";
      if (!NAME.test(name)) {
        throw invalidParameter("Cluster name can have up to 255 characters: letters (uppercase and lowercase), numbers, underscores and hyphens.");
      }
      validateTags(input.tags);
      validateSettings(input.settings);
      return db.transaction(() => {
        const existing = findCluster(db, ctx, name);
        // As in ECS, creating a cluster that exists and is active returns it unchanged.
        if (existing?.status === "ACTIVE") return { cluster: presentCluster(db, ctx, existing) };
        const arn = clusterArn(ctx, name);
        checkClusterProviders(db, ctx, input.capacityProviders ?? [], input.defaultCapacityProviderStrategy ?? []);
        const cluster: Cluster = {
          clusterArn: arn,
          clusterName: name,
          status: "ACTIVE",
          // Without settings, Container Insights follows the containerInsights account setting.
          settings: input.settings?.length ? input.settings : [{ name: "containerInsights", value: effectiveSetting(db, ctx, "containerInsights").value }],
          capacityProviders: input.capacityProviders ?? [],
          defaultCapacityProviderStrategy: (input.defaultCapacityProviderStrategy ?? []).map((s) => ({ capacityProvider: s.capacityProvider, weight: s.weight ?? 0, base: s.base ?? 0 })),
          configuration: input.configuration,
          serviceConnectDefaults: input.serviceConnectDefaults?.namespace ? { namespace: input.serviceConnectDefaults.namespace } : undefined,
        };
        dropAllTags(db, arn);
        putTags(db, arn, input.tags);
        saveCluster(db, ctx, cluster);
        return { cluster: presentCluster(db, ctx, cluster) };
      })();
    },

    DescribeClusters: (input: DescribeClustersRequest, ctx: RequestContext) => {
      const refs = input.clusters?.length ? input.clusters : ["default"];
      if (refs.length > 100) throw invalidParameter("clusters can have at most 100 items.");
      return describeUnchanged(refs, ctx, input.include ?? []);
    },

    ListClusters: (input: ListClustersRequest, ctx: RequestContext) => {
      const arns = (db.prepare("SELECT arn FROM clusters WHERE account = ? AND region = ? AND status = 'ACTIVE' ORDER BY seq").all(ctx.account, ctx.region) as Array<{ arn: string }>).map((r) => r.arn);
      const { page, nextToken } = paginate(arns, input);
      return { clusterArns: page, nextToken };
    },

    DeleteCluster: (input: DeleteClusterRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const cluster = requireActiveCluster(db, ctx, input.cluster);
        // Services first: their tasks would otherwise be reported as the reason. A DRAINING
        // service still counts until it is INACTIVE, as in ECS.
        if (serviceCounts(db, ctx, cluster.clusterArn!).length > 0) throw clusterContainsServices();
        const active = db
          .prepare("SELECT 1 FROM tasks WHERE account = ? AND region = ? AND cluster_arn = ? AND (desired_status != 'STOPPED' OR last_status != 'STOPPED') LIMIT 1")
          .get(ctx.account, ctx.region, cluster.clusterArn);
        if (active) throw clusterContainsTasks();
        if (registeredCount(db, ctx, cluster.clusterArn!) > 0) throw clusterContainsInstances();
        const deleted: Cluster = { ...cluster, status: "INACTIVE" };
        saveCluster(db, ctx, deleted);
        return { cluster: presentCluster(db, ctx, deleted) };
      })(),

    UpdateCluster: (input: UpdateClusterRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const cluster = requireActiveCluster(db, ctx, input.cluster);
        validateSettings(input.settings);
        const updated: Cluster = {
          ...cluster,
          settings: input.settings ? mergeSettings(cluster.settings, input.settings) : cluster.settings,
          configuration: input.configuration ?? cluster.configuration,
          serviceConnectDefaults: input.serviceConnectDefaults?.namespace ? { namespace: input.serviceConnectDefaults.namespace } : cluster.serviceConnectDefaults,
        };
        saveCluster(db, ctx, updated);
        return { cluster: presentCluster(db, ctx, updated) };
      })(),

    UpdateClusterSettings: (input: UpdateClusterSettingsRequest, ctx: RequestContext) =>
      db.transaction(() => {
        const cluster = requireActiveCluster(db, ctx, input.cluster);
        validateSettings(input.settings);
        const updated: Cluster = { ...cluster, settings: mergeSettings(cluster.settings, input.settings ?? []) };
        saveCluster(db, ctx, updated);
        return { cluster: presentCluster(db, ctx, updated) };
      })(),
  };
}

function mergeSettings(current: ClusterSetting[] = [], changes: ClusterSetting[]): ClusterSetting[] {
  const byName = new Map(current.map((s) => [s.name, s]));
  for (const s of changes) byName.set(s.name, s);
  return [...byName.values()];
}

export { clusterNotFound };
