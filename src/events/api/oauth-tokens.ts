import type * as W from "@aws-sdk/client-eventbridge";
import type { ConnectionAuth } from "./connections.js";

/** How long a token endpoint may take. */
const TIMEOUT_MS = 5000;
/** A token this close to expiring is replaced before it is used, as EventBridge refreshes one that expires within 60 seconds. */
const REFRESH_BEFORE_MS = 60_000;

/** The header, query and body parameters of a connection as plain key-value lists. */
export function httpParams(p: W.ConnectionHttpParameters | undefined) {
  const pairs = (xs: Array<{ Key?: string; Value?: string }> | undefined) => (xs ?? []).filter((x) => x.Key !== undefined).map((x) => [x.Key!, x.Value ?? ""] as [string, string]);
  return { headers: pairs(p?.HeaderParameters), query: pairs(p?.QueryStringParameters), body: pairs(p?.BodyParameters) };
}

/**
 * OAuth client credentials, as a connection of that type authorizes: the client id and secret
 * in a Basic Authorization header to the authorization endpoint, with the connection's
 * OAuthHttpParameters (body parameters form-encoded, so grant_type and scope go there, as AWS
 * asks users to put them); the answer's access_token is sent as a Bearer token until it is within
 * 60 seconds of expiring or an endpoint answers 401 or 407, when the next invocation fetches a new
 * one (EventBridge refreshes during invocations, not in the background). Tokens live in memory
 * only: they are secrets, and a restart costs one token request. Hand-written: it is one request,
 * and no small library does only it.
 */
export class OAuthTokens {
  private tokens = new Map<string, { token: string; expires: number }>();

  async token(connectionArn: string, auth: ConnectionAuth, now = Date.now()): Promise<string> {
    const cached = this.tokens.get(connectionArn);
    if (cached && cached.expires - REFRESH_BEFORE_MS > now) return cached.token;
    const o = auth.OAuthParameters!;
    const p = httpParams(o.OAuthHttpParameters);
    const url = new URL(o.AuthorizationEndpoint!);
    for (const [k, v] of p.query) url.searchParams.append(k, v);
    const basic = Buffer.from(`${o.ClientParameters!.ClientID}:${o.ClientParameters!.ClientSecret}`).toString("base64");
    const method = o.HttpMethod ?? "POST";
    const res = await fetch(url, {
      method, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: { ...Object.fromEntries(p.headers), authorization: `Basic ${basic}`, ...(method === "GET" ? {} : { "content-type": "application/x-www-form-urlencoded" }) },
      body: method === "GET" ? undefined : new URLSearchParams(p.body).toString(),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`the authorization endpoint answered ${res.status}`);
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error("the authorization endpoint's answer is not JSON");
    }
    if (typeof body.access_token !== "string") throw new Error("the authorization endpoint's answer has no access_token");
    const seconds = typeof body.expires_in === "number" ? body.expires_in : 3600;
    this.tokens.set(connectionArn, { token: body.access_token, expires: now + seconds * 1000 });
    return body.access_token;
  }

  forget(connectionArn: string): void {
    this.tokens.delete(connectionArn);
  }
}
