import { ECSClient } from "@aws-sdk/client-ecs";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";

/**
 * What the console signs its calls with. Kept in sessionStorage: it lasts as long as the tab and
 * is never written to disk or sent anywhere but this Berth. In open mode (no strict SigV4) any
 * key works, and a 12-digit access key id picks that account (as with the CLI); the defaults
 * are the test:test pair of Berth's defaults.
 */
export interface Settings {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  region: string;
}

const KEY = "berth.console.settings";
export const DEFAULT_SETTINGS: Settings = { accessKeyId: "test", secretAccessKey: "test", sessionToken: "", region: "us-east-1" };

export function loadSettings(): Settings & { saved: boolean } {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return { ...DEFAULT_SETTINGS, saved: false };
  try {
    return { ...DEFAULT_SETTINGS, ...(JSON.parse(raw) as Partial<Settings>), saved: true };
  } catch {
    return { ...DEFAULT_SETTINGS, saved: false };
  }
}

export function saveSettings(s: Settings): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
  clients = undefined;
}

export function forgetSettings(): void {
  sessionStorage.removeItem(KEY);
  clients = undefined;
}

export function credentialsOf(s: Settings) {
  return { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, ...(s.sessionToken ? { sessionToken: s.sessionToken } : {}) };
}

interface Clients {
  ecs: ECSClient;
  ecr: ECRClient;
  elb: ElasticLoadBalancingV2Client;
  cw: CloudWatchClient;
  logs: CloudWatchLogsClient;
  events: EventBridgeClient;
  scheduler: SchedulerClient;
  aas: ApplicationAutoScalingClient;
}
let clients: Clients | undefined;

/** The official SDK clients, pointed at the Berth that served this page (the same origin). */
export function aws(): Clients {
  if (clients) return clients;
  const s = loadSettings();
  const config = { endpoint: location.origin, region: s.region, credentials: credentialsOf(s), maxAttempts: 1 };
  clients = {
    ecs: new ECSClient(config),
    ecr: new ECRClient(config),
    elb: new ElasticLoadBalancingV2Client(config),
    cw: new CloudWatchClient(config),
    logs: new CloudWatchLogsClient(config),
    events: new EventBridgeClient(config),
    scheduler: new SchedulerClient(config),
    aas: new ApplicationAutoScalingClient(config),
  };
  return clients;
}

/** Errors that mean "these credentials are not accepted" rather than "this call failed". */
const AUTH_ERRORS = new Set([
  "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch", "MissingAuthenticationTokenException",
  "MissingAuthenticationToken", "InvalidClientTokenId", "IncompleteSignatureException", "ExpiredTokenException", "AccessDeniedException", "AccessDenied",
]);
export function isAuthError(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return AUTH_ERRORS.has(e?.name ?? "") || e?.$metadata?.httpStatusCode === 403;
}

/** Splits a list into chunks of n (Describe* calls take at most 10 or 100 names). */
export function chunks<T>(list: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += n) out.push(list.slice(i, i + n));
  return out;
}

/** Every page of a paginated call: `next` is called with the previous page's token. */
export async function allPages<T>(call: (token: string | undefined) => Promise<{ items: T[]; next?: string | undefined }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await call(token);
    out.push(...page.items);
    token = page.next;
  } while (token);
  return out;
}

/** The last part of an ARN (a cluster's, service's or task's name or id). */
export const lastPart = (arn: string | undefined) => (arn ?? "").split("/").pop() ?? "";
