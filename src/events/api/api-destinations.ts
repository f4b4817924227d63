import { randomUUID } from "node:crypto";
import type * as W from "@aws-sdk/client-eventbridge";
import type { Db } from "../../store/database.js";
import type { Clock } from "../../core/clock.js";
import type { Scope } from "../../core/arn.js";
import { alreadyExists, notFound } from "../errors.js";
import { pageOf } from "../event-rules.js";
import { connectionByArn, connectionNotFound } from "./connections.js";
import { checkHttpsEndpoint } from "./https-endpoint.js";

/** The stored API destination: DescribeApiDestination's shape with times as epoch ms. */
export interface ApiDestinationDoc {
  Name: string; ApiDestinationArn: string; ConnectionArn: string; Description?: string; ApiDestinationState: W.ApiDestinationState;
  InvocationEndpoint: string; HttpMethod: W.ApiDestinationHttpMethod; InvocationRateLimitPerSecond: number; CreationTime: number; LastModifiedTime: number;
}

/** AWS's default rate limit. */
const DEFAULT_RATE = 300;
export const API_DESTINATION_ARN = /^arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):api-destination\/([^/]+)\/[-A-Za-z0-9]+$/;

function find(db: Db, scope: Scope, name: string): ApiDestinationDoc | undefined {
  const row = db.prepare("SELECT doc FROM event_api_destinations WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as ApiDestinationDoc) : undefined;
}

export function apiDestinationByArn(db: Db, arn: string): ApiDestinationDoc | undefined {
  const row = db.prepare("SELECT doc FROM event_api_destinations WHERE arn = ?").get(arn) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as ApiDestinationDoc) : undefined;
}

function requireDestination(db: Db, scope: Scope, name: string): ApiDestinationDoc {
  const d = find(db, scope, name);
  if (!d) throw notFound(`An api-destination '${name}' does not exist.`);
  return d;
}

/** The connection an API destination names: this account's and region's, and existing. */
function checkConnection(db: Db, scope: Scope, arn: string) {
  const c = connectionByArn(db, arn);
  if (!c || !arn.startsWith(`arn:aws:events:${scope.region}:${scope.account}:connection/`)) throw connectionNotFound(arn.split("/")[1] ?? arn);
}

function save(db: Db, scope: Scope, d: ApiDestinationDoc) {
  db.prepare(`INSERT INTO event_api_destinations (account, region, name, arn, connection_arn, doc) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (account, region, name) DO UPDATE SET connection_arn = excluded.connection_arn, doc = excluded.doc`)
    .run(scope.account, scope.region, d.Name, d.ApiDestinationArn, d.ConnectionArn, JSON.stringify(d));
}

const brief = (d: ApiDestinationDoc) => ({
  ApiDestinationArn: d.ApiDestinationArn, ApiDestinationState: d.ApiDestinationState, CreationTime: new Date(d.CreationTime), LastModifiedTime: new Date(d.LastModifiedTime),
});
const present = (d: ApiDestinationDoc) => ({ ...d, ...brief(d) });

export function createApiDestination(db: Db, clock: Clock, scope: Scope, input: W.CreateApiDestinationRequest) {
  checkHttpsEndpoint("InvocationEndpoint", input.InvocationEndpoint!);
  return db.transaction(() => {
    checkConnection(db, scope, input.ConnectionArn!);
    if (find(db, scope, input.Name!)) throw alreadyExists(`An api-destination '${input.Name}' already exists.`);
    const now = clock.now().getTime();
    const d: ApiDestinationDoc = {
      Name: input.Name!, ApiDestinationArn: `arn:aws:events:${scope.region}:${scope.account}:api-destination/${input.Name}/${randomUUID()}`,
      ConnectionArn: input.ConnectionArn!, Description: input.Description, ApiDestinationState: "ACTIVE", InvocationEndpoint: input.InvocationEndpoint!,
      HttpMethod: input.HttpMethod!, InvocationRateLimitPerSecond: input.InvocationRateLimitPerSecond ?? DEFAULT_RATE, CreationTime: now, LastModifiedTime: now,
    };
    save(db, scope, d);
    return brief(d);
  })();
}

export const describeApiDestination = (db: Db, scope: Scope, name: string): W.DescribeApiDestinationResponse => present(requireDestination(db, scope, name));

export function listApiDestinations(db: Db, scope: Scope, input: W.ListApiDestinationsRequest): W.ListApiDestinationsResponse {
  const rows = db.prepare("SELECT doc FROM event_api_destinations WHERE account = ? AND region = ? ORDER BY name").all(scope.account, scope.region) as Array<{ doc: string }>;
  const all = rows.map((r) => JSON.parse(r.doc) as ApiDestinationDoc).filter((d) =>
    (input.NamePrefix === undefined || d.Name.startsWith(input.NamePrefix)) && (input.ConnectionArn === undefined || d.ConnectionArn === input.ConnectionArn));
  const { page, next } = pageOf(all, input.NextToken, input.Limit);
  return { ApiDestinations: page.map(({ Description: _, ...d }) => present(d as ApiDestinationDoc)), NextToken: next };
}

export function updateApiDestination(db: Db, clock: Clock, scope: Scope, input: W.UpdateApiDestinationRequest) {
  if (input.InvocationEndpoint !== undefined) checkHttpsEndpoint("InvocationEndpoint", input.InvocationEndpoint);
  return db.transaction(() => {
    const d = requireDestination(db, scope, input.Name!);
    if (input.ConnectionArn !== undefined) checkConnection(db, scope, input.ConnectionArn);
    const next: ApiDestinationDoc = {
      ...d, ConnectionArn: input.ConnectionArn ?? d.ConnectionArn, Description: input.Description ?? d.Description,
      InvocationEndpoint: input.InvocationEndpoint ?? d.InvocationEndpoint, HttpMethod: input.HttpMethod ?? d.HttpMethod,
      InvocationRateLimitPerSecond: input.InvocationRateLimitPerSecond ?? d.InvocationRateLimitPerSecond, LastModifiedTime: clock.now().getTime(),
    };
    save(db, scope, next);
    return brief(next);
  })();
}

export function deleteApiDestination(db: Db, scope: Scope, name: string) {
  const d = requireDestination(db, scope, name);
  db.prepare("DELETE FROM event_api_destinations WHERE arn = ?").run(d.ApiDestinationArn);
}
