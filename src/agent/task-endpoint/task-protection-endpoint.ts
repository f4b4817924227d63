import { ECSClient, GetTaskProtectionCommand, UpdateTaskProtectionCommand, type Failure, type ProtectedTask } from "@aws-sdk/client-ecs";
import { parseArn } from "../../core/arn.js";
import type { TaskRoleCredentials } from "../protocol/task-runner.js";

/** How long the agent waits for ECS's answer, as ECS's agent bounds its call. */
const ECS_CALL_TIMEOUT_MS = 4_000;

/** The task the request came from, as the endpoint found it (undefined: no such task for this id). */
export interface ProtectionCaller {
  taskArn: string;
  clusterArn: string;
  /** The task role's current session; undefined for a task without a role. */
  credentials?: TaskRoleCredentials;
}

export interface EndpointAnswer {
  status: number;
  body: unknown;
}

const errorAnswer = (status: number, arn: string, code: string, message: string, requestID?: string): EndpointAnswer => ({
  status,
  body: { ...(requestID ? { requestID } : {}), error: { Arn: arn, Code: code, Message: message } },
});

/** Dates as Go's encoding/json writes them (RFC 3339, fraction without trailing zeros), as ECS's agent answers. */
const goTime = (d: Date) => d.toISOString().replace(/\.(\d*?)0*Z$/, (_m, f: string) => (f ? `.${f}Z` : "Z"));

/**
 * ECS's task scale-in protection endpoint, $ECS_AGENT_URI/task-protection/v1/state: GET reads
 * the task's protection, PUT {"ProtectionEnabled", "ExpiresInMinutes"} sets it. As ECS's agent
 * does, it calls the ECS API (GetTaskProtection / UpdateTaskProtection) with the task role's
 * credentials, so the answer comes from the same store and the same IAM rules as those calls,
 * and shapes ECS's answer as the agent does: {"protection"}, {"failure"} or {"error"} (with the
 * ECS error's status code and request id). Bodies, codes and messages follow amazon-ecs-agent.
 */
export async function answerTaskProtection(
  method: string,
  rawBody: string,
  caller: ProtectionCaller | undefined,
  api: { host: string; port: number } | undefined,
): Promise<EndpointAnswer> {
  if (method !== "GET" && method !== "PUT") return { status: 405, body: { code: "MethodNotAllowed", message: "only GET and PUT are served" } };
  let request: { enabled?: boolean; minutes?: number } = {};
  if (method === "PUT") {
    const decoded = decodeRequest(rawBody);
    if (!decoded) return errorAnswer(400, "", "InvalidParameterException", "UpdateTaskProtection: failed to decode request");
    request = decoded;
  }
  if (!caller) return errorAnswer(404, "", "ResourceNotFoundException", "Failed to find a task for the request");
  const arn = caller.taskArn;
  if (method === "PUT" && request.enabled === undefined) return errorAnswer(400, arn, "InvalidParameterException", "Invalid request: does not contain 'ProtectionEnabled' field");
  if (!caller.credentials) return errorAnswer(403, arn, "AccessDeniedException", "Invalid Request: no task IAM role credentials available for task");
  if (!api) return errorAnswer(500, arn, "ServerException", "The ECS endpoint is not known yet");

  const c = caller.credentials;
  const client = new ECSClient({
    endpoint: `http://${api.host}:${api.port}`,
    region: parseArn(arn)?.region ?? "us-east-1",
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken },
    maxAttempts: 1,
  });
  try {
    const abortSignal = AbortSignal.timeout(ECS_CALL_TIMEOUT_MS);
    const out = method === "GET"
      ? await client.send(new GetTaskProtectionCommand({ cluster: caller.clusterArn, tasks: [arn] }), { abortSignal })
      : await client.send(new UpdateTaskProtectionCommand({ cluster: caller.clusterArn, tasks: [arn], protectionEnabled: request.enabled, expiresInMinutes: request.minutes }), { abortSignal });
    return shapeAnswer(arn, out.protectedTasks ?? [], out.failures ?? []);
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number; requestId?: string }; $fault?: string };
    if (e.name === "AbortError" || e.name === "TimeoutError") return errorAnswer(504, arn, "RequestCanceled", "Timed out calling ECS Task Protection API");
    if (e.$metadata?.httpStatusCode) return errorAnswer(e.$metadata.httpStatusCode, arn, e.name, e.message, e.$metadata.requestId);
    return errorAnswer(500, arn, "ServerException", e.message);
  } finally {
    client.destroy();
  }
}

/**
 * The request body as ECS's agent decodes it (Go's encoding/json: field names match whatever
 * their case, unknown fields are refused). Undefined when it does not decode.
 */
function decodeRequest(raw: string): { enabled?: boolean; minutes?: number } | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (doc === null) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) return undefined;
  const out: { enabled?: boolean; minutes?: number } = {};
  for (const [key, value] of Object.entries(doc)) {
    const k = key.toLowerCase();
    if (k === "protectionenabled" && (typeof value === "boolean" || value === null)) out.enabled = value ?? undefined;
    else if (k === "expiresinminutes" && ((typeof value === "number" && Number.isInteger(value)) || value === null)) out.minutes = value ?? undefined;
    else return undefined;
  }
  return out;
}

function shapeAnswer(arn: string, protectedTasks: ProtectedTask[], failures: Failure[]): EndpointAnswer {
  if (failures.length > 1 || (failures.length === 0 && protectedTasks.length !== 1)) return errorAnswer(500, arn, "ServerException", "Unexpected error occurred");
  const failure = failures[0];
  if (failure) return { status: 200, body: { failure: { Arn: failure.arn ?? null, Detail: failure.detail ?? null, Reason: failure.reason ?? null } } };
  const p = protectedTasks[0]!;
  return {
    status: 200,
    body: { protection: { ExpirationDate: p.expirationDate ? goTime(p.expirationDate) : null, ProtectionEnabled: p.protectionEnabled ?? false, TaskArn: p.taskArn ?? arn } },
  };
}
