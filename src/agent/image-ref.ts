import type { Scope } from "../core/arn.js";

/**
 * Where a container's image comes from, decided from the text of its reference alone.
 *
 * Berth's registry serves every account and region on one host and picks the account and
 * region by the credentials presented (docs/registry.md). So:
 * - an ECR URI (`<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repo>[:tag|@digest]`, also the
 *   FIPS endpoints) is rewritten to Berth's registry host, and pulled with credentials for the
 *   account and region the URI names: task definitions written for AWS run unchanged;
 * - a reference that names Berth's registry host itself is pulled with credentials for the
 *   task's own account and region (what `repositoryUri` gives the task's owner);
 * - anything else is left to the engine as it is.
 */
export interface ImageSource {
  /** The reference the engine pulls and creates the container from. */
  ref: string;
  /** Set when the image is in Berth's registry: whose repositories the pull must see. */
  scope?: Scope;
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.amazonaws\.com(?:\.cn)?(?::443)?$/i;

/** The registry part of a Docker reference: the text before the first '/', when it names a host. */
export function registryOf(image: string): string | undefined {
  const slash = image.indexOf("/");
  if (slash <= 0) return undefined;
  const first = image.slice(0, slash);
  // Docker's rule: the first component is a registry when it has a dot or a port, or is localhost.
  return first.includes(".") || first.includes(":") || first === "localhost" ? first : undefined;
}

/** The account and region an ECR registry host names, or undefined for any other host. */
export function ecrScope(host: string): Scope | undefined {
  const m = ECR_HOST.exec(host);
  return m ? { account: m[1]!, region: m[2]!.toLowerCase() } : undefined;
}

/** The account and region in a task ARN (arn:aws:ecs:<region>:<account>:task/...). */
export function taskScope(taskArn: string): Scope | undefined {
  const parts = taskArn.split(":");
  return parts.length >= 6 && parts[0] === "arn" && /^\d{12}$/.test(parts[4]!) && parts[3] ? { region: parts[3], account: parts[4]! } : undefined;
}

export interface ResolveOptions {
  /** host:port of Berth's registry, as repositoryUri names it; undefined when there is none. */
  registryHost?: string;
  /** The task's own account and region, for references that name Berth's registry host. */
  task?: Scope;
}

export function resolveImage(image: string, { registryHost, task }: ResolveOptions): ImageSource {
  const host = registryOf(image);
  if (host === undefined || registryHost === undefined) return { ref: image };
  const ecr = ecrScope(host);
  if (ecr) return { ref: registryHost + image.slice(host.length), scope: ecr };
  if (host.toLowerCase() === registryHost.toLowerCase() && task) return { ref: image, scope: task };
  return { ref: image };
}
