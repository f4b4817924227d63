import type * as W from "@aws-sdk/client-eventbridge";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { Scope } from "../core/arn.js";
import { alreadyExists, busNotFound, notFound, validation } from "./errors.js";

export const DEFAULT_BUS = "default";
export const busArn = (s: Scope, name: string) => `arn:aws:events:${s.region}:${s.account}:event-bus/${name}`;

/** The stored bus: DescribeEventBus's shape with dates as epoch ms. */
interface BusDoc { Name: string; Arn: string; Description?: string; Policy?: string; DeadLetterConfig?: W.DeadLetterConfig; KmsKeyIdentifier?: string; CreationTime: number; LastModifiedTime: number }

/** Every account and region has a default bus; it is made the first time anything asks for it. */
function ensureDefault(db: Db, clock: Clock, scope: Scope) {
  const now = clock.now().getTime();
  const doc: BusDoc = { Name: DEFAULT_BUS, Arn: busArn(scope, DEFAULT_BUS), CreationTime: now, LastModifiedTime: now };
  db.prepare("INSERT OR IGNORE INTO event_buses (account, region, name, arn, doc) VALUES (?, ?, ?, ?, ?)").run(scope.account, scope.region, DEFAULT_BUS, doc.Arn, JSON.stringify(doc));
}

/** A bus ARN: its region, account and name. */
export const BUS_ARN = /^arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/;

/** A bus named by name or ARN (EventBusNameOrArn); an ARN of another account or region names no bus here. */
export function busNameOf(scope: Scope, nameOrArn: string | undefined): string {
  if (nameOrArn === undefined) return DEFAULT_BUS;
  const m = BUS_ARN.exec(nameOrArn);
  if (!m) return nameOrArn;
  if (m[1] !== scope.region || m[2] !== scope.account) throw busNotFound(m[3]!);
  return m[3]!;
}

/**
 * The bus PutEvents puts an entry on, and its account: a bus ARN names its own account's bus
 * (another account's bus is reached by its ARN, its policy deciding under iamEnforcement), a name
 * the caller's. An ARN of another region names no bus here (ResourceNotFoundException).
 */
export function requireBusByArn(db: Db, clock: Clock, scope: Scope, nameOrArn: string | undefined): { scope: Scope; bus: BusDoc } {
  const m = nameOrArn === undefined ? null : BUS_ARN.exec(nameOrArn);
  const owner = m && m[1] === scope.region ? { account: m[2]!, region: scope.region } : scope;
  return { scope: owner, bus: requireBus(db, clock, owner, nameOrArn) };
}

function findBus(db: Db, clock: Clock, scope: Scope, name: string): BusDoc | undefined {
  if (name === DEFAULT_BUS) ensureDefault(db, clock, scope);
  const row = db.prepare("SELECT doc FROM event_buses WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as BusDoc) : undefined;
}

export function requireBus(db: Db, clock: Clock, scope: Scope, nameOrArn: string | undefined): BusDoc {
  const name = busNameOf(scope, nameOrArn);
  const bus = findBus(db, clock, scope, name);
  if (!bus) throw busNotFound(name);
  return bus;
}

const present = (b: BusDoc) => ({ ...b, CreationTime: new Date(b.CreationTime), LastModifiedTime: new Date(b.LastModifiedTime) });

export function createBus(db: Db, clock: Clock, scope: Scope, input: W.CreateEventBusRequest): string {
  const name = input.Name!;
  if (name === DEFAULT_BUS) throw validation("Event bus name 'default' is reserved.");
  if (name.includes("/") && input.EventSourceName === undefined) throw validation("Event bus name must not contain '/'.");
  const now = clock.now().getTime();
  const doc: BusDoc = { Name: name, Arn: busArn(scope, name), Description: input.Description, DeadLetterConfig: input.DeadLetterConfig, KmsKeyIdentifier: input.KmsKeyIdentifier, CreationTime: now, LastModifiedTime: now };
  const r = db.prepare("INSERT OR IGNORE INTO event_buses (account, region, name, arn, doc) VALUES (?, ?, ?, ?, ?)").run(scope.account, scope.region, name, doc.Arn, JSON.stringify(doc));
  if (r.changes === 0) throw alreadyExists(`Event bus ${name} already exists.`);
  return doc.Arn;
}

export function describeBus(db: Db, clock: Clock, scope: Scope, nameOrArn: string | undefined) {
  return present(requireBus(db, clock, scope, nameOrArn));
}

export function listBuses(db: Db, clock: Clock, scope: Scope, input: W.ListEventBusesRequest) {
  ensureDefault(db, clock, scope);
  const offset = input.NextToken === undefined ? 0 : Number.parseInt(Buffer.from(input.NextToken, "base64url").toString(), 10);
  if (!Number.isSafeInteger(offset) || offset < 0) throw validation("The NextToken provided is invalid.");
  const limit = input.Limit ?? 100;
  const rows = db.prepare("SELECT doc FROM event_buses WHERE account = ? AND region = ? AND name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ? OFFSET ?")
    .all(scope.account, scope.region, `${(input.NamePrefix ?? "").replace(/[\\%_]/g, "\\$&")}%`, limit + 1, offset) as Array<{ doc: string }>;
  const page = rows.slice(0, limit).map((r) => present(JSON.parse(r.doc) as BusDoc));
  return { EventBuses: page, NextToken: rows.length > limit ? Buffer.from(String(offset + limit)).toString("base64url") : undefined };
}

export function updateBus(db: Db, clock: Clock, scope: Scope, input: W.UpdateEventBusRequest) {
  const bus = requireBus(db, clock, scope, input.Name);
  const next: BusDoc = { ...bus, LastModifiedTime: clock.now().getTime() };
  if (input.Description !== undefined) next.Description = input.Description;
  if (input.DeadLetterConfig !== undefined) next.DeadLetterConfig = input.DeadLetterConfig;
  if (input.KmsKeyIdentifier !== undefined) next.KmsKeyIdentifier = input.KmsKeyIdentifier;
  saveBus(db, scope, next);
  return { Arn: next.Arn, Name: next.Name, Description: next.Description, DeadLetterConfig: next.DeadLetterConfig, KmsKeyIdentifier: next.KmsKeyIdentifier };
}

function saveBus(db: Db, scope: Scope, bus: BusDoc) {
  db.prepare("UPDATE event_buses SET doc = ? WHERE account = ? AND region = ? AND name = ?").run(JSON.stringify(bus), scope.account, scope.region, bus.Name);
}

/** DeleteEventBus succeeds for a bus that does not exist, as AWS's does; the default bus cannot be deleted. */
export function deleteBus(db: Db, scope: Scope, name: string) {
  if (name === DEFAULT_BUS) throw validation("Cannot delete event bus default.");
  db.transaction(() => {
    const rules = db.prepare("SELECT count(*) AS n FROM event_rules WHERE account = ? AND region = ? AND bus = ?").get(scope.account, scope.region, name) as { n: number };
    if (rules.n > 0) throw validation(`Event bus ${name} cannot be deleted since it has rules.`);
    db.prepare("DELETE FROM event_buses WHERE account = ? AND region = ? AND name = ?").run(scope.account, scope.region, name);
    db.prepare("DELETE FROM tags WHERE arn = ?").run(busArn(scope, name));
  })();
}

/** PutPermission and RemovePermission edit the bus's resource policy (a JSON policy document). */
export function putPermission(db: Db, clock: Clock, scope: Scope, input: W.PutPermissionRequest) {
  db.transaction(() => {
    const bus = requireBus(db, clock, scope, input.EventBusName);
    let policy: { Version: string; Statement: Array<Record<string, unknown>> };
    if (input.Policy !== undefined) {
      try {
        policy = JSON.parse(input.Policy);
      } catch {
        throw validation("Policy is not valid JSON.");
      }
    } else {
      if (!input.StatementId || !input.Principal || !input.Action) throw validation("Parameter(s) Action, Principal, StatementId must be specified.");
      policy = bus.Policy ? JSON.parse(bus.Policy) : { Version: "2012-10-17", Statement: [] };
      policy.Statement = policy.Statement.filter((s) => s.Sid !== input.StatementId);
      const statement: Record<string, unknown> = {
        Sid: input.StatementId, Effect: "Allow",
        Principal: input.Principal === "*" ? "*" : { AWS: `arn:aws:iam::${input.Principal}:root` },
        Action: input.Action, Resource: bus.Arn,
      };
      if (input.Condition) statement.Condition = { StringEquals: { [input.Condition.Key!]: input.Condition.Value } };
      policy.Statement.push(statement);
    }
    saveBus(db, scope, { ...bus, Policy: JSON.stringify(policy), LastModifiedTime: clock.now().getTime() });
  })();
}

export function removePermission(db: Db, clock: Clock, scope: Scope, input: W.RemovePermissionRequest) {
  db.transaction(() => {
    const bus = requireBus(db, clock, scope, input.EventBusName);
    if (input.RemoveAllPermissions) {
      saveBus(db, scope, { ...bus, Policy: undefined });
      return;
    }
    const policy = bus.Policy ? (JSON.parse(bus.Policy) as { Statement: Array<{ Sid?: string }> }) : undefined;
    const kept = policy?.Statement.filter((s) => s.Sid !== input.StatementId);
    if (!policy || !kept || kept.length === policy.Statement.length) throw notFound("Statement with the provided id does not exist.");
    saveBus(db, scope, { ...bus, Policy: kept.length ? JSON.stringify({ ...policy, Statement: kept }) : undefined });
  })();
}
