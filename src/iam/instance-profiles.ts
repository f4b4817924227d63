import type * as W from "@aws-sdk/client-iam";
import type { Handler } from "../aws/service.js";
import type { Db } from "../store/database.js";
import type { IamDeps } from "./deps.js";
import { deleteConflict, entityAlreadyExists, limitExceeded, noSuchEntity } from "./errors.js";
import { iamArn, mergeTags, nameKey, paginate, type Tag } from "./iam-common.js";
import { newUniqueId } from "./iam-ids.js";
import { findRole, presentRole, requireRole } from "./roles.js";

interface StoredProfile {
  Path: string;
  InstanceProfileName: string;
  InstanceProfileId: string;
  Arn: string;
  CreateDate: string;
  Tags: Tag[];
}

interface ProfileRow { doc: string; role_key: string | null }

/** Instance profiles: containers of (at most) one role, for EC2 container instances. */
export function instanceProfileHandlers({ db, clock }: IamDeps): Record<string, Handler> {
  const find = (account: string, name: string) => db.prepare("SELECT doc, role_key FROM iam_instance_profiles WHERE account = ? AND name_key = ?").get(account, nameKey(name)) as ProfileRow | undefined;
  const require = (account: string, name: string) => {
    const row = find(account, name);
    if (!row) throw noSuchEntity(`Instance Profile ${name} cannot be found.`);
    return row;
  };
  const present = (db: Db, account: string, row: ProfileRow): W.InstanceProfile => {
    const { Tags, CreateDate, ...rest } = JSON.parse(row.doc) as StoredProfile;
    const role = row.role_key === null ? undefined : findRole(db, account, row.role_key);
    return { ...rest, CreateDate: new Date(CreateDate), Roles: role ? [presentRole(role, { tags: false })] : [], ...(Tags.length ? { Tags } : {}) };
  };
  return {
    CreateInstanceProfile: (input: W.CreateInstanceProfileRequest, ctx) => {
      if (find(ctx.account, input.InstanceProfileName!)) throw entityAlreadyExists(`Instance Profile ${input.InstanceProfileName} already exists.`);
      const path = input.Path ?? "/";
      const profile: StoredProfile = {
        Path: path, InstanceProfileName: input.InstanceProfileName!, InstanceProfileId: newUniqueId("AIPA"),
        Arn: iamArn(ctx.account, "instance-profile", path, input.InstanceProfileName!), CreateDate: clock.now().toISOString(), Tags: mergeTags([], input.Tags as Tag[] | undefined),
      };
      db.prepare("INSERT INTO iam_instance_profiles (account, name_key, name, path, id, arn, created_at, role_key, doc) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)")
        .run(ctx.account, nameKey(profile.InstanceProfileName), profile.InstanceProfileName, path, profile.InstanceProfileId, profile.Arn, Date.parse(profile.CreateDate), JSON.stringify(profile));
      return { InstanceProfile: present(db, ctx.account, find(ctx.account, profile.InstanceProfileName)!) };
    },
    GetInstanceProfile: (input: W.GetInstanceProfileRequest, ctx) => ({ InstanceProfile: present(db, ctx.account, require(ctx.account, input.InstanceProfileName!)) }),
    ListInstanceProfiles: (input: W.ListInstanceProfilesRequest, ctx) => {
      const prefix = input.PathPrefix ?? "/";
      const rows = (db.prepare("SELECT doc, role_key FROM iam_instance_profiles WHERE account = ? ORDER BY name_key").all(ctx.account) as ProfileRow[])
        .filter((r) => (JSON.parse(r.doc) as StoredProfile).Path.startsWith(prefix));
      const page = paginate(rows, input.Marker, input.MaxItems);
      return { InstanceProfiles: page.items.map((r) => present(db, ctx.account, r)), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    ListInstanceProfilesForRole: (input: W.ListInstanceProfilesForRoleRequest, ctx) => {
      const role = requireRole(db, ctx.account, input.RoleName!);
      const rows = db.prepare("SELECT doc, role_key FROM iam_instance_profiles WHERE account = ? AND role_key = ? ORDER BY name_key").all(ctx.account, nameKey(role.RoleName)) as ProfileRow[];
      const page = paginate(rows, input.Marker, input.MaxItems);
      return { InstanceProfiles: page.items.map((r) => present(db, ctx.account, r)), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    DeleteInstanceProfile: (input: W.DeleteInstanceProfileRequest, ctx) => {
      const row = require(ctx.account, input.InstanceProfileName!);
      if (row.role_key !== null) throw deleteConflict("Cannot delete entity, must remove roles from instance profile first.");
      db.prepare("DELETE FROM iam_instance_profiles WHERE account = ? AND name_key = ?").run(ctx.account, nameKey(input.InstanceProfileName!));
      return {};
    },
    AddRoleToInstanceProfile: (input: W.AddRoleToInstanceProfileRequest, ctx) => {
      const row = require(ctx.account, input.InstanceProfileName!);
      const role = requireRole(db, ctx.account, input.RoleName!);
      if (row.role_key !== null) throw limitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1");
      db.prepare("UPDATE iam_instance_profiles SET role_key = ? WHERE account = ? AND name_key = ?").run(nameKey(role.RoleName), ctx.account, nameKey(input.InstanceProfileName!));
      return {};
    },
    RemoveRoleFromInstanceProfile: (input: W.RemoveRoleFromInstanceProfileRequest, ctx) => {
      const row = require(ctx.account, input.InstanceProfileName!);
      const role = requireRole(db, ctx.account, input.RoleName!);
      if (row.role_key !== nameKey(role.RoleName)) throw noSuchEntity(`The role with name ${input.RoleName} cannot be found in instance profile ${input.InstanceProfileName}.`);
      db.prepare("UPDATE iam_instance_profiles SET role_key = NULL WHERE account = ? AND name_key = ?").run(ctx.account, nameKey(input.InstanceProfileName!));
      return {};
    },
  };
}
