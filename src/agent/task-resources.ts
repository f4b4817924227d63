import { TaskError } from "./errors.js";
import type { TaskPlan } from "./task-plan.js";

/**
 * What ECS's agent fetches for a task before it creates any container (its "task resources"):
 * secrets and log-driver secret options from Secrets Manager or SSM Parameter Store, private
 * registry credentials from Secrets Manager, environment files from S3. Berth's control plane
 * resolves the first three as it delivers the launch (protocol/launch-resources.ts); here the
 * agent only checks what came. A resolution that failed, or a launch that needs secrets but
 * came without them (a server that does not serve them), fails the task as on ECS when a fetch
 * fails: ResourceInitializationError, naming the secret or file, never a value. Environment
 * files are refused: Berth does not serve S3.
 */

const RETRIEVAL = "unable to pull secrets or registry auth: execution resource retrieval failed";

const needsSecrets = (plan: TaskPlan) =>
  plan.containers.some((c) => (c.def.secrets?.length ?? 0) > 0 || (c.def.logConfiguration?.secretOptions?.length ?? 0) > 0 || c.def.repositoryCredentials?.credentialsParameter);

function envFileFailure(ref: string): TaskError {
  // arn:aws:s3:::bucket/key, as the agent parses it.
  const m = /^arn:aws[a-z-]*:s3:::([^/]+)\/(.+)$/.exec(ref);
  if (!m) return new TaskError("ResourceInitializationError", `unable to parse bucket and key from s3 ARN specified in environmentFile ${ref}`);
  return new TaskError("ResourceInitializationError", `unable to download env file with key ${m[2]} from bucket ${m[1]}, error: Berth does not serve Amazon S3 yet`);
}

/** Throws the ResourceInitializationError of the first task resource the task cannot have. */
export function resolveTaskResources(plan: TaskPlan): void {
  const r = plan.resources;
  if (r && "failure" in r) throw new TaskError("ResourceInitializationError", r.failure);
  if (!r && needsSecrets(plan)) throw new TaskError("ResourceInitializationError", `${RETRIEVAL}: the launch came without its secrets: this server does not serve Secrets Manager and Parameter Store`);
  for (const c of plan.containers) for (const f of c.def.environmentFiles ?? []) if (f.value) throw envFileFailure(f.value);
}
