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
  clients = new Map();
}

export function forgetSettings(): void {
  sessionStorage.removeItem(KEY);
  clients = new Map();
}

export function credentialsOf(s: Settings) {
  return { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, ...(s.sessionToken ? { sessionToken: s.sessionToken } : {}) };
}

/** What every SDK client is built with: this Berth (the page's origin), the region and credentials entered. */
export interface ClientConfig {
  endpoint: string;
  region: string;
  credentials: ReturnType<typeof credentialsOf>;
  maxAttempts: number;
}
let clients = new Map<unknown, unknown>();

/**
 * The official SDK client of one service (`client(ECSClient)`), pointed at the Berth that served
 * this page and made once per settings. Pages import the client classes they use themselves, so
 * each page's chunk carries only its services' clients (the bundle is split by page).
 */
export function client<T>(Client: new (config: ClientConfig) => T): T {
  let c = clients.get(Client) as T | undefined;
  if (!c) {
    const s = loadSettings();
    // The SDK's standard retries (3 attempts, backoff) for what is transient (a dropped
    // connection, a 5xx), as the CLI retries: one lost call would otherwise fail the whole page
    // until its next read. Refusals (validation, credentials) are not retried.
    c = new Client({ endpoint: location.origin, region: s.region, credentials: credentialsOf(s), maxAttempts: 3 });
    clients.set(Client, c);
  }
  return c;
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
