import type {
  DiscoverPollEndpointRequest, ListServicesByNamespaceRequest, Service, SubmitAttachmentStateChangesRequest, SubmitContainerStateChangeRequest,
  SubmitTaskStateChangeRequest, UpdateContainerAgentRequest,
} from "@aws-sdk/client-ecs";
import { ServiceError } from "../../core/errors.js";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { EcsDeps } from "../deps.js";
import { clusterNameOf, requireActiveCluster } from "../clusters/cluster-store.js";
import { invalidParameter } from "../errors.js";
import { paginate } from "../pagination.js";
import { instanceArnOf } from "../instances/instance-refs.js";
import { findInstance } from "../instances/instance-store.js";
import { findTask, taskArnOf } from "../tasks/task-store.js";
import { serviceConnectNamespace } from "../services/service-connect.js";

/** What ECS acknowledges an agent's state change with. */
const ACK = "ACK";

/**
 * The operations of ECS's API that only the Amazon ECS agent calls. Berth's agents speak Berth's
 * agent protocol (docs/agent-protocol.md) at the same port, so:
 * - DiscoverPollEndpoint names this server for every endpoint (the agent protocol, telemetry and
 *   Service Connect all live at the one address);
 * - the Submit*StateChange operations check that what they name exists and acknowledge, as ECS
 *   does; a task's state is what its Berth agent reports, so these change nothing;
 * - UpdateContainerAgent has no newer agent to offer (an agent is updated with Berth itself) and
 *   answers as ECS answers an agent with no update path.
 * ListServicesByNamespace lists the services whose Service Connect configuration names the namespace.
 */
export function agentOperationHandlers({ db }: EcsDeps, { baseUrl }: { baseUrl: () => string }): Record<string, Handler> {
  const requireTask = (ctx: RequestContext, cluster: string | undefined, ref: string | undefined) => {
    requireActiveCluster(db, ctx, cluster);
    const arn = ref ? taskArnOf(ctx, clusterNameOf(ctx, cluster), ref) : undefined;
    if (!arn || !findTask(db, arn)) throw invalidParameter("The referenced task was not found.");
  };

  return {
    DiscoverPollEndpoint: (input: DiscoverPollEndpointRequest, ctx: RequestContext) => {
      if (input.cluster !== undefined) requireActiveCluster(db, ctx, input.cluster);
      const url = `${baseUrl()}/`;
      return { endpoint: url, telemetryEndpoint: url, serviceConnectEndpoint: url };
    },

    SubmitTaskStateChange: (input: SubmitTaskStateChangeRequest, ctx: RequestContext) => {
      requireTask(ctx, input.cluster, input.task);
      return { acknowledgment: ACK };
    },

    SubmitContainerStateChange: (input: SubmitContainerStateChangeRequest, ctx: RequestContext) => {
      requireTask(ctx, input.cluster, input.task);
      return { acknowledgment: ACK };
    },

    SubmitAttachmentStateChanges: (input: SubmitAttachmentStateChangesRequest, ctx: RequestContext) => {
      requireActiveCluster(db, ctx, input.cluster);
      if (!input.attachments?.length) throw invalidParameter("attachments must contain at least 1 item.");
      return { acknowledgment: ACK };
    },

    UpdateContainerAgent: (input: UpdateContainerAgentRequest, ctx: RequestContext) => {
      const cluster = requireActiveCluster(db, ctx, input.cluster);
      const arn = instanceArnOf(ctx, clusterNameOf(ctx, input.cluster), input.containerInstance!);
      const found = arn ? findInstance(db, arn) : undefined;
      if (!found || found.clusterArn !== cluster.clusterArn) throw invalidParameter("The referenced container instance was not found.");
      throw new ServiceError("NoUpdateAvailableException", "There is no update available for your container agent.");
    },

    ListServicesByNamespace: (input: ListServicesByNamespaceRequest, ctx: RequestContext) => {
      const wanted = input.namespace!;
      const named = (ns: string | undefined) => ns !== undefined && (ns === wanted || ns.endsWith(`/${wanted}`) || wanted.endsWith(`/${ns}`));
      const services = (db.prepare("SELECT arn, doc FROM services WHERE account = ? AND region = ? AND status != 'INACTIVE' ORDER BY seq")
        .all(ctx.account, ctx.region) as Array<{ arn: string; doc: string }>).map((r) => ({ arn: r.arn, service: JSON.parse(r.doc) as Service }));
      const using = services.filter(({ service }) => (service.deployments ?? []).some((d) => named(serviceConnectNamespace(d))));
      // Berth has no Cloud Map: a namespace exists when a cluster's Service Connect defaults or a service name it.
      const clusters = (db.prepare("SELECT doc FROM clusters WHERE account = ? AND region = ? AND status = 'ACTIVE'").all(ctx.account, ctx.region) as Array<{ doc: string }>)
        .map((r) => JSON.parse(r.doc) as { serviceConnectDefaults?: { namespace?: string } });
      if (using.length === 0 && !clusters.some((c) => named(c.serviceConnectDefaults?.namespace))) {
        throw new ServiceError("NamespaceNotFoundException", "The specified namespace wasn't found.");
      }
      const { page, nextToken } = paginate(using.map((s) => s.arn), input);
      return { serviceArns: page, nextToken };
    },
  };
}
