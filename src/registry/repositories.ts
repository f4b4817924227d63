import type { Db } from "../store/database.js";
import type { Scope } from "../core/arn.js";
import { invalidName, repositoryAlreadyExists } from "./errors.js";
import { isRepositoryName } from "./names.js";

export type TagMutability = "MUTABLE" | "IMMUTABLE" | "IMMUTABLE_WITH_EXCLUSION" | "MUTABLE_WITH_EXCLUSION";

/**
 * A repository's settings, stored as one JSON document in ECR's wire names so that new ECR
 * settings (policies, lifecycle rules, ...) can be added without a migration. Only
 * imageTagMutability is also a column, because every manifest push reads it.
 */
export interface RepositorySettings {
  imageTagMutability: TagMutability;
  /** For the *_WITH_EXCLUSION modes: tags matching a filter get the opposite rule. */
  imageTagMutabilityExclusionFilters?: Array<{ filterType: string; filter: string }>;
  imageScanningConfiguration: { scanOnPush: boolean };
  encryptionConfiguration: { encryptionType: string; kmsKey?: string };
  /** Room for later ECR settings (repository policy text, lifecycle policy text, ...). */
  [setting: string]: unknown;
}

export const defaultSettings = (): RepositorySettings => ({
  imageTagMutability: "MUTABLE",
  imageScanningConfiguration: { scanOnPush: false },
  encryptionConfiguration: { encryptionType: "AES256" },
});

export interface RepositoryRecord {
  /** Internal key; stable for the repository's life, never shown to clients. */
  id: number;
  account: string;
  region: string;
  name: string;
  arn: string;
  createdAt: Date;
  settings: RepositorySettings;
}

interface Row {
  id: number;
  account: string;
  region: string;
  name: string;
  arn: string;
  created_at: number;
  doc: string;
}

const toRecord = (r: Row): RepositoryRecord => ({
  id: r.id, account: r.account, region: r.region, name: r.name, arn: r.arn, createdAt: new Date(r.created_at), settings: JSON.parse(r.doc) as RepositorySettings,
});

export const repositoryArn = (s: Scope, name: string) => `arn:aws:ecr:${s.region}:${s.account}:repository/${name}`;

export function insertRepository(db: Db, scope: Scope, name: string, settings: RepositorySettings, now: Date): RepositoryRecord {
  if (!isRepositoryName(name)) throw invalidName(name);
  if (findRepository(db, scope, name)) throw repositoryAlreadyExists(name, scope.account);
  const arn = repositoryArn(scope, name);
  const { lastInsertRowid } = db
    .prepare("INSERT INTO registry_repositories (account, region, name, arn, created_at, tag_mutability, doc) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .run(scope.account, scope.region, name, arn, now.getTime(), settings.imageTagMutability, JSON.stringify(settings));
  return { id: Number(lastInsertRowid), account: scope.account, region: scope.region, name, arn, createdAt: now, settings };
}

export function findRepository(db: Db, scope: Scope, name: string): RepositoryRecord | undefined {
  const row = db.prepare("SELECT * FROM registry_repositories WHERE account = ? AND region = ? AND name = ?").get(scope.account, scope.region, name) as Row | undefined;
  return row ? toRecord(row) : undefined;
}

export function findRepositoryById(db: Db, id: number): RepositoryRecord | undefined {
  const row = db.prepare("SELECT * FROM registry_repositories WHERE id = ?").get(id) as Row | undefined;
  return row ? toRecord(row) : undefined;
}

/** Repositories in name order (byte order, as the catalog API requires), after `after`. */
export function selectRepositories(db: Db, scope: Scope, { after = "", limit = -1 }: { after?: string; limit?: number }): RepositoryRecord[] {
  const rows = db
    .prepare("SELECT * FROM registry_repositories WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?")
    .all(scope.account, scope.region, after, limit) as Row[];
  return rows.map(toRecord);
}

export function saveSettings(db: Db, id: number, settings: RepositorySettings): void {
  db.prepare("UPDATE registry_repositories SET tag_mutability = ?, doc = ? WHERE id = ?").run(settings.imageTagMutability, JSON.stringify(settings), id);
}
