/**
 * A task's secrets as a launch carries them to its agent (docs/agent-protocol.md). ECS's agent
 * fetches them itself with the execution role; Berth's control plane resolves them instead, as
 * it delivers the launch, and the agent receives values, not references. Why: the agent must
 * not import the control plane, a remote agent would otherwise need a route and credentials
 * for Secrets Manager and Parameter Store of its own, and the store that holds the sealed
 * values and their key stays in the server. A launch queued for an agent that is away gets
 * its values when it is delivered, never earlier, and the values are never stored with the
 * task or its commands. The delivery travels over the agent protocol like the registry
 * passwords do.
 */
export type LaunchResources =
  /** Resolution failed: the ResourceInitializationError message (names the secret, never a value). */
  | { failure: string }
  | { containers: Record<string, ContainerResources> };

export interface ContainerResources {
  /** `secrets`, as the container's environment variables. */
  environment: Array<{ name: string; value: string }>;
  /** `logConfiguration.secretOptions`, as log driver options. */
  logOptions: Array<{ name: string; value: string }>;
  /** `repositoryCredentials`: the private registry login the image is pulled with. */
  registryAuth?: { username: string; password: string };
}

/** Every value a launch's resources carry, for redaction. */
export function resourceValues(r: LaunchResources | undefined): string[] {
  if (!r || "failure" in r) return [];
  return Object.values(r.containers).flatMap((c) => [
    ...c.environment.map((e) => e.value),
    ...c.logOptions.map((e) => e.value),
    ...(c.registryAuth ? [c.registryAuth.password] : []),
  ]);
}
