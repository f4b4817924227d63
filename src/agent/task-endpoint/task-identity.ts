import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { TaskRoleCredentials } from "../protocol/task-runner.js";

/** The address ECS tasks reach their agent's credentials and metadata endpoints at. */
export const ENDPOINT_ADDRESS = "169.254.170.2";
export const CREDENTIALS_URI_ENV = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
export const METADATA_V4_ENV = "ECS_CONTAINER_METADATA_URI_V4";
export const METADATA_V3_ENV = "ECS_CONTAINER_METADATA_URI";
/** ECS's agent API for the task (task scale-in protection): /api/<the container's metadata id>. */
export const AGENT_URI_ENV = "ECS_AGENT_URI";

/**
 * 32 bytes from the CSPRNG, hex: nobody guesses one (the ECScape / CVE-2025-9039 class of attack
 * starts from a predictable or listable id); the endpoint lists none.
 */
const unguessable = () => randomBytes(32).toString("hex");

/**
 * What makes a task known to its credentials and metadata endpoints: the random id in its
 * credentials URI, one random id per container in its metadata URIs, and its role session.
 * The ids reach the containers only through their environment; after an agent restart they are
 * read back from the containers (adopt), so adopted tasks keep their URIs.
 */
export class TaskIdentity {
  credentialsId = unguessable();
  /** metadata id -> container name. */
  readonly metadataIds = new Map<string, string>();
  /** Set while the task may use its role; cleared when it stops. */
  credentials?: TaskRoleCredentials;

  constructor(containerNames: string[], readonly hasRole: boolean) {
    for (const name of containerNames) this.metadataIds.set(unguessable(), name);
  }

  metadataIdOf(container: string): string {
    return [...this.metadataIds].find(([, n]) => n === container)![0];
  }

  /** The variables ECS's agent gives every container of the task (the credentials URI only to tasks with a role). */
  environment(container: string, extra: Record<string, string>): Record<string, string> {
    const id = this.metadataIdOf(container);
    return {
      ...extra,
      [METADATA_V3_ENV]: `http://${ENDPOINT_ADDRESS}/v3/${id}`,
      [METADATA_V4_ENV]: `http://${ENDPOINT_ADDRESS}/v4/${id}`,
      [AGENT_URI_ENV]: `http://${ENDPOINT_ADDRESS}/api/${id}`,
      ...(this.hasRole ? { [CREDENTIALS_URI_ENV]: `/v2/credentials/${this.credentialsId}` } : {}),
    };
  }

  /** An adopted task's containers already hold their URIs: the ids are taken from their environment. */
  adopt(found: Map<string, Docker.ContainerInspectInfo>): void {
    for (const [name, info] of found) {
      const env = new Map((info.Config.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
      const credentials = /^\/v2\/credentials\/([0-9a-f]{64})$/.exec(env.get(CREDENTIALS_URI_ENV) ?? "");
      if (credentials) this.credentialsId = credentials[1]!;
      const metadata = /\/v4\/([0-9a-f]{64})$/.exec(env.get(METADATA_V4_ENV) ?? "");
      if (metadata) {
        this.metadataIds.delete(this.metadataIdOf(name));
        this.metadataIds.set(metadata[1]!, name);
      }
    }
  }
}

/** ECS's credentials document (what the SDKs' container credential providers parse). */
export function credentialsDocument(c: TaskRoleCredentials) {
  return { RoleArn: c.roleArn, AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.sessionToken, Expiration: c.expiration.replace(/\.\d+Z$/, "Z") };
}
