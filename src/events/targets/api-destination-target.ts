import type * as W from "@aws-sdk/client-eventbridge";
import type { SecretDeps } from "../../secretsmanager/secret-store.js";
import type { TargetDispatcher } from "../target-dispatch.js";
import { DeliveryError } from "../delivery-error.js";
import { endpointRequest, NoAnswer } from "./endpoint-request.js";
import { API_DESTINATION_ARN, apiDestinationByArn, type ApiDestinationDoc } from "../api/api-destinations.js";
import { connectionAuth, connectionByArn, type ConnectionAuth, type ConnectionDoc } from "../api/connections.js";
import { httpParams, type OAuthTokens } from "../api/oauth-tokens.js";

/** AWS gives an endpoint five seconds. */
const TIMEOUT_MS = 5000;
/** Statuses EventBridge retries; every other failure goes to the dead-letter queue at once. */
const RETRIED = new Set([401, 407, 409, 429]);
const unable = (why: string, retryable = true) => new DeliveryError("SDK_CLIENT_ERROR", `Unable to invoke ApiDestination endpoint: ${why}`, retryable);

/** The endpoint's `*`s replaced by the target's PathParameterValues, in order. */
function endpointUrl(d: ApiDestinationDoc, p: W.HttpParameters | undefined): URL {
  const values = [...(p?.PathParameterValues ?? [])];
  return new URL(d.InvocationEndpoint.replace(/\*/g, () => encodeURIComponent(values.shift() ?? "")));
}

/** The Authorization header (or API key header) the connection's type asks for. */
async function authHeader(c: ConnectionDoc, auth: ConnectionAuth, oauth: OAuthTokens): Promise<[string, string]> {
  if (c.AuthorizationType === "API_KEY") return [auth.ApiKeyAuthParameters!.ApiKeyName!, auth.ApiKeyAuthParameters!.ApiKeyValue!];
  if (c.AuthorizationType === "BASIC") {
    const b = auth.BasicAuthParameters!;
    return ["authorization", `Basic ${Buffer.from(`${b.Username}:${b.Password}`).toString("base64")}`];
  }
  try {
    return ["authorization", `Bearer ${await oauth.token(c.ConnectionArn, auth)}`];
  } catch (err) {
    throw unable(`the connection could not be authorized (${(err as Error).message})`);
  }
}

/** The body: the input, with the connection's body parameters added when it is a JSON object. */
function bodyOf(input: string, extra: Array<[string, string]>): string {
  if (extra.length === 0) return input;
  try {
    const json = JSON.parse(input) as unknown;
    if (json && typeof json === "object" && !Array.isArray(json)) return JSON.stringify({ ...json, ...Object.fromEntries(extra) });
  } catch {
    // Not JSON: sent as it is.
  }
  return input;
}

/**
 * An API destination as a target: one HTTP request per delivery to the endpoint, with the
 * connection's authorization and parameters and the target's HttpParameters, no faster than the
 * destination's rate limit. 2xx is delivered; 401, 407, 409, 429 and 5xx (and no answer) are
 * retried under the target's retry policy; any other status goes to the dead-letter queue at once.
 */
export function apiDestinationTarget({ secrets, oauth }: { secrets: SecretDeps; oauth: OAuthTokens }): TargetDispatcher {
  const nextSlot = new Map<string, number>();
  /** Waits for the destination's next free slot under its rate limit. */
  async function throttle(d: ApiDestinationDoc) {
    const now = Date.now();
    const slot = Math.max(now, nextSlot.get(d.ApiDestinationArn) ?? 0);
    nextSlot.set(d.ApiDestinationArn, slot + 1000 / d.InvocationRateLimitPerSecond);
    if (slot > now) await new Promise((r) => setTimeout(r, slot - now));
  }

  return {
    handles: (arn) => API_DESTINATION_ARN.test(arn),
    async deliver({ target, input }) {
      const d = apiDestinationByArn(secrets.db, target.Arn!);
      if (!d) throw new DeliveryError("RESOURCE_NOT_FOUND", `ApiDestination ${target.Arn} does not exist.`, false);
      const c = connectionByArn(secrets.db, d.ConnectionArn);
      if (!c) throw new DeliveryError("RESOURCE_NOT_FOUND", `Connection ${d.ConnectionArn} does not exist.`, false);
      if (c.ConnectionState === "DEAUTHORIZED") throw new DeliveryError("NO_PERMISSIONS", `Connection ${c.Name} is deauthorized.`, false);
      const auth = connectionAuth(secrets, c);
      const conn = httpParams(auth.InvocationHttpParameters);
      const url = endpointUrl(d, target.HttpParameters);
      for (const [k, v] of [...conn.query, ...Object.entries(target.HttpParameters?.QueryStringParameters ?? {})]) url.searchParams.append(k, v);
      const [authName, authValue] = await authHeader(c, auth, oauth);
      const headers: Record<string, string> = {
        "content-type": "application/json; charset=utf-8", "user-agent": "Amazon/EventBridge/ApiDestinations",
        ...Object.fromEntries(conn.headers), ...target.HttpParameters?.HeaderParameters, [authName]: authValue,
      };
      const method = d.HttpMethod;
      await throttle(d);
      let status: number;
      try {
        status = await endpointRequest(url, { method, headers, timeoutMs: TIMEOUT_MS, body: method === "GET" || method === "HEAD" ? undefined : bodyOf(input, conn.body) });
      } catch (err) {
        const { timedOut, code } = err instanceof NoAnswer ? err : new NoAnswer(false, "");
        if (timedOut) throw new DeliveryError("TIMEOUT", "Unable to invoke ApiDestination endpoint: the request timed out.");
        throw unable(/CERT|SIGNATURE/.test(code) ? `the endpoint's certificate is not trusted (${code}).` : "the endpoint cannot be reached.");
      }
      if (status >= 200 && status < 300) return;
      // A refused token (401, or 407 from a proxy) is fetched again on the next attempt, as EventBridge refreshes it.
      if ((status === 401 || status === 407) && c.AuthorizationType === "OAUTH_CLIENT_CREDENTIALS") oauth.forget(c.ConnectionArn);
      throw unable(`The request failed because the endpoint responded with status code ${status}.`, RETRIED.has(status) || status >= 500);
    },
  };
}
