import type { Db } from "../store/database.js";
import type { Scope } from "../core/arn.js";

/**
 * ECR's registry-wide settings (registry policy, replication configuration, creation
 * templates, pull-through cache rules, scanning configuration, account settings, pull-time
 * update exclusions, signing configuration): one JSON document per
 * account, region and setting, in ECR's wire names.
 */
export type RegistrySettingName = "registryPolicy" | "replicationConfiguration" | "creationTemplates" | "pullThroughCacheRules" | "scanningConfiguration" | "accountSettings"
  | "pullTimeUpdateExclusions" | "signingConfiguration";

export function readSetting<T>(db: Db, scope: Scope, name: RegistrySettingName): T | undefined {
  const row = db.prepare("SELECT doc FROM ecr_registry_settings WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as { doc: string } | undefined;
  return row ? (JSON.parse(row.doc) as T) : undefined;
}

export function writeSetting(db: Db, scope: Scope, name: RegistrySettingName, doc: unknown): void {
  db.prepare(
    `INSERT INTO ecr_registry_settings (account, region, name, doc) VALUES (?, ?, ?, ?)
     ON CONFLICT (account, region, name) DO UPDATE SET doc = excluded.doc`,
  ).run(scope.account, scope.region, name, JSON.stringify(doc));
}

/** True when there was a setting to delete. */
export function deleteSetting(db: Db, scope: Scope, name: RegistrySettingName): boolean {
  return db.prepare("DELETE FROM ecr_registry_settings WHERE account = ? AND region = ? AND name = ?").run(scope.account, scope.region, name).changes > 0;
}
