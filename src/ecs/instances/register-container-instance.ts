import type { RegisterContainerInstanceRequest, Resource } from "@aws-sdk/client-ecs";
import type { RequestContext } from "../../aws/request-context.js";
import type { EcsDeps } from "../deps.js";
import { clusterNameOf, requireActiveCluster } from "../clusters/cluster-store.js";
import { invalidParameter } from "../errors.js";
import { validateTags } from "../tags.js";
import { instanceArnOf } from "./instance-refs.js";
import { attributeValue, findByEc2InstanceId, findInstance, type StoredInstance } from "./instance-store.js";
import { MAX_CUSTOM_ATTRIBUTES, PRIVATE_IP_ATTRIBUTE, isBuiltIn, validateAttribute } from "./instance-attributes.js";
import { parseIdentityDocument } from "./instance-identity.js";
import { AGENT_RESERVED_PORTS, capacityOf, resourcesOf, type Capacity } from "./instance-resources.js";
import { BERTH_AMI_ID, agentVersionInfo, cpuArchitecture, registerInstance, reregisterInstance } from "./instance-registration.js";
import { presentInstances } from "./instance-view.js";

/**
 * RegisterContainerInstance, as the ECS agent calls it. Berth runs the tasks of every instance
 * registered this way on its local engine (a remote host joins through `berth agent` and the
 * agent protocol instead: agent-link/remote-agent-hello.ts), so such an instance is connected
 * from the start. Registering again with its containerInstanceArn, or with
 * the same EC2 instance id, updates that instance instead of making another.
 */
export function registerContainerInstanceHandler({ db, clock, config }: EcsDeps, dockerVersion: string) {
  const defaults: Capacity = { cpu: config.instanceCpu, memory: config.instanceMemory, ports: AGENT_RESERVED_PORTS, portsUdp: [] };
  return (input: RegisterContainerInstanceRequest, ctx: RequestContext) => {
    for (const a of input.attributes ?? []) validateAttribute(a);
    if ((input.attributes ?? []).filter((a) => !isBuiltIn(a.name!)).length > MAX_CUSTOM_ATTRIBUTES) {
      throw invalidParameter(`An instance can have at most ${MAX_CUSTOM_ATTRIBUTES} custom attributes.`);
    }
    validateTags(input.tags);
    const identityDoc = parseIdentityDocument(input.instanceIdentityDocument, ctx.region);
    const registeredResources = totalResources(input.totalResources, defaults);
    const zones = ctx.region === config.region ? config.availabilityZones.split(",") : [`${ctx.region}a`];
    /** What the document leaves out: the instance's own values when it registers again (an EC2 instance's identity does not change), else Berth's defaults. */
    const registration = (existing?: StoredInstance) => {
      const had = (name: string) => (existing ? attributeValue(db, existing.instance.containerInstanceArn!, name) : undefined);
      const privateIp = identityDoc.privateIp ?? had(PRIVATE_IP_ATTRIBUTE);
      return {
        identity: {
          availabilityZone: identityDoc.availabilityZone ?? had("ecs.availability-zone") ?? zones[0]!,
          instanceType: identityDoc.instanceType ?? had("ecs.instance-type") ?? config.instanceType,
          amiId: identityDoc.imageId ?? had("ecs.ami-id") ?? BERTH_AMI_ID,
          cpuArchitecture: identityDoc.architecture ?? cpuArchitecture(),
          ...(privateIp ? { privateIp } : {}),
        },
        registeredResources: input.totalResources?.length ? registeredResources : existing?.instance.registeredResources ?? registeredResources,
        versionInfo: input.versionInfo ?? agentVersionInfo(dockerVersion),
        attributes: (input.attributes ?? []).map(({ name, value }) => ({ name, value })),
        // A loopback private address is where the instance publishes its bridge ports; any other
        // (an EC2 instance's VPC address) is not on this machine, so the ports go where Berth puts
        // them: the instance's address so far, else hostIp.
        hostIp: identityDoc.privateIp?.startsWith("127.") ? identityDoc.privateIp : existing?.hostIp ?? config.hostIp,
        now: clock.now(),
      };
    };

    const stored = db.transaction(() => {
      const cluster = requireActiveCluster(db, ctx, input.cluster);
      if (input.containerInstanceArn !== undefined) {
        const arn = instanceArnOf(ctx, clusterNameOf(ctx, input.cluster), input.containerInstanceArn);
        const existing = arn ? findInstance(db, arn) : undefined;
        if (!existing || existing.clusterArn !== cluster.clusterArn || existing.instance.status === "INACTIVE") {
          throw invalidParameter("The referenced container instance is not registered with this cluster.");
        }
        return reregisterInstance(db, ctx, existing, registration(existing));
      }
      if (identityDoc.instanceId) {
        const existing = findByEc2InstanceId(db, ctx, identityDoc.instanceId);
        if (existing && existing.clusterArn !== cluster.clusterArn) {
          throw invalidParameter(`The EC2 instance ${identityDoc.instanceId} is already registered with another cluster.`);
        }
        if (existing) return reregisterInstance(db, ctx, existing, registration(existing));
      }
      return registerInstance(db, ctx, cluster, { ...registration(), ec2InstanceId: identityDoc.instanceId, tags: input.tags });
    })();
    return { containerInstance: presentInstances(db, [stored], ["TAGS"], clock.now())[0] };
  };
}

/**
 * The instance's totalResources with ECS's names: CPU and MEMORY as INTEGER, PORTS and PORTS_UDP
 * as STRINGSET of port numbers. What the registrant leaves out gets Berth's default; resources
 * Berth does not place by (GPU, ...) are kept as given.
 */
function totalResources(given: Resource[] | undefined, defaults: Capacity): Resource[] {
  if (!given?.length) return resourcesOf(defaults);
  const seen = new Set<string>();
  for (const r of given) {
    if (!r.name) throw invalidParameter("Each resource in totalResources must have a name.");
    if (seen.has(r.name)) throw invalidParameter(`The resource ${r.name} is listed more than once in totalResources.`);
    seen.add(r.name);
    if (r.name === "CPU" || r.name === "MEMORY") {
      if (r.type !== undefined && r.type !== "INTEGER") throw invalidParameter(`The resource ${r.name} must be of type INTEGER.`);
      if (r.integerValue === undefined || r.integerValue < 0) throw invalidParameter(`The resource ${r.name} must have a non-negative integerValue.`);
    }
    if (r.name === "PORTS" || r.name === "PORTS_UDP") {
      if (r.type !== undefined && r.type !== "STRINGSET") throw invalidParameter(`The resource ${r.name} must be of type STRINGSET.`);
      if ((r.stringSetValue ?? []).some((p) => !/^\d{1,5}$/.test(p) || Number(p) > 65535)) throw invalidParameter(`The resource ${r.name} must list port numbers.`);
    }
  }
  const read = capacityOf(given);
  const capacity: Capacity = {
    cpu: seen.has("CPU") ? read.cpu : defaults.cpu,
    memory: seen.has("MEMORY") ? read.memory : defaults.memory,
    ports: seen.has("PORTS") ? read.ports : defaults.ports,
    portsUdp: seen.has("PORTS_UDP") ? read.portsUdp : defaults.portsUdp,
  };
  const others = given.filter((r) => !["CPU", "MEMORY", "PORTS", "PORTS_UDP"].includes(r.name!));
  return [...resourcesOf(capacity), ...others];
}
