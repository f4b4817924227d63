import { realpathSync } from "node:fs";
import { posix } from "node:path";

/**
 * The operator's limits on the powers an EC2 task may take over its host. ECS lets whoever may
 * call RunTask run privileged containers and bind any host path; Berth does too by default, and
 * these settings take those powers away on hosts where the API's callers should not have them.
 */
export interface HostPolicy {
  /** false: containers with `privileged: true` are refused. */
  allowPrivileged: boolean;
  /** Absolute path prefixes a host volume's sourcePath must be equal to or under; unset: any path. */
  hostPathAllowList?: string[];
  /** Capabilities `linuxParameters.capabilities.add` may name (without CAP_); unset: any. */
  allowedCapabilities?: string[];
}

/** What a task definition asks of its host, in the shape both ECS and the agent hold. */
export interface HostRequest {
  containers: Array<{ name?: string; privileged?: boolean; linuxParameters?: { capabilities?: { add?: string[] } } }>;
  hostPaths: string[];
}

/** Resolves symbolic links of a path that exists, and throws otherwise (fs.realpathSync by default). */
export type RealPath = (path: string) => string;

/**
 * Why the policy refuses the request, in words an API caller can act on; undefined when it
 * allows it. Checked at RunTask, StartTask, CreateService and UpdateService on the server, and
 * again by the agent on its own host just before a launch.
 */
export function hostPolicyViolation(request: HostRequest, policy: HostPolicy, realpath: RealPath = realpathSync.native): string | undefined {
  for (const c of request.containers) {
    if (c.privileged && !policy.allowPrivileged) return `The operator's policy does not allow privileged containers (container ${c.name}).`;
    if (policy.allowedCapabilities) {
      const allowed = new Set(policy.allowedCapabilities.map(capabilityName));
      const refused = c.linuxParameters?.capabilities?.add?.find((cap) => !allowed.has(capabilityName(cap)));
      if (refused !== undefined) return `The operator's policy does not allow adding the ${refused} capability (container ${c.name}).`;
    }
  }
  if (policy.hostPathAllowList) {
    for (const path of request.hostPaths) {
      if (!hostPathAllowed(path, policy.hostPathAllowList, realpath)) return `The operator's policy does not allow the host path ${path}.`;
    }
  }
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
