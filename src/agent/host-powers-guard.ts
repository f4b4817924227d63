import type Docker from "dockerode";
import { capabilityName, dockerVolumeViolation, hostPolicyViolation, type DockerVolumeRequest, type HostPolicy } from "../core/host-policy.js";
import { LABEL_BERTH } from "./labels.js";

/**
 * The agent's last word on what a container may do to its host, read from the very options the
 * engine is about to get. The control plane already refuses all of this (Fargate's rules at
 * registration and launch, the operator's policy at RunTask and the service APIs); this check
 * holds when something upstream was missed, stored by an older Berth, or sent by another server:
 * a Fargate container never gets privileged, the host's network, PID or IPC namespace, a host
 * path, a device, a security option or a capability beyond SYS_PTRACE, and no container gets what
 * this host's policy (its own config, which a remote agent's operator sets) refuses.
 * Returns why it is refused, or undefined.
 */
export function hostPowersRefusal(options: Docker.ContainerCreateOptions, container: string, fargate: boolean, policy: HostPolicy): string | undefined {
  const host = options.HostConfig ?? {};
  const hostPaths = (host.Binds ?? []).map((b) => b.split(":")[0] ?? "").filter((source) => source.startsWith("/"));
  if (fargate) {
    if (host.Privileged) return "Fargate tasks cannot run privileged containers";
    if (!host.NetworkMode?.startsWith("container:")) return `Fargate tasks cannot use network mode ${host.NetworkMode ?? "default"}`;
    if (host.PidMode === "host" || host.IpcMode === "host") return "Fargate tasks cannot share the host's PID or IPC namespace";
    if (hostPaths.length) return `Fargate tasks cannot bind host path ${hostPaths[0]}`;
    if (host.Devices?.length) return "Fargate tasks cannot use host devices";
    if (host.SecurityOpt?.length) return "Fargate tasks cannot set Docker security options";
    const cap = host.CapAdd?.find((c: string) => capabilityName(c) !== "SYS_PTRACE");
    if (cap !== undefined) return `Fargate tasks cannot add the ${cap} capability`;
  }
  return hostPolicyViolation(
    {
      networkMode: host.NetworkMode,
      pidMode: host.PidMode,
      ipcMode: host.IpcMode,
      containers: [{
        name: container,
        privileged: host.Privileged,
        capabilities: host.CapAdd,
        securityOptions: host.SecurityOpt,
        systemControls: Object.keys(host.Sysctls ?? {}),
        devices: host.Devices?.map((d: { PathOnHost?: string }) => d.PathOnHost ?? ""),
      }],
      hostPaths,
    },
    policy,
  );
}

/**
 * The same last word on a task's Docker volumes, checked before any is created: the driver and
 * options Berth would create one with (a local volume can bind any host path), and, for a shared
 * volume that already exists on this host, the volume itself. Under a host path allow-list an
 * existing volume is used only if this Berth created it (its label) and its driver and options
 * pass the same check: anything else on the host's engine (another application's data, a volume
 * an operator made to bind /etc) is not the API caller's to mount.
 */
export function volumeRefusal(volume: DockerVolumeRequest, policy: HostPolicy): string | undefined {
  return policy.hostPathAllowList ? dockerVolumeViolation(volume, policy.hostPathAllowList) : undefined;
}

export function existingVolumeRefusal(name: string, info: { Driver?: string; Options?: Record<string, string> | null; Labels?: Record<string, string> | null }, berthId: string, policy: HostPolicy): string | undefined {
  if (!policy.hostPathAllowList) return undefined;
  if (info.Labels?.[LABEL_BERTH] !== berthId) return `The operator's policy does not allow the Docker volume ${name}, which Berth did not create.`;
  return dockerVolumeViolation({ name, driver: info.Driver, driverOpts: info.Options ?? undefined }, policy.hostPathAllowList);
}
