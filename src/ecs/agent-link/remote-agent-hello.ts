import type { Db } from "../../store/database.js";
import type { Config } from "../../core/config.js";
import type { Clock } from "../../core/clock.js";
import type { Scope } from "../../core/arn.js";
import type { Hello } from "../../agent/protocol/messages.js";
import type { LaunchSpec } from "../../agent/protocol/task-runner.js";
import { requireActiveCluster } from "../clusters/cluster-store.js";
import { findInstance, type StoredInstance } from "../instances/instance-store.js";
import { AGENT_RESERVED_PORTS, resourcesOf } from "../instances/instance-resources.js";
import { BERTH_AMI_ID, ECS_AGENT_VERSION, cpuArchitecture, registerInstance, reregisterInstance } from "../instances/instance-registration.js";
import { definitionOfTask } from "../tasks/definition-of-task.js";
import { parseArn } from "../../core/arn.js";
import { REMOTE_AGENT_HASH, tasksOnInstance } from "../instances/remote-instances.js";

/**
 * RegisterContainerInstance for a `berth agent`: a new instance on first hello, the same one
 * (same ARN, custom attributes and tags kept) when the agent names the ARN it remembers and that
 * instance is still registered in the cluster. Resources are the agent host's.
 */
export function registerAgent(db: Db, config: Config, clock: Clock, h: Hello): StoredInstance {
  const scope: Scope = { account: config.accountId, region: config.region };
  const zones = config.availabilityZones.split(",");
  return db.transaction(() => {
    const cluster = requireActiveCluster(db, scope, h.cluster);
    const registration = {
      identity: {
        availabilityZone: h.availabilityZone ?? zones[0]!,
        instanceType: h.instanceType ?? config.instanceType,
        amiId: BERTH_AMI_ID,
        cpuArchitecture: cpuArchitecture(),
      },
      registeredResources: resourcesOf({ cpu: h.cpu, memory: h.memory, ports: AGENT_RESERVED_PORTS, portsUdp: [] }),
      versionInfo: { agentVersion: ECS_AGENT_VERSION, agentHash: REMOTE_AGENT_HASH, dockerVersion: `DockerVersion: ${h.dockerVersion}` },
      attributes: h.attributes ?? [],
      hostIp: h.hostIp,
      now: clock.now(),
    };
    const existing = h.containerInstanceArn ? findInstance(db, h.containerInstanceArn) : undefined;
    if (existing && existing.clusterArn === cluster.clusterArn && existing.instance.status !== "INACTIVE") {
      return reregisterInstance(db, scope, existing, registration);
    }
    return registerInstance(db, scope, cluster, registration);
  })();
}

/**
 * What a new agent process is told to reconcile: the tasks the store still runs on its instance
 * (adopted if their containers run, reported STOPPED if not), then stops for those whose stop was
 * asked while it was away. Every other container of the agent is removed — including those of
 * tasks the server stopped while the agent was lost, so no task ever runs twice.
 */
export function reconcileCommands(db: Db, instanceArn: string): { specs: LaunchSpec[]; stops: LaunchSpec[] } {
  const specs: LaunchSpec[] = [];
  const instance = findInstance(db, instanceArn);
  for (const task of tasksOnInstance(db, instanceArn, true)) {
    const arn = parseArn(task.taskArn!)!;
    const def = definitionOfTask(db, { account: arn.account, region: arn.region }, task.taskDefinitionArn!);
    if (def) specs.push({ task, taskDefinition: def, hostIp: instance?.hostIp });
  }
  return { specs, stops: specs.filter((s) => s.task.desiredStatus === "STOPPED") };
}
