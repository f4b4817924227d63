import { TaskError } from "./errors.js";
import type { TaskPlan } from "./task-plan.js";

/**
 * What ECS's agent fetches for a task before it creates any container (its "task resources"):
 * secrets and log-driver secret options from Secrets Manager or SSM Parameter Store, private
 * registry credentials from Secrets Manager, environment files from S3. Berth serves none of
 * these services yet, so a task that needs one cannot be given what it asks for; rather than
 * run it without (a missing password that the application discovers late, or never), the task
 * fails to start as on ECS when a fetch fails: ResourceInitializationError, in the ECS agent's
 * words, naming the secret or file (never a value) and saying that Berth does not serve it.
 */

type Source = { kind: "asm" | "ssm"; ref: string } | { kind: "s3"; ref: string };

/** The first source a task's containers need, in the order ECS's agent resolves them. */
function sourcesOf(plan: TaskPlan): Source[] {
  const out: Source[] = [];
  const secret = (valueFrom: string | undefined) => {
    if (!valueFrom) return;
    // Secrets Manager is always named by ARN; a parameter by ARN or by name (same Region).
    out.push({ kind: /^arn:aws[a-z-]*:secretsmanager:/.test(valueFrom) ? "asm" : "ssm", ref: valueFrom });
  };
  for (const c of plan.containers) {
    const d = c.def;
    if (d.repositoryCredentials?.credentialsParameter) out.push({ kind: "asm", ref: d.repositoryCredentials.credentialsParameter });
    for (const s of d.secrets ?? []) secret(s.valueFrom);
    for (const s of d.logConfiguration?.secretOptions ?? []) secret(s.valueFrom);
    for (const f of d.environmentFiles ?? []) if (f.value) out.push({ kind: "s3", ref: f.value });
  }
  return out;
}

const RETRIEVAL = "unable to pull secrets or registry auth: execution resource retrieval failed";

function failure(source: Source): TaskError {
  switch (source.kind) {
    case "asm":
      return new TaskError("ResourceInitializationError", `${RETRIEVAL}: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${source.ref} from secrets manager: Berth does not serve AWS Secrets Manager yet`);
    case "ssm":
      return new TaskError("ResourceInitializationError", `${RETRIEVAL}: unable to retrieve secrets from ssm: service call has been retried 1 time(s): failed to fetch parameter ${source.ref} from SSM Parameter Store: Berth does not serve AWS Systems Manager Parameter Store yet`);
    case "s3": {
      // arn:aws:s3:::bucket/key, as the agent parses it.
      const m = /^arn:aws[a-z-]*:s3:::([^/]+)\/(.+)$/.exec(source.ref);
      if (!m) return new TaskError("ResourceInitializationError", `unable to parse bucket and key from s3 ARN specified in environmentFile ${source.ref}`);
      return new TaskError("ResourceInitializationError", `unable to download env file with key ${m[2]} from bucket ${m[1]}, error: Berth does not serve Amazon S3 yet`);
    }
  }
}

/** Throws the ResourceInitializationError of the first task resource Berth cannot fetch. */
export function resolveTaskResources(plan: TaskPlan): void {
  const [first] = sourcesOf(plan);
  if (first) throw failure(first);
}
