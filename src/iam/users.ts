import type * as W from "@aws-sdk/client-iam";
import type { Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import type { Db } from "../store/database.js";
import type { IamDeps } from "./deps.js";
import { deleteConflict, entityAlreadyExists, limitExceeded, noSuchEntity, validationError } from "./errors.js";
import { iamArn, mergeTags, nameKey, paginate, type Tag } from "./iam-common.js";
import { newAccessKeyId, newSecretAccessKey, newUniqueId } from "./iam-ids.js";

export interface StoredUser {
  Path: string;
  UserName: string;
  UserId: string;
  Arn: string;
  CreateDate: string;
  Tags: Tag[];
}

const MAX_KEYS = 2;

export function findUser(db: Db, account: string, name: string): StoredUser | undefined {
  const row = db.prepare("SELECT doc FROM iam_users WHERE account = ? AND name_key = ?").get(account, nameKey(name)) as { doc: string } | undefined;
  return row && (JSON.parse(row.doc) as StoredUser);
}

export function requireUser(db: Db, account: string, name: string): StoredUser {
  const user = findUser(db, account, name);
  if (!user) throw noSuchEntity(`The user with name ${name} cannot be found.`);
  return user;
}

const present = (u: StoredUser, { tags = true } = {}): W.User => {
  const { Tags, CreateDate, ...rest } = u;
  return { ...rest, CreateDate: new Date(CreateDate), ...(tags && Tags.length ? { Tags } : {}) };
};

/** The user a call without UserName is about: the calling user (IAM refuses other callers). */
function callingUser(ctx: RequestContext): string {
  if (ctx.principal?.type !== "User") throw validationError("Must specify userName when calling with non-User credentials");
  return ctx.principal.name;
}

export function userHandlers({ db, clock }: IamDeps): Record<string, Handler> {
  const keysOf = (account: string, user: string) =>
    db.prepare("SELECT access_key_id, status, created_at FROM iam_access_keys WHERE account = ? AND user_key = ? ORDER BY created_at, access_key_id").all(account, nameKey(user)) as
      { access_key_id: string; status: string; created_at: number }[];
  const requireKey = (account: string, user: string, id: string) => {
    if (!keysOf(account, user).some((k) => k.access_key_id === id)) throw noSuchEntity(`The Access Key with id ${id} cannot be found.`);
  };
  return {
    CreateUser: (input: W.CreateUserRequest, ctx) => {
      if (findUser(db, ctx.account, input.UserName!)) throw entityAlreadyExists(`User with name ${input.UserName} already exists.`);
      const path = input.Path ?? "/";
      const user: StoredUser = {
        Path: path, UserName: input.UserName!, UserId: newUniqueId("AIDA"), Arn: iamArn(ctx.account, "user", path, input.UserName!),
        CreateDate: clock.now().toISOString(), Tags: mergeTags([], input.Tags as Tag[] | undefined),
      };
      db.prepare("INSERT INTO iam_users (account, name_key, name, path, id, arn, created_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .run(ctx.account, nameKey(user.UserName), user.UserName, path, user.UserId, user.Arn, Date.parse(user.CreateDate), JSON.stringify(user));
      return { User: present(user) };
    },
    GetUser: (input: W.GetUserRequest, ctx) => {
      if (input.UserName !== undefined) return { User: present(requireUser(db, ctx.account, input.UserName)) };
      // Without a name: the caller. The root has no user name or path; a role session is no user.
      if (ctx.principal === undefined) return { User: { UserId: ctx.account, Arn: `arn:aws:iam::${ctx.account}:root`, CreateDate: new Date(0) } };
      return { User: present(requireUser(db, ctx.account, callingUser(ctx))) };
    },
    ListUsers: (input: W.ListUsersRequest, ctx) => {
      const prefix = input.PathPrefix ?? "/";
      const users = (db.prepare("SELECT doc FROM iam_users WHERE account = ? ORDER BY name_key").all(ctx.account) as { doc: string }[])
        .map((r) => JSON.parse(r.doc) as StoredUser).filter((u) => u.Path.startsWith(prefix));
      const page = paginate(users, input.Marker, input.MaxItems);
      return { Users: page.items.map((u) => present(u, { tags: false })), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    DeleteUser: (input: W.DeleteUserRequest, ctx) => {
      const user = requireUser(db, ctx.account, input.UserName!);
      const key = nameKey(user.UserName);
      const count = (sql: string) => (db.prepare(sql).get(ctx.account, key) as { n: number }).n;
      if (count("SELECT count(*) AS n FROM iam_access_keys WHERE account = ? AND user_key = ?")) throw deleteConflict("Cannot delete entity, must delete access keys first.");
      if (count("SELECT count(*) AS n FROM iam_inline_policies WHERE account = ? AND entity_type = 'user' AND entity_key = ?")) throw deleteConflict("Cannot delete entity, must delete policies first.");
      if (count("SELECT count(*) AS n FROM iam_attachments WHERE account = ? AND entity_type = 'user' AND entity_key = ?")) throw deleteConflict("Cannot delete entity, must detach all policies first.");
      db.prepare("DELETE FROM iam_users WHERE account = ? AND name_key = ?").run(ctx.account, key);
      return {};
    },
    CreateAccessKey: (input: W.CreateAccessKeyRequest, ctx) => {
      const user = requireUser(db, ctx.account, input.UserName ?? callingUser(ctx));
      if (keysOf(ctx.account, user.UserName).length >= MAX_KEYS) throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${MAX_KEYS}`);
      const id = newAccessKeyId("AKIA");
      const secret = newSecretAccessKey();
      const now = clock.now();
      db.prepare("INSERT INTO iam_access_keys (access_key_id, account, user_key, secret, status, created_at) VALUES (?, ?, ?, ?, 'Active', ?)")
        .run(id, ctx.account, nameKey(user.UserName), secret, now.getTime());
      return { AccessKey: { UserName: user.UserName, AccessKeyId: id, Status: "Active", SecretAccessKey: secret, CreateDate: now } };
    },
    ListAccessKeys: (input: W.ListAccessKeysRequest, ctx) => {
      const user = requireUser(db, ctx.account, input.UserName ?? callingUser(ctx));
      const all = keysOf(ctx.account, user.UserName).map((k) => ({ UserName: user.UserName, AccessKeyId: k.access_key_id, Status: k.status, CreateDate: new Date(k.created_at) }));
      const page = paginate(all, input.Marker, input.MaxItems);
      return { AccessKeyMetadata: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    UpdateAccessKey: (input: W.UpdateAccessKeyRequest, ctx) => {
      const user = requireUser(db, ctx.account, input.UserName ?? callingUser(ctx));
      requireKey(ctx.account, user.UserName, input.AccessKeyId!);
      db.prepare("UPDATE iam_access_keys SET status = ? WHERE access_key_id = ?").run(input.Status!, input.AccessKeyId!);
      return {};
    },
    DeleteAccessKey: (input: W.DeleteAccessKeyRequest, ctx) => {
      const user = requireUser(db, ctx.account, input.UserName ?? callingUser(ctx));
      requireKey(ctx.account, user.UserName, input.AccessKeyId!);
      db.prepare("DELETE FROM iam_access_keys WHERE access_key_id = ?").run(input.AccessKeyId!);
      return {};
    },
  };
}
