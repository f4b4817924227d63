import { randomInt, randomUUID } from "node:crypto";
import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { ValueCipher } from "../store/value-cipher.js";
import { invalidParameter, invalidRequest, markedForDeletion, notFound, resourceExists, versionNotFound } from "./errors.js";

/**
 * Secrets and their versions in the store. A secret's value lives in versions; staging labels
 * (AWSCURRENT, AWSPREVIOUS, AWSPENDING, any of the user's) name versions, each label at most
 * one version of a secret. Values are sealed with the data directory's key, bound to the
 * secret's ARN and the version id.
 */
export interface SecretDeps {
  db: Db;
  clock: Clock;
  cipher: ValueCipher;
}

export interface SecretDoc {
  Name: string;
  Description?: string;
  KmsKeyId?: string;
  CreatedDate: number;
  LastChangedDate: number;
  LastAccessedDate?: number;
  DeletedDate?: number;
  /** The resource-based policy (PutResourcePolicy), as GetResourcePolicy returns it. */
  ResourcePolicy?: string;
}

export interface SecretRow {
  arn: string;
  account: string;
  region: string;
  name: string;
  created_at: number;
  deletion_date: number | null;
  doc: SecretDoc;
}

export interface VersionRow {
  version_id: string;
  created_at: number;
  stages: string[];
  binary: boolean;
  value: Buffer;
}

export type SecretValue = { SecretString: string } | { SecretBinary: Buffer };

export const CURRENT = "AWSCURRENT";
export const PREVIOUS = "AWSPREVIOUS";

const SUFFIX_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf: AWS adds six random characters so a secret made again under the same name has another ARN. */
export function secretArn(account: string, region: string, name: string): string {
  let suffix = "";
  for (let i = 0; i < 6; i++) suffix += SUFFIX_CHARS[randomInt(SUFFIX_CHARS.length)];
  return `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${suffix}`;
}

const PARTIAL_ARN = /^arn:aws[a-z-]*:secretsmanager:([^:]+):(\d{12}):secret:(.+)$/;

type RawSecret = Omit<SecretRow, "doc"> & { doc: string };
const parse = (r: RawSecret | undefined): SecretRow | undefined => (r ? { ...r, doc: JSON.parse(r.doc) as SecretDoc } : undefined);

/** Secrets whose recovery window ended are gone, as AWS deletes them then. */
export function purgeExpired({ db, clock }: SecretDeps): void {
  const now = clock.now().getTime();
  const gone = db.prepare("SELECT arn FROM secrets WHERE deletion_date IS NOT NULL AND deletion_date <= ?").all(now) as Array<{ arn: string }>;
  if (gone.length === 0) return;
  db.transaction(() => {
    for (const { arn } of gone) {
      db.prepare("DELETE FROM secrets WHERE arn = ?").run(arn);
      db.prepare("DELETE FROM tags WHERE arn = ?").run(arn);
    }
  })();
}

/**
 * A secret by name, full ARN or partial ARN (the ARN without its six-character suffix), deleted
 * or not. A name is looked up in the caller's account; an ARN in the account it names, as
 * Secrets Manager reaches another account's secret (its resource policy decides whether the
 * caller may: authorization.ts). The Region is the endpoint's.
 */
export function findSecret(deps: SecretDeps, account: string, region: string, secretId: string): SecretRow | undefined {
  purgeExpired(deps);
  return parse(lookUp(deps.db, account, region, secretId));
}

/** The full ARN of the secret a SecretId names (as findSecret finds it), for authorization: a read only, nothing purged. */
export const secretArnOf = (db: Db, account: string, region: string, secretId: string): string | undefined => lookUp(db, account, region, secretId)?.arn;

function lookUp(db: Db, account: string, region: string, secretId: string): RawSecret | undefined {
  const byName = (owner: string, name: string) => db.prepare("SELECT * FROM secrets WHERE account = ? AND region = ? AND name = ?").get(owner, region, name) as RawSecret | undefined;
  if (!secretId.startsWith("arn:")) return byName(account, secretId);
  const m = PARTIAL_ARN.exec(secretId);
  if (!m || m[1] !== region) return undefined;
  return (db.prepare("SELECT * FROM secrets WHERE arn = ? AND region = ?").get(secretId, region) as RawSecret | undefined) ?? byName(m[2]!, m[3]!);
}

/** The KMS key AWS encrypts a secret with when it names none: it cannot be used from another account. */
const usesDefaultKey = (s: SecretRow) => s.doc.KmsKeyId === undefined || /(^|:)alias\/aws\/secretsmanager$/.test(s.doc.KmsKeyId);

/**
 * A secret's value read or written from another account needs a customer-managed key, as AWS's
 * own managed key's policy cannot grant another account (Berth has no KMS: any other KmsKeyId
 * counts as one whose key policy allows the caller; docs/compatibility.md).
 */
export function requireCrossAccountKey(s: SecretRow, callerAccount: string): void {
  if (s.account !== callerAccount && usesDefaultKey(s)) {
    throw invalidRequest("You can't access a secret from a different AWS account if you encrypt the secret with the default KMS service key.");
  }
}

export function requireSecret(deps: SecretDeps, account: string, region: string, secretId: string, { deleted = false } = {}): SecretRow {
  const s = findSecret(deps, account, region, secretId);
  if (!s) throw notFound();
  if (!deleted && s.deletion_date !== null) throw markedForDeletion();
  return s;
}

export function saveDoc(db: Db, s: SecretRow): void {
  db.prepare("UPDATE secrets SET doc = ?, deletion_date = ? WHERE arn = ?").run(JSON.stringify(s.doc), s.deletion_date, s.arn);
}

export function versionsOf(db: Db, arn: string): VersionRow[] {
  const rows = db.prepare("SELECT version_id, created_at, stages, binary, value FROM secret_versions WHERE arn = ? ORDER BY seq").all(arn) as Array<Omit<VersionRow, "stages" | "binary"> & { stages: string; binary: number }>;
  return rows.map((r) => ({ ...r, stages: JSON.parse(r.stages) as string[], binary: r.binary === 1 }));
}

/** { versionId: [stages] } for the versions that carry a label, as DescribeSecret and ListSecrets show them. */
export function versionIdsToStages(db: Db, arn: string): Record<string, string[]> {
  return Object.fromEntries(versionsOf(db, arn).filter((v) => v.stages.length > 0).map((v) => [v.version_id, v.stages]));
}

const context = (arn: string, versionId: string) => `${arn}/${versionId}`;

export function openValue(cipher: ValueCipher, arn: string, v: VersionRow): SecretValue {
  const plain = cipher.open(v.value, context(arn, v.version_id));
  return v.binary ? { SecretBinary: plain } : { SecretString: plain.toString("utf8") };
}

/** The version a GetSecretValue-like call names: by id, by label, or AWSCURRENT. */
export function selectVersion(db: Db, arn: string, { versionId, versionStage }: { versionId?: string; versionStage?: string }): VersionRow {
  const versions = versionsOf(db, arn);
  if (versionId !== undefined) {
    const v = versions.find((x) => x.version_id === versionId);
    if (!v || (versionStage !== undefined && !v.stages.includes(versionStage))) throw versionNotFound(`VersionId: ${versionId}`);
    return v;
  }
  const stage = versionStage ?? CURRENT;
  const v = versions.find((x) => x.stages.includes(stage));
  if (!v) throw versionNotFound(`staging label: ${stage}`);
  return v;
}

const sameValue = (a: SecretValue, b: SecretValue) =>
  "SecretString" in a ? "SecretString" in b && a.SecretString === b.SecretString : "SecretBinary" in b && a.SecretBinary.equals(b.SecretBinary);

/** The value a request gives (SecretString or SecretBinary, never both), or undefined. */
export function valueOf(input: { SecretString?: string; SecretBinary?: Buffer }): SecretValue | undefined {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.");
  }
  if (input.SecretString !== undefined) return { SecretString: input.SecretString };
  if (input.SecretBinary !== undefined) return { SecretBinary: Buffer.from(input.SecretBinary) };
  return undefined;
}

/**
 * Adds a version carrying `stages` (AWSCURRENT unless given). Each label moves from whichever
 * version had it; the version that loses AWSCURRENT gets AWSPREVIOUS. A ClientRequestToken is
 * the version id: the same token with the same value is the same request (nothing changes),
 * with another value an error, as versions never change. Returns the version id and whether
 * anything was added. Runs inside the caller's transaction.
 */
export function addVersion(deps: SecretDeps, s: SecretRow, value: SecretValue, token: string | undefined, stages: string[] = [CURRENT]): { versionId: string; added: boolean } {
  const { db, clock, cipher } = deps;
  const versions = versionsOf(db, s.arn);
  const versionId = token ?? randomUUID();
  const existing = versions.find((v) => v.version_id === versionId);
  if (existing) {
    if (sameValue(openValue(cipher, s.arn, existing), value)) return { versionId, added: false };
    throw resourceExists("You can't modify an existing version, you can only create a new version.");
  }
  for (const stage of stages) moveStage(db, s.arn, stage, undefined);
  const now = clock.now().getTime();
  const seq = (db.prepare("SELECT coalesce(max(seq), 0) + 1 AS n FROM secret_versions WHERE arn = ?").get(s.arn) as { n: number }).n;
  const plain = "SecretString" in value ? Buffer.from(value.SecretString, "utf8") : value.SecretBinary;
  db.prepare("INSERT INTO secret_versions (arn, version_id, created_at, seq, stages, binary, value) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .run(s.arn, versionId, now, seq, JSON.stringify([...new Set(stages)]), "SecretBinary" in value ? 1 : 0, cipher.seal(plain, context(s.arn, versionId)));
  s.doc.LastChangedDate = now;
  saveDoc(db, s);
  return { versionId, added: true };
}

/**
 * Takes `stage` off the version that has it and puts it on `to` (none: off only). Moving
 * AWSCURRENT leaves AWSPREVIOUS on the version that had it, as Secrets Manager does.
 */
export function moveStage(db: Db, arn: string, stage: string, to: string | undefined): void {
  const versions = versionsOf(db, arn);
  const set = (id: string, stages: string[]) => db.prepare("UPDATE secret_versions SET stages = ? WHERE arn = ? AND version_id = ?").run(JSON.stringify(stages), arn, id);
  const from = versions.find((v) => v.stages.includes(stage));
  if (from && from.version_id === to) return;
  if (from) {
    set(from.version_id, from.stages.filter((x) => x !== stage));
    if (stage === CURRENT) {
      const prev = versions.find((v) => v.stages.includes(PREVIOUS));
      if (prev && prev.version_id !== from.version_id) set(prev.version_id, prev.stages.filter((x) => x !== PREVIOUS));
      const now = versionsOf(db, arn).find((v) => v.version_id === from.version_id)!;
      if (!now.stages.includes(PREVIOUS)) set(from.version_id, [...now.stages, PREVIOUS]);
    }
  }
  if (to !== undefined) {
    const target = versionsOf(db, arn).find((v) => v.version_id === to)!;
    const stages = target.stages.filter((x) => !(stage === CURRENT && x === PREVIOUS));
    set(to, [...stages, stage]);
  }
}

export function createSecretRow(db: Db, row: Omit<SecretRow, "deletion_date">): SecretRow {
  const existing = db.prepare("SELECT deletion_date FROM secrets WHERE account = ? AND region = ? AND name = ?").get(row.account, row.region, row.name) as { deletion_date: number | null } | undefined;
  if (existing) {
    if (existing.deletion_date !== null) throw invalidRequestScheduled();
    throw resourceExists(`The operation failed because the secret ${row.name} already exists.`);
  }
  db.prepare("INSERT INTO secrets (arn, account, region, name, created_at, deletion_date, doc) VALUES (?, ?, ?, ?, ?, NULL, ?)")
    .run(row.arn, row.account, row.region, row.name, row.created_at, JSON.stringify(row.doc));
  return { ...row, deletion_date: null };
}

const invalidRequestScheduled = () => invalidRequest("You can't create this secret because a secret with this name is already scheduled for deletion.");
