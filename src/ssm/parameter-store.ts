import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { ValueCipher } from "../store/value-cipher.js";
import { parameterNotFound, versionNotFound } from "./errors.js";
import { parseRef } from "./parameter-names.js";

/**
 * Parameters and their versions in the store. Every version keeps its own type, description,
 * pattern, tier, data type and labels (GetParameterHistory shows them), and its value sealed
 * with the data directory's key, bound to the parameter's name and version.
 */
export interface ParameterDeps {
  db: Db;
  clock: Clock;
  cipher: ValueCipher;
}

export interface VersionDoc {
  Type: "String" | "StringList" | "SecureString";
  KeyId?: string;
  Description?: string;
  AllowedPattern?: string;
  Tier: string;
  DataType: string;
  LastModifiedDate: number;
  LastModifiedUser: string;
  Labels: string[];
}

export interface ParameterVersion {
  account: string;
  region: string;
  name: string;
  version: number;
  doc: VersionDoc;
  value: Buffer;
}

type Raw = Omit<ParameterVersion, "doc"> & { doc: string };
const parse = (r: Raw): ParameterVersion => ({ ...r, doc: JSON.parse(r.doc) as VersionDoc });

const context = (p: { account: string; region: string; name: string; version: number }) => `${p.account}/${p.region}/${p.name}/${p.version}`;

export const sealValue = (cipher: ValueCipher, p: { account: string; region: string; name: string; version: number }, value: string) => cipher.seal(Buffer.from(value, "utf8"), context(p));
export const openValue = (cipher: ValueCipher, p: ParameterVersion) => cipher.open(p.value, context(p)).toString("utf8");

/** What a caller sees as Value: the plaintext, or a SecureString's ciphertext unless decryption was asked for. */
export const shownValue = (cipher: ValueCipher, p: ParameterVersion, decrypt: boolean) =>
  p.doc.Type === "SecureString" && !decrypt ? p.value.toString("base64") : openValue(cipher, p);

export function latest(db: Db, scope: { account: string; region: string }, name: string): ParameterVersion | undefined {
  const r = db.prepare(`SELECT v.* FROM ssm_parameters p JOIN ssm_parameter_versions v USING (account, region, name, version)
    WHERE p.account = ? AND p.region = ? AND p.name = ?`).get(scope.account, scope.region, name) as Raw | undefined;
  return r ? parse(r) : undefined;
}

export function versionsOf(db: Db, scope: { account: string; region: string }, name: string): ParameterVersion[] {
  return (db.prepare("SELECT * FROM ssm_parameter_versions WHERE account = ? AND region = ? AND name = ? ORDER BY version").all(scope.account, scope.region, name) as Raw[]).map(parse);
}

/** Every parameter's latest version in the scope, by name. */
export function allLatest(db: Db, scope: { account: string; region: string }): ParameterVersion[] {
  return (db.prepare(`SELECT v.* FROM ssm_parameters p JOIN ssm_parameter_versions v USING (account, region, name, version)
    WHERE p.account = ? AND p.region = ? ORDER BY p.name`).all(scope.account, scope.region) as Raw[]).map(parse);
}

export function saveVersionDoc(db: Db, p: ParameterVersion): void {
  db.prepare("UPDATE ssm_parameter_versions SET doc = ? WHERE account = ? AND region = ? AND name = ? AND version = ?").run(JSON.stringify(p.doc), p.account, p.region, p.name, p.version);
}

/** The version a name, ARN, `name:version` or `name:label` selects; ParameterNotFound / ParameterVersionNotFound otherwise. */
export function resolveRef(db: Db, scope: { account: string; region: string }, text: string): { p: ParameterVersion; selector?: string } {
  const ref = parseRef(text, scope);
  if (!ref) throw parameterNotFound();
  for (const name of ref.names) {
    const versions = versionsOf(db, scope, name);
    if (versions.length === 0) continue;
    if (ref.version !== undefined) {
      const p = versions.find((v) => v.version === ref.version);
      if (!p) throw versionNotFound(`Systems Manager could not find version ${ref.version} of ${name}. Verify the version and try again.`);
      return { p, selector: ref.selector };
    }
    if (ref.label !== undefined) {
      const p = versions.find((v) => v.doc.Labels.includes(ref.label!));
      if (!p) throw parameterNotFound();
      return { p, selector: ref.selector };
    }
    return { p: versions[versions.length - 1]! };
  }
  throw parameterNotFound();
}
