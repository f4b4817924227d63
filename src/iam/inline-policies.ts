import type { Handler } from "../aws/service.js";
import type { Db } from "../store/database.js";
import type { IamDeps } from "./deps.js";
import { noSuchEntity } from "./errors.js";
import { encodeDocument, nameKey, paginate } from "./iam-common.js";
import { parsePolicyDocument } from "./policy-document.js";
import { requireRole } from "./roles.js";
import { requireUser } from "./users.js";

export type EntityType = "role" | "user";

/** The inline policy documents of a role or user (as written), for evaluation. */
export function inlineDocuments(db: Db, account: string, type: EntityType, name: string): string[] {
  return (db.prepare("SELECT document FROM iam_inline_policies WHERE account = ? AND entity_type = ? AND entity_key = ?").all(account, type, nameKey(name)) as { document: string }[])
    .map((r) => r.document);
}

/** Put/Get/List/DeleteRolePolicy and the same for users: one implementation, two entity kinds. */
export function inlinePolicyHandlers({ db }: IamDeps): Record<string, Handler> {
  const handlers: Record<string, Handler> = {};
  for (const [type, Kind] of [["role", "Role"], ["user", "User"]] as const) {
    const nameOf = (input: Record<string, string>) => input[`${Kind}Name`]!;
    // The entity must exist; its stored name (with the case it was created with) is what IAM answers.
    const entityName = (account: string, name: string) => (type === "role" ? requireRole(db, account, name).RoleName : requireUser(db, account, name).UserName);
    handlers[`Put${Kind}Policy`] = (input: Record<string, string>, ctx) => {
      const entity = entityName(ctx.account, nameOf(input));
      parsePolicyDocument(input["PolicyDocument"]!, "identity");
      db.prepare(`INSERT INTO iam_inline_policies (account, entity_type, entity_key, name_key, name, document) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (account, entity_type, entity_key, name_key) DO UPDATE SET name = excluded.name, document = excluded.document`)
        .run(ctx.account, type, nameKey(entity), nameKey(input["PolicyName"]!), input["PolicyName"]!, input["PolicyDocument"]!);
      return {};
    };
    const find = (account: string, entity: string, policy: string) => {
      const row = db.prepare("SELECT name, document FROM iam_inline_policies WHERE account = ? AND entity_type = ? AND entity_key = ? AND name_key = ?")
        .get(account, type, nameKey(entity), nameKey(policy)) as { name: string; document: string } | undefined;
      if (!row) throw noSuchEntity(`The ${type} policy with name ${policy} cannot be found.`);
      return row;
    };
    handlers[`Get${Kind}Policy`] = (input: Record<string, string>, ctx) => {
      const entity = entityName(ctx.account, nameOf(input));
      const row = find(ctx.account, entity, input["PolicyName"]!);
      return { [`${Kind}Name`]: entity, PolicyName: row.name, PolicyDocument: encodeDocument(row.document) };
    };
    handlers[`List${Kind}Policies`] = (input: Record<string, string> & { MaxItems?: number }, ctx) => {
      const entity = entityName(ctx.account, nameOf(input));
      const names = (db.prepare("SELECT name FROM iam_inline_policies WHERE account = ? AND entity_type = ? AND entity_key = ? ORDER BY name_key")
        .all(ctx.account, type, nameKey(entity)) as { name: string }[]).map((r) => r.name);
      const page = paginate(names, input["Marker"], input.MaxItems);
      return { PolicyNames: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    };
    handlers[`Delete${Kind}Policy`] = (input: Record<string, string>, ctx) => {
      const entity = entityName(ctx.account, nameOf(input));
      find(ctx.account, entity, input["PolicyName"]!);
      db.prepare("DELETE FROM iam_inline_policies WHERE account = ? AND entity_type = ? AND entity_key = ? AND name_key = ?")
        .run(ctx.account, type, nameKey(entity), nameKey(input["PolicyName"]!));
      return {};
    };
  }
  return handlers;
}
