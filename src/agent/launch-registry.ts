import type { Scope } from "../core/arn.js";
import type { Principal } from "../aws/request-context.js";
import type { LaunchSpec } from "./protocol/task-runner.js";
import type { RegistryAccess } from "./context.js";
import { resolveImage, taskScope } from "./image-ref.js";

/**
 * What a launch command carries so that an agent, remote or embedded, pulls the task's images
 * (docs/agent-protocol.md): the registry host ECR URIs are mapped to,
 * and a short-lived password for each account and region the task's images need. Never the
 * signing secret: an agent only ever holds passwords for the images it was asked to run.
 */
export interface LaunchRegistry {
  /** host:port of Berth's registry, as the server names it (config registryHost, else loopback). */
  host: string;
  passwords: Array<Scope & { password: string }>;
}

/** The distinct accounts and regions whose repositories the task's images are pulled from. */
export function registryScopes(spec: LaunchSpec, registryHost: string): Scope[] {
  const task = taskScope(spec.task.taskArn ?? "");
  const scopes = new Map<string, Scope>();
  for (const def of spec.taskDefinition.containerDefinitions ?? []) {
    const { scope } = resolveImage(def.image ?? "", { registryHost, task });
    if (scope) scopes.set(`${scope.account}/${scope.region}`, { account: scope.account, region: scope.region });
  }
  return [...scopes.values()];
}

/**
 * Server side: the launch's registry part, with passwords issued now for the scopes it needs, to
 * `principal` when given (the execution role's session: the registry then authorizes each pull
 * as that role), else the account's.
 */
export function launchRegistry(spec: LaunchSpec, issuer: RegistryIssuer, principal?: Principal): LaunchRegistry {
  const host = issuer.host();
  return { host, passwords: registryScopes(spec, host).map((s) => ({ ...s, password: issuer.password(s, principal) })) };
}

/** The server's registry as launches need it: its host, and passwords issued for a scope (to a principal). */
export interface RegistryIssuer {
  host(): string;
  password(scope: Scope, principal?: Principal): string;
}

/**
 * Agent side: a RegistryAccess fed by launch commands. The agent's runner is built once, but
 * credentials arrive with each launch; remember() is called just before the launch it came
 * with, so planning that launch sees its host and its pulls find its passwords. A later launch
 * replaces a scope's password with a fresher one.
 */
export function carriedRegistry(): RegistryAccess & { remember(r: LaunchRegistry | undefined): void } {
  let host = "";
  const passwords = new Map<string, string>();
  return {
    // "" until a launch names the host: the runner then maps nothing (see docker-runner).
    host: () => host,
    // An unknown scope gets an empty password: the registry refuses it, as it would a missing login.
    password: (s) => passwords.get(`${s.account}/${s.region}`) ?? "",
    remember(r) {
      if (!r) return;
      host = r.host;
      for (const p of r.passwords) passwords.set(`${p.account}/${p.region}`, p.password);
    },
  };
}
