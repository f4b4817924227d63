import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { ServiceError } from "../../core/errors.js";
import { parseArn } from "../../core/arn.js";
import type { LaunchSpec } from "../../agent/protocol/task-runner.js";
import type { ContainerResources, LaunchResources } from "../../agent/protocol/launch-resources.js";
import type { SecretReader } from "../../secretsmanager/secret-reader.js";
import type { ParameterReader } from "../../ssm/parameter-reader.js";

/**
 * Resolves a task's `secrets`, `logConfiguration.secretOptions` and `repositoryCredentials` as
 * ECS's agent does with the execution role (launch-resources.ts says why the control plane does
 * it here): a Secrets Manager ARN, with an optional `:json-key:version-stage:version-id` after
 * the secret's own ARN, or a Parameter Store name or ARN (SecureStrings decrypted). The first
 * failure becomes the task's ResourceInitializationError in the ECS agent's words; it names the
 * secret or parameter, never a value.
 */
export interface TaskSecretSources {
  secrets: SecretReader;
  parameters: ParameterReader;
}

const RETRIEVAL = "unable to pull secrets or registry auth: execution resource retrieval failed";
const ASM = `${RETRIEVAL}: unable to retrieve secret from asm: service call has been retried 1 time(s)`;
const SSM = `${RETRIEVAL}: unable to retrieve secrets from ssm: service call has been retried 1 time(s)`;

class Unresolved extends Error {}

type Scope = { account: string; region: string };

/** arn:aws:secretsmanager:region:account:secret:name[:json-key[:version-stage[:version-id]]] */
function parseSecretRef(valueFrom: string) {
  const parts = valueFrom.split(":");
  const [jsonKey, versionStage, versionId] = parts.slice(7).map((p) => (p === "" ? undefined : p));
  return { secretId: parts.slice(0, 7).join(":"), region: parts[3] ?? "", account: parts[4] ?? "", jsonKey, versionStage, versionId };
}

const isSecretsManager = (valueFrom: string) => /^arn:aws[a-z-]*:secretsmanager:/.test(valueFrom);

function fromSecretsManager(src: TaskSecretSources, valueFrom: string): string {
  const ref = parseSecretRef(valueFrom);
  let value;
  try {
    value = src.secrets.secretValue({ account: ref.account, region: ref.region }, ref.secretId, { versionId: ref.versionId, versionStage: ref.versionStage });
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    throw new Unresolved(`${ASM}: failed to fetch secret ${ref.secretId} from secrets manager: ${err.code}: ${err.message}`);
  }
  if (!("SecretString" in value)) throw new Unresolved(`${ASM}: secret ${ref.secretId} holds a binary value (SecretBinary); only SecretString values can be injected`);
  if (ref.jsonKey === undefined) return value.SecretString;
  let object: unknown;
  try {
    object = JSON.parse(value.SecretString);
  } catch {
    throw new Unresolved(`${ASM}: retrieved secret ${ref.secretId} from Secrets Manager is not a JSON object, so it has no json key ${ref.jsonKey}`);
  }
  if (typeof object !== "object" || object === null || !Object.hasOwn(object, ref.jsonKey)) {
    throw new Unresolved(`${ASM}: retrieved secret from Secrets Manager did not contain json key ${ref.jsonKey}`);
  }
  const v = (object as Record<string, unknown>)[ref.jsonKey];
  return typeof v === "string" ? v : JSON.stringify(v);
}

function fromParameterStore(src: TaskSecretSources, valueFrom: string, task: Scope): string {
  // A name is looked up in the task's own account and Region; an ARN where it says.
  const arn = parseArn(valueFrom);
  const scope = arn ? { account: arn.account, region: arn.region } : task;
  try {
    return src.parameters.parameterValue(scope, valueFrom);
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    throw new Unresolved(`${SSM}: invalid parameters: ${valueFrom}`);
  }
}

function resolveContainer(src: TaskSecretSources, c: ContainerDefinition, task: Scope): ContainerResources {
  const value = (valueFrom: string | undefined) => {
    if (!valueFrom) throw new Unresolved(`${RETRIEVAL}: a secret of container ${c.name} has no valueFrom`);
    return isSecretsManager(valueFrom) ? fromSecretsManager(src, valueFrom) : fromParameterStore(src, valueFrom, task);
  };
  const out: ContainerResources = {
    environment: (c.secrets ?? []).map((s) => ({ name: s.name ?? "", value: value(s.valueFrom) })),
    logOptions: (c.logConfiguration?.secretOptions ?? []).map((s) => ({ name: s.name ?? "", value: value(s.valueFrom) })),
  };
  const credentials = c.repositoryCredentials?.credentialsParameter;
  if (credentials) {
    const text = fromSecretsManager(src, credentials);
    let login: { username?: unknown; password?: unknown } = {};
    try {
      login = JSON.parse(text) as typeof login;
    } catch {
      /* below */
    }
    if (typeof login.username !== "string" || typeof login.password !== "string") {
      throw new Unresolved(`${ASM}: secret ${parseSecretRef(credentials).secretId} for the private registry credentials of container ${c.name} is not a JSON object with a username and a password`);
    }
    out.registryAuth = { username: login.username, password: login.password };
  }
  return out;
}

const needsResources = (c: ContainerDefinition) =>
  (c.secrets?.length ?? 0) > 0 || (c.logConfiguration?.secretOptions?.length ?? 0) > 0 || c.repositoryCredentials?.credentialsParameter !== undefined;

/** The launch's resources; undefined when none of its containers needs any. */
export function resolveLaunchResources(src: TaskSecretSources, spec: LaunchSpec): LaunchResources | undefined {
  const defs = spec.taskDefinition.containerDefinitions ?? [];
  if (!defs.some(needsResources)) return undefined;
  const arn = parseArn(spec.task.taskArn ?? "");
  const task = { account: arn?.account ?? "", region: arn?.region ?? "" };
  try {
    return { containers: Object.fromEntries(defs.filter(needsResources).map((c) => [c.name ?? "", resolveContainer(src, c, task)])) };
  } catch (err) {
    if (err instanceof Unresolved) return { failure: err.message };
    // A value that cannot be unsealed (the data directory's key replaced): the task fails, the delivery does not.
    return { failure: `${RETRIEVAL}: ${(err as Error).message}` };
  }
}
