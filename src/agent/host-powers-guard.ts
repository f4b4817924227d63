import type Docker from "dockerode";
import { capabilityName, hostPolicyViolation, type HostPolicy } from "../core/host-policy.js";

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
  const refused = hostPolicyViolation({ containers: [{ name: container, privileged: host.Privileged, linuxParameters: { capabilities: { add: host.CapAdd } } }], hostPaths }, policy);
  return refused;
}
