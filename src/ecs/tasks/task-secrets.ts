import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { ServiceError } from "../../core/errors.js";
import { parseArn } from "../../core/arn.js";
import type { LaunchSpec } from "../../agent/protocol/task-runner.js";
import type { ContainerResources, LaunchResources } from "../../agent/protocol/launch-resources.js";
import type { SecretReader } from "../../secretsmanager/secret-reader.js";
import type { ParameterReader } from "../../ssm/parameter-reader.js";
import { resolveImage, taskScope } from "../../agent/image-ref.js";
import { executionRoleOf, type ExecutionRoleGate, type ExecutionRolePermissions } from "./execution-role.js";

/**
 * Resolves a task's `secrets`, `logConfiguration.secretOptions` and `repositoryCredentials` as
 * ECS's agent does with the execution role (launch-resources.ts says why the control plane does
 * it here): a Secrets Manager ARN, with an optional `:json-key:version-stage:version-id` after
 * the secret's own ARN, or a Parameter Store name or ARN (SecureStrings decrypted). The first
 * failure becomes the task's ResourceInitializationError in the ECS agent's words; it names the
 * secret or parameter, never a value.
 *
 * With iamEnforcement (`executionRole`), each of those reads, and the pulls of images from
 * Berth's registry, must be allowed by the execution role's policies: secretsmanager:
 * GetSecretValue on the secret's ARN, ssm:GetParameters on the parameter's ARN (kms:Decrypt is not
 * asked: there is no KMS), ecr:GetAuthorizationToken, then ecr:BatchGetImage and
 * ecr:GetDownloadUrlForLayer on each image's repository. A refused read fails the task as the
 * ECS agent's AccessDeniedException would; a refused pull is given to the agent as the
 * container's pull failure (CannotPullContainerError).
 */
export interface TaskSecretSources {
  secrets: SecretReader;
  parameters: ParameterReader;
  executionRole?: ExecutionRoleGate;
  /** host:port of Berth's registry, to tell which images are pulled from it. */
  registryHost?: () => string;
}

const RETRIEVAL = "unable to pull secrets or registry auth: execution resource retrieval failed";
const ASM = `${RETRIEVAL}: unable to retrieve secret from asm: service call has been retried 1 time(s)`;
const SSM = `${RETRIEVAL}: unable to retrieve secrets from ssm: service call has been retried 1 time(s)`;
const ECR = `${RETRIEVAL}: unable to retrieve ecr registry auth: service call has been retried 3 time(s)`;

class Unresolved extends Error {}

type Scope = { account: string; region: string };

/** arn:aws:secretsmanager:region:account:secret:name[:json-key[:version-stage[:version-id]]] */
function parseSecretRef(valueFrom: string) {
  const parts = valueFrom.split(":");
  const [jsonKey, versionStage, versionId] = parts.slice(7).map((p) => (p === "" ? undefined : p));
  return { secretId: parts.slice(0, 7).join(":"), region: parts[3] ?? "", account: parts[4] ?? "", jsonKey, versionStage, versionId };
}

const isSecretsManager = (valueFrom: string) => /^arn:aws[a-z-]*:secretsmanager:/.test(valueFrom);

function fromSecretsManager(src: TaskSecretSources, valueFrom: string, task: Scope, role?: ExecutionRolePermissions): string {
  const ref = parseSecretRef(valueFrom);
  // Authorized on the secret's full ARN (a partial ARN resolved), as Secrets Manager does.
  const denied = role?.denial("secretsmanager:GetSecretValue", src.secrets.secretArn({ account: ref.account, region: ref.region }, ref.secretId) ?? ref.secretId);
  if (denied !== undefined) throw new Unresolved(`${ASM}: failed to fetch secret ${ref.secretId} from secrets manager: AccessDeniedException: ${denied}`);
  let value;
  try {
    value = src.secrets.secretValue({ account: ref.account, region: ref.region }, ref.secretId, { versionId: ref.versionId, versionStage: ref.versionStage }, task.account);
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

/** A parameter's ARN, without a `:version` or `:label` selector: arn:aws:ssm:REGION:ACCOUNT:parameter/NAME. */
function parameterArn(valueFrom: string, scope: Scope): string {
  const arn = parseArn(valueFrom);
  const name = (arn ? valueFrom.slice(valueFrom.indexOf(":parameter") + ":parameter".length) : valueFrom).replace(/:[^/:]*$/, "");
  return `arn:aws:ssm:${scope.region}:${scope.account}:parameter${name.startsWith("/") ? "" : "/"}${name}`;
}

function fromParameterStore(src: TaskSecretSources, valueFrom: string, task: Scope, role?: ExecutionRolePermissions): string {
  // A name is looked up in the task's own account and Region; an ARN where it says.
  const arn = parseArn(valueFrom);
  const scope = arn ? { account: arn.account, region: arn.region } : task;
  const denied = role?.denial("ssm:GetParameters", parameterArn(valueFrom, scope));
  if (denied !== undefined) throw new Unresolved(`${SSM}: AccessDeniedException: ${denied}`);
  try {
    return src.parameters.parameterValue(scope, valueFrom);
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    throw new Unresolved(`${SSM}: invalid parameters: ${valueFrom}`);
  }
}

function resolveContainer(src: TaskSecretSources, c: ContainerDefinition, task: Scope, role?: ExecutionRolePermissions): ContainerResources {
  const value = (valueFrom: string | undefined) => {
    if (!valueFrom) throw new Unresolved(`${RETRIEVAL}: a secret of container ${c.name} has no valueFrom`);
    return isSecretsManager(valueFrom) ? fromSecretsManager(src, valueFrom, task, role) : fromParameterStore(src, valueFrom, task, role);
  };
  const out: ContainerResources = {
    environment: (c.secrets ?? []).map((s) => ({ name: s.name ?? "", value: value(s.valueFrom) })),
    logOptions: (c.logConfiguration?.secretOptions ?? []).map((s) => ({ name: s.name ?? "", value: value(s.valueFrom) })),
  };
  const credentials = c.repositoryCredentials?.credentialsParameter;
  if (credentials) {
    const text = fromSecretsManager(src, credentials, task, role);
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

/** Some container's image is served by Berth's registry: the task needs the registry login. */
function pullsFromRegistry(src: TaskSecretSources, defs: ContainerDefinition[], task: Scope): boolean {
  const registryHost = src.registryHost?.();
  return !!registryHost && defs.some((c) => resolveImage(c.image ?? "", { registryHost, task }).scope !== undefined);
}

/** The launch's resources; undefined when none of its containers needs any. */
export function resolveLaunchResources(src: TaskSecretSources, spec: LaunchSpec): LaunchResources | undefined {
  const defs = spec.taskDefinition.containerDefinitions ?? [];
  const task = taskScope(spec.task.taskArn ?? "") ?? { account: "", region: "" };
  const role = src.executionRole?.({ taskArn: spec.task.taskArn ?? "", executionRoleArn: executionRoleOf(spec.task, spec.taskDefinition) });
  const login = role !== undefined && pullsFromRegistry(src, defs, task);
  if (!defs.some(needsResources) && !login) return undefined;
  try {
    // The registry login comes first, with the secrets, as the ECS agent's resource retrieval does.
    // The pulls themselves are the registry's to authorize: the task's password is issued to its
    // execution role's session (agent-endpoint.ts), so each pull has what the role may pull.
    const auth = login ? role.denial("ecr:GetAuthorizationToken", "*") : undefined;
    if (auth !== undefined) throw new Unresolved(`${ECR}: AccessDeniedException: ${auth}`);
    const containers: Record<string, ContainerResources> = Object.fromEntries(defs.filter(needsResources).map((c) => [c.name ?? "", resolveContainer(src, c, task, role)]));
    return { containers };
  } catch (err) {
    if (err instanceof Unresolved) return { failure: err.message };
    // A value that cannot be unsealed (the data directory's key replaced): the task fails, the delivery does not.
    return { failure: `${RETRIEVAL}: ${(err as Error).message}` };
  }
}
