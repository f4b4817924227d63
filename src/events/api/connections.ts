import { randomUUID } from "node:crypto";
import type * as W from "@aws-sdk/client-eventbridge";
import type { Clock } from "../../core/clock.js";
import type { Scope } from "../../core/arn.js";
import { addVersion, createSecretRow, CURRENT, openValue, requireSecret, secretArn, selectVersion, type SecretDeps } from "../../secretsmanager/secret-store.js";
import { alreadyExists, notFound, validation } from "../errors.js";
import { pageOf } from "../event-rules.js";
import { checkHttpsEndpoint } from "./https-endpoint.js";

/**
 * EventBridge connections: how API destinations authorize. As AWS does, the authorization
 * parameters (secret parts included) live in a Secrets Manager secret named
 * events!connection/NAME/UUID; the connection keeps only what DescribeConnection may show, so no
 * secret is ever returned or stored in the clear.
 */
export interface ConnectionDoc {
  Name: string; ConnectionArn: string; AuthorizationType: W.ConnectionAuthorizationType; Description?: string;
  ConnectionState: W.ConnectionState; StateReason?: string; SecretArn: string; KmsKeyIdentifier?: string;
  AuthParameters: W.ConnectionAuthResponseParameters; CreationTime: number; LastModifiedTime: number; LastAuthorizedTime?: number;
}

/** What the secret holds: CreateConnection's AuthParameters, secret values included. */
export type ConnectionAuth = W.CreateConnectionAuthRequestParameters;

const KIND: Record<string, keyof ConnectionAuth> = { API_KEY: "ApiKeyAuthParameters", BASIC: "BasicAuthParameters", OAUTH_CLIENT_CREDENTIALS: "OAuthParameters" };

export const connectionNotFound = (name: string) => notFound(`Connection '${name}' does not exist.`);

/** Header, query and body parameters without the values marked secret. */
function redactHttp(p: W.ConnectionHttpParameters | undefined): W.ConnectionHttpParameters | undefined {
  if (!p) return undefined;
  const hide = <T extends { IsValueSecret?: boolean; Value?: string }>(xs: T[] | undefined) => xs?.map((x) => (x.IsValueSecret ? { ...x, Value: undefined } : x));
  return { HeaderParameters: hide(p.HeaderParameters), QueryStringParameters: hide(p.QueryStringParameters), BodyParameters: hide(p.BodyParameters) };
}

/** DescribeConnection's AuthParameters: names, never the key, password or client secret. */
function redact(a: ConnectionAuth): W.ConnectionAuthResponseParameters {
  return {
    ApiKeyAuthParameters: a.ApiKeyAuthParameters && { ApiKeyName: a.ApiKeyAuthParameters.ApiKeyName },
    BasicAuthParameters: a.BasicAuthParameters && { Username: a.BasicAuthParameters.Username },
    OAuthParameters: a.OAuthParameters && {
      AuthorizationEndpoint: a.OAuthParameters.AuthorizationEndpoint, HttpMethod: a.OAuthParameters.HttpMethod,
      ClientParameters: { ClientID: a.OAuthParameters.ClientParameters?.ClientID }, OAuthHttpParameters: redactHttp(a.OAuthParameters.OAuthHttpParameters),
    },
    InvocationHttpParameters: redactHttp(a.InvocationHttpParameters),
  };
}

/** The one kind of authorization parameters the type needs, and no other kind. */
function checkAuth(type: string, auth: ConnectionAuth) {
  const given = Object.values(KIND).filter((k) => auth[k] !== undefined);
  if (given.length !== 1 || given[0] !== KIND[type]) throw validation(`Parameter AuthParameters is not valid. Reason: ${KIND[type]} must be provided, and only it, for AuthorizationType ${type}.`);
  // The client secret goes to the authorization endpoint: never in the clear to another host.
  if (auth.OAuthParameters?.AuthorizationEndpoint !== undefined) checkHttpsEndpoint("AuthorizationEndpoint", auth.OAuthParameters.AuthorizationEndpoint);
}

export function findConnection(db: SecretDeps["db"], scope: Scope, name: string): ConnectionDoc | undefined {
  const row = db.prepare("SELECT doc FROM event_connections WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as ConnectionDoc) : undefined;
}

export function connectionByArn(db: SecretDeps["db"], arn: string): ConnectionDoc | undefined {
  const row = db.prepare("SELECT doc FROM event_connections WHERE arn = ?").get(arn) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as ConnectionDoc) : undefined;
}

/** Connections still AUTHORIZING, with where they live: after a restart, the ones whose authorization the stopped server never finished. */
export function authorizingConnections(db: SecretDeps["db"]): Array<{ scope: Scope; name: string }> {
  const rows = db.prepare("SELECT account, region, name, doc FROM event_connections").all() as Array<{ account: string; region: string; name: string; doc: string }>;
  return rows.filter((r) => (JSON.parse(r.doc) as ConnectionDoc).ConnectionState === "AUTHORIZING").map((r) => ({ scope: { account: r.account, region: r.region }, name: r.name }));
}

function requireConnection(db: SecretDeps["db"], scope: Scope, name: string): ConnectionDoc {
  const c = findConnection(db, scope, name);
  if (!c) throw connectionNotFound(name);
  return c;
}

export function saveConnection(db: SecretDeps["db"], scope: Scope, c: ConnectionDoc) {
  db.prepare(`INSERT INTO event_connections (account, region, name, arn, doc) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (account, region, name) DO UPDATE SET doc = excluded.doc`).run(scope.account, scope.region, c.Name, c.ConnectionArn, JSON.stringify(c));
}

/** The authorization parameters, secret values included, from the connection's secret. */
export function connectionAuth(secrets: SecretDeps, c: ConnectionDoc): ConnectionAuth {
  const value = openValue(secrets.cipher, c.SecretArn, selectVersion(secrets.db, c.SecretArn, { versionStage: CURRENT }));
  return JSON.parse("SecretString" in value ? value.SecretString : value.SecretBinary.toString("utf8")) as ConnectionAuth;
}

function storeAuth(secrets: SecretDeps, scope: Scope, c: { SecretArn?: string; Name: string }, auth: ConnectionAuth): string {
  const value = { SecretString: JSON.stringify({ ...auth, ConnectivityParameters: undefined }) };
  if (c.SecretArn) {
    addVersion(secrets, requireSecret(secrets, scope.account, scope.region, c.SecretArn), value, undefined);
    return c.SecretArn;
  }
  const name = `events!connection/${c.Name}/${randomUUID()}`;
  const now = secrets.clock.now().getTime();
  const s = createSecretRow(secrets.db, { arn: secretArn(scope.account, scope.region, name), account: scope.account, region: scope.region, name, created_at: now, doc: { Name: name, CreatedDate: now, LastChangedDate: now } });
  addVersion(secrets, s, value, undefined);
  return s.arn;
}

/** API keys and basic credentials authorize at once; OAuth once a token was obtained (`authorize`). */
const initialState = (type: string): W.ConnectionState => (type === "OAUTH_CLIENT_CREDENTIALS" ? "AUTHORIZING" : "AUTHORIZED");

const brief = (c: ConnectionDoc) => ({
  ConnectionArn: c.ConnectionArn, ConnectionState: c.ConnectionState, CreationTime: new Date(c.CreationTime),
  LastModifiedTime: new Date(c.LastModifiedTime), LastAuthorizedTime: c.LastAuthorizedTime === undefined ? undefined : new Date(c.LastAuthorizedTime),
});

export function createConnection(secrets: SecretDeps, clock: Clock, scope: Scope, input: W.CreateConnectionRequest) {
  const { db } = secrets;
  checkAuth(input.AuthorizationType!, input.AuthParameters!);
  return db.transaction(() => {
    if (findConnection(db, scope, input.Name!)) throw alreadyExists(`Connection ${input.Name} already exists.`);
    const now = clock.now().getTime();
    const state = initialState(input.AuthorizationType!);
    const c: ConnectionDoc = {
      Name: input.Name!, ConnectionArn: `arn:aws:events:${scope.region}:${scope.account}:connection/${input.Name}/${randomUUID()}`,
      AuthorizationType: input.AuthorizationType!, Description: input.Description, ConnectionState: state, KmsKeyIdentifier: input.KmsKeyIdentifier,
      SecretArn: storeAuth(secrets, scope, { Name: input.Name! }, input.AuthParameters!), AuthParameters: redact(input.AuthParameters!),
      CreationTime: now, LastModifiedTime: now, LastAuthorizedTime: state === "AUTHORIZED" ? now : undefined,
    };
    saveConnection(db, scope, c);
    const { LastAuthorizedTime: _, ...created } = brief(c);
    return created;
  })();
}

export function describeConnection(db: SecretDeps["db"], scope: Scope, name: string): W.DescribeConnectionResponse {
  const c = findConnection(db, scope, name);
  if (!c) throw notFound(`Failed to describe the connection(s). Connection '${name}' does not exist.`);
  return { ...c, ...brief(c), Name: c.Name, AuthParameters: c.AuthParameters };
}

export function listConnections(db: SecretDeps["db"], scope: Scope, input: W.ListConnectionsRequest): W.ListConnectionsResponse {
  const rows = db.prepare("SELECT doc FROM event_connections WHERE account = ? AND region = ? ORDER BY name").all(scope.account, scope.region) as Array<{ doc: string }>;
  const all = rows.map((r) => JSON.parse(r.doc) as ConnectionDoc).filter((c) =>
    (input.NamePrefix === undefined || c.Name.startsWith(input.NamePrefix)) && (input.ConnectionState === undefined || c.ConnectionState === input.ConnectionState));
  const { page, next } = pageOf(all, input.NextToken, input.Limit);
  return { Connections: page.map((c) => ({ Name: c.Name, AuthorizationType: c.AuthorizationType, StateReason: c.StateReason, ...brief(c) })), NextToken: next };
}

/** UpdateConnection: given parameters replace the stored ones of their kind; secrets get a new secret version. */
export function updateConnection(secrets: SecretDeps, clock: Clock, scope: Scope, input: W.UpdateConnectionRequest) {
  const { db } = secrets;
  return db.transaction(() => {
    const c = requireConnection(db, scope, input.Name!);
    const type = input.AuthorizationType ?? c.AuthorizationType;
    let auth = connectionAuth(secrets, c);
    if (input.AuthParameters || type !== c.AuthorizationType) {
      const given = input.AuthParameters ?? {};
      const kind = KIND[type]!;
      const merged = { ...(type === c.AuthorizationType ? (auth[kind] as object) : {}), ...(given[kind] as object | undefined) };
      const oauth = kind === "OAuthParameters" ? { ClientParameters: { ...auth.OAuthParameters?.ClientParameters, ...given.OAuthParameters?.ClientParameters } } : {};
      auth = { [kind]: { ...merged, ...oauth }, InvocationHttpParameters: given.InvocationHttpParameters ?? auth.InvocationHttpParameters } as ConnectionAuth;
      checkAuth(type, auth);
      storeAuth(secrets, scope, c, auth);
    }
    const now = clock.now().getTime();
    const state = initialState(type);
    const next: ConnectionDoc = {
      ...c, AuthorizationType: type, Description: input.Description ?? c.Description, AuthParameters: redact(auth),
      KmsKeyIdentifier: input.KmsKeyIdentifier ?? c.KmsKeyIdentifier, ConnectionState: state, StateReason: undefined,
      LastModifiedTime: now, LastAuthorizedTime: state === "AUTHORIZED" ? now : c.LastAuthorizedTime,
    };
    saveConnection(db, scope, next);
    return brief(next);
  })();
}

/** DeauthorizeConnection: API destinations using it fail until it is updated (authorized again). */
export function deauthorizeConnection(db: SecretDeps["db"], clock: Clock, scope: Scope, name: string) {
  return db.transaction(() => {
    const c = requireConnection(db, scope, name);
    const next: ConnectionDoc = { ...c, ConnectionState: "DEAUTHORIZED", LastModifiedTime: clock.now().getTime() };
    saveConnection(db, scope, next);
    return brief(next);
  })();
}

/** DeleteConnection deletes its secret too (AWS's managed secret goes with it). */
export function deleteConnection(db: SecretDeps["db"], clock: Clock, scope: Scope, name: string) {
  return db.transaction(() => {
    const c = requireConnection(db, scope, name);
    db.prepare("DELETE FROM event_connections WHERE arn = ?").run(c.ConnectionArn);
    db.prepare("DELETE FROM secret_versions WHERE arn = ?").run(c.SecretArn);
    db.prepare("DELETE FROM secrets WHERE arn = ?").run(c.SecretArn);
    return brief({ ...c, ConnectionState: "DELETING", LastModifiedTime: clock.now().getTime() });
  })();
}
