import type * as W from "@aws-sdk/client-iam";
import type { Handler } from "../aws/service.js";
import type { IamDeps } from "./deps.js";
import { deleteConflict, entityAlreadyExists, noSuchEntity, unmodifiable } from "./errors.js";
import { encodeDocument, iamArn, mergeTags, nameKey, paginate, type Tag } from "./iam-common.js";
import { newUniqueId } from "./iam-ids.js";
import { parsePolicyDocument } from "./policy-document.js";
import type { Db } from "../store/database.js";

/** A role as stored: IAM's Role shape with the trust policy as the user wrote it. */
export interface StoredRole {
  Path: string;
  RoleName: string;
  RoleId: string;
  Arn: string;
  CreateDate: string;
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  Tags: Tag[];
}

export const SERVICE_ROLE_PATH = "/aws-service-role/";

export function findRole(db: Db, account: string, name: string): StoredRole | undefined {
  const row = db.prepare("SELECT doc FROM iam_roles WHERE account = ? AND name_key = ?").get(account, nameKey(name)) as { doc: string } | undefined;
  return row && (JSON.parse(row.doc) as StoredRole);
}

export function requireRole(db: Db, account: string, name: string): StoredRole {
  const role = findRole(db, account, name);
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return role;
}

/** A role by its ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME), in the ARN's account. */
export function findRoleByArn(db: Db, arn: string): StoredRole | undefined {
  const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
  if (!m) return undefined;
  const role = findRole(db, m[1]!, m[2]!);
  return role?.Arn === arn ? role : undefined;
}

export function insertRole(db: Db, account: string, role: StoredRole): void {
  if (findRole(db, account, role.RoleName)) throw entityAlreadyExists(`Role with name ${role.RoleName} already exists.`);
  db.prepare("INSERT INTO iam_roles (account, name_key, name, path, id, arn, created_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .run(account, nameKey(role.RoleName), role.RoleName, role.Path, role.RoleId, role.Arn, Date.parse(role.CreateDate), JSON.stringify(role));
}

const saveRole = (db: Db, account: string, role: StoredRole) =>
  db.prepare("UPDATE iam_roles SET doc = ? WHERE account = ? AND name_key = ?").run(JSON.stringify(role), account, nameKey(role.RoleName));

/** The Role shape IAM answers with: the trust policy URL-encoded; ListRoles leaves tags out. */
export function presentRole(role: StoredRole, { tags = true } = {}): W.Role {
  const { Tags, AssumeRolePolicyDocument, CreateDate, ...rest } = role;
  return {
    ...rest,
    CreateDate: new Date(CreateDate),
    AssumeRolePolicyDocument: encodeDocument(AssumeRolePolicyDocument),
    ...(tags && Tags.length ? { Tags } : {}),
    ...(tags ? { RoleLastUsed: {} } : {}),
  };
}

/** A service-linked role is AWS's to change (UnmodifiableEntity for DeleteRole, UpdateAssumeRolePolicy). */
function requireModifiable(role: StoredRole): void {
  if (role.Path.startsWith(SERVICE_ROLE_PATH)) {
    throw unmodifiable(`Cannot perform the operation on the protected role '${role.RoleName}' - this role is only modifiable by AWS`);
  }
}

export function roleHandlers({ db, clock }: IamDeps): Record<string, Handler> {
  return {
    CreateRole: (input: W.CreateRoleRequest, ctx) => {
      parsePolicyDocument(input.AssumeRolePolicyDocument!, "trust");
      const path = input.Path ?? "/";
      const role: StoredRole = {
        Path: path, RoleName: input.RoleName!, RoleId: newUniqueId("AROA"), Arn: iamArn(ctx.account, "role", path, input.RoleName!),
        CreateDate: clock.now().toISOString(), AssumeRolePolicyDocument: input.AssumeRolePolicyDocument!,
        ...(input.Description === undefined ? {} : { Description: input.Description }),
        MaxSessionDuration: input.MaxSessionDuration ?? 3600, Tags: mergeTags([], input.Tags as Tag[] | undefined),
      };
      insertRole(db, ctx.account, role);
      return { Role: presentRole(role) };
    },
    GetRole: (input: W.GetRoleRequest, ctx) => ({ Role: presentRole(requireRole(db, ctx.account, input.RoleName!)) }),
    ListRoles: (input: W.ListRolesRequest, ctx) => {
      const prefix = input.PathPrefix ?? "/";
      const rows = db.prepare("SELECT doc FROM iam_roles WHERE account = ? ORDER BY name_key").all(ctx.account) as { doc: string }[];
      const roles = rows.map((r) => JSON.parse(r.doc) as StoredRole).filter((r) => r.Path.startsWith(prefix));
      const page = paginate(roles, input.Marker, input.MaxItems);
      return { Roles: page.items.map((r) => presentRole(r, { tags: false })), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    UpdateRole: (input: W.UpdateRoleRequest, ctx) => {
      const role = requireRole(db, ctx.account, input.RoleName!);
      if (input.Description !== undefined) role.Description = input.Description;
      if (input.MaxSessionDuration !== undefined) role.MaxSessionDuration = input.MaxSessionDuration;
      saveRole(db, ctx.account, role);
      return {};
    },
    UpdateRoleDescription: (input: W.UpdateRoleDescriptionRequest, ctx) => {
      const role = requireRole(db, ctx.account, input.RoleName!);
      role.Description = input.Description!;
      saveRole(db, ctx.account, role);
      return { Role: presentRole(role) };
    },
    UpdateAssumeRolePolicy: (input: W.UpdateAssumeRolePolicyRequest, ctx) => {
      const role = requireRole(db, ctx.account, input.RoleName!);
      requireModifiable(role);
      parsePolicyDocument(input.PolicyDocument!, "trust");
      role.AssumeRolePolicyDocument = input.PolicyDocument!;
      saveRole(db, ctx.account, role);
      return {};
    },
    DeleteRole: (input: W.DeleteRoleRequest, ctx) => {
      const role = requireRole(db, ctx.account, input.RoleName!);
      requireModifiable(role);
      const key = nameKey(role.RoleName);
      const count = (sql: string) => (db.prepare(sql).get(ctx.account, key) as { n: number }).n;
      if (count("SELECT count(*) AS n FROM iam_inline_policies WHERE account = ? AND entity_type = 'role' AND entity_key = ?")) {
        throw deleteConflict("Cannot delete entity, must delete policies first.");
      }
      if (count("SELECT count(*) AS n FROM iam_attachments WHERE account = ? AND entity_type = 'role' AND entity_key = ?")) {
        throw deleteConflict("Cannot delete entity, must detach all policies first.");
      }
      if (count("SELECT count(*) AS n FROM iam_instance_profiles WHERE account = ? AND role_key = ?")) {
        throw deleteConflict("Cannot delete entity, must remove roles from instance profile first.");
      }
      db.prepare("DELETE FROM iam_roles WHERE account = ? AND name_key = ?").run(ctx.account, key);
      return {};
    },
    TagRole: (input: W.TagRoleRequest, ctx) => {
      const role = requireRole(db, ctx.account, input.RoleName!);
      role.Tags = mergeTags(role.Tags, input.Tags as Tag[]);
      saveRole(db, ctx.account, role);
      return {};
    },
    UntagRole: (input: W.UntagRoleRequest, ctx) => {
      const role = requireRole(db, ctx.account, input.RoleName!);
      role.Tags = role.Tags.filter((t) => !input.TagKeys!.includes(t.Key));
      saveRole(db, ctx.account, role);
      return {};
    },
    ListRoleTags: (input: W.ListRoleTagsRequest, ctx) => {
      const page = paginate(requireRole(db, ctx.account, input.RoleName!).Tags, input.Marker, input.MaxItems);
      return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
  };
}
