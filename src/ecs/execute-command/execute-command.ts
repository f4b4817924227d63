import type { Container, ExecuteCommandRequest, ExecuteCommandResponse } from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import { ServiceError } from "../../core/errors.js";
import type { Db } from "../../store/database.js";
import { clusterNameOf, requireActiveCluster } from "../clusters/cluster-store.js";
import { invalidParameter } from "../errors.js";
import { findTask, taskArnOf } from "../tasks/task-store.js";
import { commandWords } from "./command-words.js";
import type { ContainerShells } from "../../agent/container-shell.js";
import { DATA_CHANNEL_PATH } from "./data-channel-route.js";
import type { ExecSessions } from "./exec-sessions.js";
import { EXEC_AGENT } from "./managed-agent.js";
import { sessionLog } from "./session-logging.js";
import { definitionOfTask } from "../tasks/definition-of-task.js";

/** ECS's answer when the task was not run with execute command, or its agent is not running. */
const NOT_ENABLED = "The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running. Wait and try again or run a new task with execute command enabled and try again.";
/** ECS's answer when the session cannot reach the container (here: it does not run on this server's engine). */
const targetNotConnected = () => new ServiceError("TargetNotConnectedException", "The execute command failed due to an internal error. Try again later.");

/**
 * ExecuteCommand: a session for one command in one running container of a task run with
 * enableExecuteCommand. The answer's streamUrl is this server's data channel (data-channel-route.ts)
 * and its tokenValue opens it once.
 */
export function executeCommandHandlers({ db, sessions, shells, baseUrl }: {
  db: Db; sessions: ExecSessions; shells: ContainerShells; baseUrl: () => string;
}): Record<string, Handler> {
  return {
    ExecuteCommand: async (input: ExecuteCommandRequest, ctx: RequestContext): Promise<ExecuteCommandResponse> => {
      if (!input.interactive) throw invalidParameter("Interactive is the only mode supported currently.");
      const words = commandWords(input.command!);
      if (!words?.length) throw invalidParameter("The command is not valid: it names no program, or a quote is left open.");
      const cluster = requireActiveCluster(db, ctx, input.cluster);
      const arn = taskArnOf(ctx, clusterNameOf(ctx, input.cluster), input.task!);
      const task = arn ? findTask(db, arn) : undefined;
      if (!task) throw invalidParameter("The referenced task was not found.");
      const containers = task.containers ?? [];
      let container: Container | undefined = containers[0];
      if (input.container !== undefined) {
        container = containers.find((c) => c.name === input.container);
        if (!container) throw invalidParameter(`The container ${input.container} does not exist in the task.`);
      } else if (containers.length > 1) {
        throw invalidParameter("The task has more than one container: specify the container to run the command in.");
      }
      const agent = container?.managedAgents?.find((a) => a.name === EXEC_AGENT);
      if (!task.enableExecuteCommand || !container || task.lastStatus !== "RUNNING" || container.lastStatus !== "RUNNING" || (agent && agent.lastStatus !== "RUNNING") || !container.runtimeId) {
        throw invalidParameter(NOT_ENABLED);
      }
      const target = { taskArn: task.taskArn!, containerName: container.name!, runtimeId: container.runtimeId };
      if (!(await shells.reachable(target))) throw targetNotConnected();
      const definition = definitionOfTask(db, ctx, task.taskDefinitionArn!)?.containerDefinitions?.find((c) => c.name === container.name);
      const log = sessionLog(cluster, definition, ctx.region);
      const { sessionId, tokenValue } = sessions.issue({ ...target, clusterArn: cluster.clusterArn!, command: input.command!, ...(log ? { log } : {}) });
      return {
        clusterArn: cluster.clusterArn,
        containerArn: container.containerArn,
        containerName: container.name,
        interactive: true,
        taskArn: task.taskArn,
        session: {
          sessionId,
          streamUrl: `${baseUrl().replace(/^http/, "ws")}${DATA_CHANNEL_PATH}${sessionId}?role=publish_subscribe`,
          tokenValue,
        },
      };
    },
  };
}
