import type Docker from "dockerode";
import type { LaunchSpec } from "./protocol/task-runner.js";
import type { AgentContext } from "./context.js";
import { LABEL_BERTH, LABEL_CONTAINER, LABEL_PAUSE, LABEL_TASK, LABEL_TASK_IP } from "./labels.js";
import { TaskManager } from "./task-manager.js";
import { planTask } from "./task-plan.js";

/**
 * Start-up reconciliation between what the store believes and what the engine has. Each task
 * the store believes is not STOPPED gets a manager that adopts, finishes stopping, or reports
 * STOPPED, as its containers allow (see TaskManager.recover). Containers of this Berth that
 * belong to no such task, nor to a stopped task the store still shows (`retained`), are removed,
 * with their task's volumes and cgroup. Resolves once every
 * decision is queued; the managers report as they carry them out.
 */
export async function recoverTasks(
  ctx: AgentContext,
  specs: LaunchSpec[],
  retained: Set<string>,
  managers: Map<string, TaskManager>,
  removeTask: (taskArn: string) => Promise<void>,
): Promise<void> {
  const { docker, berthId, log } = ctx;
  const listed = await docker.listContainers({ all: true, filters: { label: [`${LABEL_BERTH}=${berthId}`] } });
  const byTask = new Map<string, Docker.ContainerInfo[]>();
  for (const c of listed) {
    const arn = c.Labels[LABEL_TASK];
    if (arn) byTask.set(arn, [...(byTask.get(arn) ?? []), c]);
  }

  // Every address a surviving pause container holds is claimed before any manager runs: a
  // resumed launch allocating an address must never be handed one an adopted task still uses.
  const live = new Set(specs.filter((s) => s.task.lastStatus !== "STOPPED").map((s) => s.task.taskArn));
  for (const c of listed) {
    const arn = c.Labels[LABEL_TASK];
    const ip = c.Labels[LABEL_TASK_IP];
    if (arn && ip && c.Labels[LABEL_PAUSE] === "true" && c.State === "running" && live.has(arn)) ctx.ips.claim(arn, ip);
  }

  const known = new Set<string>();
  for (const spec of specs) {
    const plan = planTask(spec);
    if (!plan.taskArn || spec.task.lastStatus === "STOPPED" || managers.has(plan.taskArn)) continue;
    known.add(plan.taskArn);
    const found = new Map<string, Docker.ContainerInspectInfo>();
    let pause: Docker.ContainerInspectInfo | undefined;
    for (const c of byTask.get(plan.taskArn) ?? []) {
      let info: Docker.ContainerInspectInfo;
      try {
        info = await docker.getContainer(c.Id).inspect();
      } catch {
        continue; // removed since the listing
      }
      if (c.Labels[LABEL_PAUSE] === "true") pause = info;
      else if (c.Labels[LABEL_CONTAINER]) found.set(c.Labels[LABEL_CONTAINER], info);
    }
    const m = new TaskManager(ctx, plan, spec.task.lastStatus as TaskManager["status"]);
    // Adopted containers keep the credentials and metadata URIs they were started with.
    m.identity.adopt(found);
    m.identity.credentials = spec.credentials;
    m.credentialsError = spec.credentialsError;
    managers.set(plan.taskArn, m);
    m.recover(spec.task, found, pause);
    // The agent's start removed its predecessor's netfilter rules: an adopted task is routed again.
    void ctx.endpoints().then((e) => e?.taskAddressed(m)).catch(() => {});
  }

  const strays = [...byTask.keys()].filter((arn) => !known.has(arn) && !retained.has(arn) && !managers.has(arn));
  for (const arn of strays) {
    log.info({ taskArn: arn }, "removing containers of a task the store does not know as running");
    await removeTask(arn);
  }
}
