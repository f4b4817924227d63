import type { Container, ManagedAgent } from "@aws-sdk/client-ecs";

/** The managed agent ECS runs beside each container of a task run with enableExecuteCommand. */
export const EXEC_AGENT = "ExecuteCommandAgent";

/** The agents of a new container of a task run with enableExecuteCommand: the ExecuteCommandAgent, PENDING. */
export const initialAgents = (): ManagedAgent[] => [{ name: EXEC_AGENT, lastStatus: "PENDING" }];

/**
 * The ExecuteCommandAgent follows its container, as on ECS: RUNNING (with lastStartedAt) once the
 * container runs, STOPPED once it stops. `at` is when the change was reported.
 */
export function followContainer(container: Container, at: Date): ManagedAgent[] | undefined {
  return container.managedAgents?.map((a) => {
    if (a.name !== EXEC_AGENT) return a;
    if (container.lastStatus === "RUNNING" && a.lastStatus === "PENDING") return { ...a, lastStatus: "RUNNING", lastStartedAt: at };
    if (container.lastStatus === "STOPPED" && a.lastStatus !== "STOPPED") return { ...a, lastStatus: "STOPPED" };
    return a;
  });
}
