import { realpathSync } from "node:fs";
import { posix } from "node:path";

/**
 * The operator's limits on the powers an EC2 task may take over its host. ECS lets whoever may
 * call RunTask run privileged containers and bind any host path; Berth does too by default, and
 * these settings take those powers away on hosts where the API's callers should not have them.
 */
export interface HostPolicy {
  /** false: privileged containers are refused, and all that amounts to privilege (see hostPolicyViolation). */
  allowPrivileged: boolean;
  /**
   * Absolute path prefixes a host volume's sourcePath, or a Docker volume's bind device, must be
   * equal to or under; unset: any path. Set, it also limits Docker volumes (dockerVolumeViolation).
   */
  hostPathAllowList?: string[];
  /** Capabilities `linuxParameters.capabilities.add` may name (without CAP_); unset: any. */
  allowedCapabilities?: string[];
}

/** What a task asks of its host, in a shape both ECS (the definition) and the agent (Docker's options) can give. */
export interface HostRequest {
  /** The task's network, PID and IPC modes; "host" shares the host's. */
  networkMode?: string;
  pidMode?: string;
  ipcMode?: string;
  containers: Array<{
    name?: string;
    privileged?: boolean;
    /** Capabilities added (linuxParameters.capabilities.add, Docker's CapAdd). */
    capabilities?: string[];
    /** dockerSecurityOptions (Docker's SecurityOpt). */
    securityOptions?: string[];
    /** The names of the container's systemControls (Docker's Sysctls). */
    systemControls?: string[];
    /** Host devices' paths (linuxParameters.devices, Docker's Devices). */
    devices?: string[];
  }>;
  hostPaths: string[];
  /** Docker volumes the task would create (dockerVolumeConfiguration): a driver and its options can mount host paths too. */
  dockerVolumes?: DockerVolumeRequest[];
}

export interface DockerVolumeRequest {
  name: string;
  driver?: string;
  driverOpts?: Record<string, string>;
}

/** Resolves symbolic links of a path that exists, and throws otherwise (fs.realpathSync by default). */
export type RealPath = (path: string) => string;

/**
 * Capabilities that act on the host's kernel rather than on the container's own namespaces, so
 * that adding one amounts to privilege: loading modules (SYS_MODULE), mounting and most of the
 * rest (SYS_ADMIN), raw I/O and kernel memory (SYS_RAWIO, BPF, PERFMON, SYSLOG), reading any
 * host file by handle (DAC_READ_SEARCH, the "shocker" escape), the security modules' policy
 * (MAC_*), and the host's clock, accounting and reboot. allowPrivileged=false refuses them
 * unless the operator lists them in allowedCapabilities. SYS_PTRACE and NET_ADMIN stay allowed:
 * without the host's PID namespace or network (which the same setting refuses) they reach only
 * the task's own processes and network.
 */
export const ROOT_EQUIVALENT_CAPABILITIES = new Set([
  "ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_RAWIO", "SYS_BOOT", "SYS_TIME", "SYS_PACCT", "DAC_READ_SEARCH", "BPF", "PERFMON", "MAC_ADMIN", "MAC_OVERRIDE", "SYSLOG",
]);

/** The one Docker security option that only takes power away: every other one unconfines or relabels. */
const harmlessSecurityOption = (option: string) => /^no-new-privileges([=:](true|false))?$/i.test(option.trim());

/**
 * Sysctls the kernel keeps per container (Docker's own list of namespaced ones): with the host's
 * network and IPC namespaces refused, setting them changes nothing outside the task.
 */
const namespacedSysctl = (name: string) => /^(net\.|kernel\.shm|kernel\.msg|fs\.mqueue\.)/.test(name) || name === "kernel.sem";

/**
 * Why the policy refuses the request, in words an API caller can act on; undefined when it
 * allows it. Checked at RunTask, StartTask, CreateService and UpdateService on the server, and
 * again by the agent on its own host just before a launch.
 *
 * allowPrivileged=false refuses privileged containers and what amounts to them: the host's
 * network (every loopback-only service, Berth's own endpoints included), PID or IPC namespace,
 * security options other than no-new-privileges (apparmor/seccomp unconfined, label disable),
 * sysctls outside the per-container namespaces, host devices, and the capabilities in
 * ROOT_EQUIVALENT_CAPABILITIES unless allowedCapabilities, the operator's explicit list, is set.
 */
export function hostPolicyViolation(request: HostRequest, policy: HostPolicy, realpath: RealPath = realpathSync.native): string | undefined {
  if (!policy.allowPrivileged) {
    if (request.networkMode === "host") return "The operator's policy does not allow network mode host.";
    if (request.pidMode === "host") return "The operator's policy does not allow pidMode host.";
    if (request.ipcMode === "host") return "The operator's policy does not allow ipcMode host.";
  }
  for (const c of request.containers) {
    if (c.privileged && !policy.allowPrivileged) return `The operator's policy does not allow privileged containers (container ${c.name}).`;
    if (!policy.allowPrivileged) {
      const option = c.securityOptions?.find((o) => !harmlessSecurityOption(o));
      if (option !== undefined) return `The operator's policy does not allow the Docker security option ${option} (container ${c.name}).`;
      const sysctl = c.systemControls?.find((n) => !namespacedSysctl(n));
      if (sysctl !== undefined) return `The operator's policy does not allow the system control ${sysctl} (container ${c.name}).`;
      if (c.devices?.length) return `The operator's policy does not allow host devices (container ${c.name}).`;
      const rootCap = policy.allowedCapabilities ? undefined : c.capabilities?.find((cap) => ROOT_EQUIVALENT_CAPABILITIES.has(capabilityName(cap)));
      if (rootCap !== undefined) return `The operator's policy does not allow adding the ${rootCap} capability (container ${c.name}).`;
    }
    if (policy.allowedCapabilities) {
      const allowed = new Set(policy.allowedCapabilities.map(capabilityName));
      const refused = c.capabilities?.find((cap) => !allowed.has(capabilityName(cap)));
      if (refused !== undefined) return `The operator's policy does not allow adding the ${refused} capability (container ${c.name}).`;
    }
  }
  if (policy.hostPathAllowList) {
    for (const path of request.hostPaths) {
      if (!hostPathAllowed(path, policy.hostPathAllowList, realpath)) return `The operator's policy does not allow the host path ${path}.`;
    }
    for (const volume of request.dockerVolumes ?? []) {
      const refused = dockerVolumeViolation(volume, policy.hostPathAllowList, realpath);
      if (refused) return refused;
    }
  }
  return undefined;
}

/**
 * Under a host path allow-list, what a Docker volume may be: the local driver's own volumes and
 * tmpfs, or a bind of a host path (options type none, or o with bind: the local driver then
 * bind-mounts `device`) that the list allows. Any other driver is refused: a plugin can mount
 * whatever it likes. So is any other mount of a `device` (a disk, a network file system), which
 * reaches past the list just as well.
 */
export function dockerVolumeViolation(volume: DockerVolumeRequest, allowList: string[], realpath: RealPath = realpathSync.native): string | undefined {
  const driver = volume.driver ?? "local";
  if (driver !== "local") return `The operator's policy does not allow the volume driver ${driver} (volume ${volume.name}).`;
  const { type, o, device } = volume.driverOpts ?? {};
  if (type === "none" || /bind/i.test(o ?? "")) {
    return device !== undefined && hostPathAllowed(device, allowList, realpath) ? undefined : `The operator's policy does not allow the host path ${device ?? ""}.`;
  }
  if (device !== undefined && type !== "tmpfs") return `The operator's policy does not allow mounting ${device} (volume ${volume.name}).`;
  return undefined;
}

/** SYS_ADMIN and CAP_SYS_ADMIN name the same capability, as Docker reads them. */
export const capabilityName = (cap: string) => cap.toUpperCase().replace(/^CAP_/, "");

/**
 * Whether a sourcePath is one of the allowed prefixes or under one, as Docker would bind it:
 * relative paths and `..` segments are refused outright (nothing legitimate needs them), and
 * symbolic links are resolved in the part of the path that exists, so a link inside an allowed
 * directory cannot lead out of it. The part that does not exist yet (Docker creates it) cannot
 * hold a link. A link made between this check and the container's creation is not seen; the
 * agent checks again just before it creates the containers, on the host that binds the path.
 */
export function hostPathAllowed(path: string, allowList: string[], realpath: RealPath = realpathSync.native): boolean {
  if (!posix.isAbsolute(path) || path.split("/").includes("..")) return false;
  const resolved = resolveExisting(posix.normalize(path), realpath);
  return allowList.some((prefix) => {
    const base = resolveExisting(posix.normalize(prefix), realpath);
    return resolved === base || resolved.startsWith(base === "/" ? "/" : base + "/");
  });
}

/** The path with its longest existing ancestor replaced by that ancestor's real path. */
function resolveExisting(path: string, realpath: RealPath): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const rest: string[] = [];
  let head = trimmed;
  for (;;) {
    try {
      const real = realpath(head);
      return rest.length ? posix.join(real, ...rest.reverse()) : real;
    } catch {
      if (head === "/") return trimmed;
      rest.push(posix.basename(head));
      head = posix.dirname(head);
    }
  }
}
