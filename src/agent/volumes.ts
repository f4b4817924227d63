import type Docker from "dockerode";
import { LABEL_BERTH, LABEL_TASK, LABEL_VOLUME } from "./labels.js";
import { TaskError, engineMessage, engineStatus } from "./errors.js";
import type { TaskPlan } from "./task-plan.js";
import type { HostPolicy } from "../core/host-policy.js";
import { existingVolumeRefusal, volumeRefusal } from "./host-powers-guard.js";

/**
 * Docker volumes behind a task's volumes. Task-scoped ones (no host path, or
 * dockerVolumeConfiguration scope "task") are created for the task, labelled with it, and removed
 * at cleanup. Shared ones are created only when absent and autoprovision is set, and outlive
 * the task. Host paths need nothing: they are bind mounts. This host's policy is asked first
 * (host-powers-guard.ts): a local volume's options can bind a host path too.
 */
export async function createTaskVolumes(docker: Docker, berthId: string, plan: TaskPlan, policy: HostPolicy): Promise<void> {
  const volumes = plan.volumes.filter((v) => v.kind !== "host");
  // Every volume is checked before any is created, so a refused task leaves nothing behind.
  for (const v of volumes) {
    const refused = volumeRefusal({ name: v.name, driver: v.driver, driverOpts: v.driverOpts }, policy);
    if (refused) throw new TaskError("ResourceInitializationError", refused);
  }
  for (const v of volumes) {
    if (v.kind === "shared") {
      let existing: Docker.VolumeInspectInfo | undefined;
      try {
        existing = await docker.getVolume(v.source).inspect();
      } catch (err) {
        if (engineStatus(err) !== 404) throw new TaskError("CannotCreateVolumeError", engineMessage(err));
      }
      if (existing) {
        const refused = existingVolumeRefusal(v.source, existing, berthId, policy);
        if (refused) throw new TaskError("ResourceInitializationError", refused);
        continue;
      }
      if (!v.autoprovision) throw new TaskError("CannotCreateVolumeError", `shared volume ${v.source} does not exist and autoprovision is false`);
    }
    const labels: Record<string, string> = { ...(v.labels ?? {}), [LABEL_BERTH]: berthId, [LABEL_VOLUME]: v.name };
    if (v.kind === "task") labels[LABEL_TASK] = plan.taskArn;
    try {
      await docker.createVolume({ Name: v.source, Driver: v.driver ?? "local", DriverOpts: v.driverOpts ?? {}, Labels: labels });
    } catch (err) {
      throw new TaskError("CannotCreateVolumeError", engineMessage(err));
    }
  }
}

/** Removes the task-scoped volumes of a task (by label, so it works after a restart too). */
export async function removeTaskVolumes(docker: Docker, berthId: string, taskArn: string): Promise<void> {
  const { Volumes } = await docker.listVolumes({ filters: { label: [`${LABEL_BERTH}=${berthId}`, `${LABEL_TASK}=${taskArn}`] } });
  await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove().catch(() => {})));
}
