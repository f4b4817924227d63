import type { CapacityProvider } from "@aws-sdk/client-ecs";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";

/** Capacity providers created with CreateCapacityProvider (FARGATE and FARGATE_SPOT are not stored). */
export function findProvider(db: Db, scope: Scope, name: string): CapacityProvider | undefined {
  const row = db.prepare("SELECT doc FROM capacity_providers WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as CapacityProvider) : undefined;
}

export function storedProviders(db: Db, scope: Scope): CapacityProvider[] {
  const rows = db.prepare("SELECT doc FROM capacity_providers WHERE account = ? AND region = ? ORDER BY seq").all(scope.account, scope.region) as Array<{ doc: string }>;
  return rows.map((r) => JSON.parse(r.doc) as CapacityProvider);
}

export function saveProvider(db: Db, scope: Scope, p: CapacityProvider): void {
  db.prepare(
    `INSERT INTO capacity_providers (account, region, name, arn, status, seq, doc)
     VALUES (?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM capacity_providers), ?)
     ON CONFLICT (account, region, name) DO UPDATE SET arn = excluded.arn, status = excluded.status, seq = excluded.seq, doc = excluded.doc`,
  ).run(scope.account, scope.region, p.name, p.capacityProviderArn, p.status, JSON.stringify({ ...p, tags: undefined }));
}

/** Names of the ACTIVE clusters (in this account and region) whose provider list names `name`. */
export function clustersUsing(db: Db, scope: Scope, name: string): string[] {
  const rows = db.prepare("SELECT arn, doc FROM clusters WHERE account = ? AND region = ? AND status = 'ACTIVE'").all(scope.account, scope.region) as Array<{ arn: string; doc: string }>;
  return rows.filter((r) => ((JSON.parse(r.doc) as { capacityProviders?: string[] }).capacityProviders ?? []).includes(name)).map((r) => r.arn);
}
