import type * as W from "@aws-sdk/client-iam";
import type { Handler } from "../aws/service.js";
import type { Db } from "../store/database.js";
import type { IamDeps } from "./deps.js";
import { deleteConflict, entityAlreadyExists, invalidInput, limitExceeded, noSuchEntity } from "./errors.js";
import { encodeDocument, iamArn, mergeTags, nameKey, paginate, type Tag } from "./iam-common.js";
import { newUniqueId } from "./iam-ids.js";
import { parsePolicyDocument } from "./policy-document.js";
import { AWS_MANAGED_DATE, AWS_MANAGED_POLICIES, awsManagedArn, findAwsManaged } from "./aws-managed-policies.js";
import type { EntityType } from "./inline-policies.js";
import { requireRole } from "./roles.js";
import { requireUser } from "./users.js";

/** A managed policy, customer or AWS managed, as the store and the built-in list both give it. */
interface ManagedPolicy {
  Arn: string;
  PolicyName: string;
  PolicyId: string;
  Path: string;
  Description?: string;
  CreateDate: string;
  UpdateDate: string;
  DefaultVersionId: string;
  Tags: Tag[];
  aws: boolean;
}

interface PolicyRow { doc: string; default_version: string; updated_at: number; next_version: number }

const MAX_VERSIONS = 5;
const MAX_ATTACHED = 10;

const notAttachable = (arn: string) => noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);

function fromRow(row: PolicyRow): ManagedPolicy {
  const stored = JSON.parse(row.doc) as Omit<ManagedPolicy, "DefaultVersionId" | "UpdateDate" | "aws">;
  return { ...stored, DefaultVersionId: row.default_version, UpdateDate: new Date(row.updated_at).toISOString(), aws: false };
}

function customerPolicies(db: Db, account: string): ManagedPolicy[] {
  return (db.prepare("SELECT doc, default_version, updated_at, next_version FROM iam_policies WHERE account = ? ORDER BY name_key").all(account) as PolicyRow[]).map(fromRow);
}

const awsPolicies = (): ManagedPolicy[] => AWS_MANAGED_POLICIES.map((p) => ({
  Arn: awsManagedArn(p), PolicyName: p.PolicyName, PolicyId: p.PolicyId, Path: p.Path, Description: p.Description,
  CreateDate: AWS_MANAGED_DATE, UpdateDate: AWS_MANAGED_DATE, DefaultVersionId: "v1", Tags: [], aws: true,
}));

export function findPolicy(db: Db, account: string, arn: string): ManagedPolicy | undefined {
  if (findAwsManaged(arn)) return awsPolicies().find((p) => p.Arn === arn);
  const row = db.prepare("SELECT doc, default_version, updated_at, next_version FROM iam_policies WHERE account = ? AND arn = ?").get(account, arn) as PolicyRow | undefined;
  return row && fromRow(row);
}

/** A version's document (as written), AWS managed ones included. */
function versionDocument(db: Db, account: string, arn: string, versionId: string): { document: string; created: string } | undefined {
  const aws = findAwsManaged(arn);
  if (aws) return versionId === "v1" ? { document: aws.Document, created: AWS_MANAGED_DATE } : undefined;
  const row = db.prepare("SELECT document, created_at FROM iam_policy_versions WHERE account = ? AND policy_arn = ? AND version_id = ?").get(account, arn, versionId) as
    { document: string; created_at: number } | undefined;
  return row && { document: row.document, created: new Date(row.created_at).toISOString() };
}

/** The default versions' documents of the policies attached to a role or user, for evaluation. */
export function attachedDocuments(db: Db, account: string, type: EntityType, name: string): string[] {
  return attachedArns(db, account, type, name).flatMap((arn) => policyDocument(db, account, arn) ?? []);
}

/** A managed policy's default version's document; undefined when there is no such policy. */
export function policyDocument(db: Db, account: string, arn: string): string | undefined {
  const policy = findPolicy(db, account, arn);
  return policy && versionDocument(db, account, arn, policy.DefaultVersionId)?.document;
}

const attachedArns = (db: Db, account: string, type: EntityType, name: string) =>
  (db.prepare("SELECT policy_arn FROM iam_attachments WHERE account = ? AND entity_type = ? AND entity_key = ? ORDER BY policy_arn").all(account, type, nameKey(name)) as { policy_arn: string }[])
    .map((r) => r.policy_arn);

const attachmentCount = (db: Db, account: string, arn: string) =>
  (db.prepare("SELECT count(*) AS n FROM iam_attachments WHERE account = ? AND policy_arn = ?").get(account, arn) as { n: number }).n;

function present(db: Db, account: string, p: ManagedPolicy, { tags = true } = {}): W.Policy {
  return {
    PolicyName: p.PolicyName, PolicyId: p.PolicyId, Arn: p.Arn, Path: p.Path, DefaultVersionId: p.DefaultVersionId,
    AttachmentCount: attachmentCount(db, account, p.Arn), PermissionsBoundaryUsageCount: 0, IsAttachable: true,
    ...(p.Description === undefined ? {} : { Description: p.Description }),
    CreateDate: new Date(p.CreateDate), UpdateDate: new Date(p.UpdateDate), ...(tags && p.Tags.length ? { Tags: p.Tags } : {}),
  };
}

/** A customer managed policy of the caller's account (the versioning calls refuse AWS's). */
function requireCustomer(db: Db, account: string, arn: string): ManagedPolicy {
  const p = findPolicy(db, account, arn);
  if (!p) throw noSuchEntity(`Policy ${arn} was not found.`);
  if (p.aws) throw invalidInput(`Policy ${arn} is an AWS managed policy and cannot be changed.`);
  return p;
}

export function managedPolicyHandlers({ db, clock }: IamDeps): Record<string, Handler> {
  const versions = (account: string, arn: string) =>
    db.prepare("SELECT version_id, document, created_at FROM iam_policy_versions WHERE account = ? AND policy_arn = ? ORDER BY created_at, version_id").all(account, arn) as
      { version_id: string; document: string; created_at: number }[];

  const handlers: Record<string, Handler> = {
    CreatePolicy: (input: W.CreatePolicyRequest, ctx) => {
      parsePolicyDocument(input.PolicyDocument!, "identity");
      const path = input.Path ?? "/";
      const arn = iamArn(ctx.account, "policy", path, input.PolicyName!);
      const exists = db.prepare("SELECT 1 FROM iam_policies WHERE account = ? AND name_key = ?").get(ctx.account, nameKey(input.PolicyName!));
      if (exists) throw entityAlreadyExists(`A policy called ${input.PolicyName} already exists. Duplicate names are not allowed.`);
      const now = clock.now();
      const stored = {
        Arn: arn, PolicyName: input.PolicyName!, PolicyId: newUniqueId("ANPA"), Path: path, CreateDate: now.toISOString(),
        ...(input.Description === undefined ? {} : { Description: input.Description }), Tags: mergeTags([], input.Tags as Tag[] | undefined),
      };
      db.transaction(() => {
        db.prepare("INSERT INTO iam_policies (account, arn, name_key, path, id, created_at, updated_at, default_version, next_version, doc) VALUES (?, ?, ?, ?, ?, ?, ?, 'v1', 2, ?)")
          .run(ctx.account, arn, nameKey(input.PolicyName!), path, stored.PolicyId, now.getTime(), now.getTime(), JSON.stringify(stored));
        db.prepare("INSERT INTO iam_policy_versions (account, policy_arn, version_id, document, created_at) VALUES (?, ?, 'v1', ?, ?)").run(ctx.account, arn, input.PolicyDocument!, now.getTime());
      })();
      // CreatePolicy's answer carries no description (AWS's does not either).
      const { Description: _d, ...policy } = present(db, ctx.account, findPolicy(db, ctx.account, arn)!);
      return { Policy: policy };
    },
    GetPolicy: (input: W.GetPolicyRequest, ctx) => {
      const p = findPolicy(db, ctx.account, input.PolicyArn!);
      if (!p) throw noSuchEntity(`Policy ${input.PolicyArn} was not found.`);
      return { Policy: present(db, ctx.account, p) };
    },
    ListPolicies: (input: W.ListPoliciesRequest, ctx) => {
      const scope = input.Scope ?? "All";
      const prefix = input.PathPrefix ?? "/";
      const all = [...(scope === "Local" ? [] : awsPolicies()), ...(scope === "AWS" ? [] : customerPolicies(db, ctx.account))]
        .filter((p) => p.Path.startsWith(prefix))
        .filter((p) => !input.OnlyAttached || attachmentCount(db, ctx.account, p.Arn) > 0);
      const page = paginate(all, input.Marker, input.MaxItems);
      return { Policies: page.items.map((p) => present(db, ctx.account, p, { tags: false })), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    DeletePolicy: (input: W.DeletePolicyRequest, ctx) => {
      const p = requireCustomer(db, ctx.account, input.PolicyArn!);
      if (attachmentCount(db, ctx.account, p.Arn)) throw deleteConflict("Cannot delete a policy attached to entities.");
      if (versions(ctx.account, p.Arn).length > 1) {
        throw deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
      }
      db.transaction(() => {
        db.prepare("DELETE FROM iam_policy_versions WHERE account = ? AND policy_arn = ?").run(ctx.account, p.Arn);
        db.prepare("DELETE FROM iam_policies WHERE account = ? AND arn = ?").run(ctx.account, p.Arn);
      })();
      return {};
    },
    CreatePolicyVersion: (input: W.CreatePolicyVersionRequest, ctx) => {
      const p = requireCustomer(db, ctx.account, input.PolicyArn!);
      parsePolicyDocument(input.PolicyDocument!, "identity");
      if (versions(ctx.account, p.Arn).length >= MAX_VERSIONS) {
        throw limitExceeded("A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.");
      }
      const row = db.prepare("SELECT next_version FROM iam_policies WHERE account = ? AND arn = ?").get(ctx.account, p.Arn) as { next_version: number };
      const versionId = `v${row.next_version}`;
      const now = clock.now();
      db.transaction(() => {
        db.prepare("INSERT INTO iam_policy_versions (account, policy_arn, version_id, document, created_at) VALUES (?, ?, ?, ?, ?)").run(ctx.account, p.Arn, versionId, input.PolicyDocument!, now.getTime());
        db.prepare(`UPDATE iam_policies SET next_version = next_version + 1, updated_at = ?${input.SetAsDefault ? ", default_version = ?" : ""} WHERE account = ? AND arn = ?`)
          .run(...[now.getTime(), ...(input.SetAsDefault ? [versionId] : []), ctx.account, p.Arn]);
      })();
      return { PolicyVersion: { VersionId: versionId, IsDefaultVersion: input.SetAsDefault ?? false, CreateDate: now } };
    },
    GetPolicyVersion: (input: W.GetPolicyVersionRequest, ctx) => {
      const p = findPolicy(db, ctx.account, input.PolicyArn!);
      const version = p && versionDocument(db, ctx.account, p.Arn, input.VersionId!);
      if (!p || !version) throw noSuchEntity(`Policy ${input.PolicyArn} version ${input.VersionId} does not exist or is not attachable.`);
      return { PolicyVersion: { Document: encodeDocument(version.document), VersionId: input.VersionId, IsDefaultVersion: p.DefaultVersionId === input.VersionId, CreateDate: new Date(version.created) } };
    },
    ListPolicyVersions: (input: W.ListPolicyVersionsRequest, ctx) => {
      const p = findPolicy(db, ctx.account, input.PolicyArn!);
      if (!p) throw noSuchEntity(`Policy ${input.PolicyArn} was not found.`);
      const all = p.aws ? [{ VersionId: "v1", IsDefaultVersion: true, CreateDate: new Date(AWS_MANAGED_DATE) }]
        : versions(ctx.account, p.Arn).reverse().map((v) => ({ VersionId: v.version_id, IsDefaultVersion: v.version_id === p.DefaultVersionId, CreateDate: new Date(v.created_at) }));
      const page = paginate(all, input.Marker, input.MaxItems);
      return { Versions: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    SetDefaultPolicyVersion: (input: W.SetDefaultPolicyVersionRequest, ctx) => {
      const p = requireCustomer(db, ctx.account, input.PolicyArn!);
      if (!versionDocument(db, ctx.account, p.Arn, input.VersionId!)) throw noSuchEntity(`Policy ${p.Arn} version ${input.VersionId} does not exist or is not attachable.`);
      db.prepare("UPDATE iam_policies SET default_version = ?, updated_at = ? WHERE account = ? AND arn = ?").run(input.VersionId!, clock.now().getTime(), ctx.account, p.Arn);
      return {};
    },
    DeletePolicyVersion: (input: W.DeletePolicyVersionRequest, ctx) => {
      const p = requireCustomer(db, ctx.account, input.PolicyArn!);
      if (!versionDocument(db, ctx.account, p.Arn, input.VersionId!)) throw noSuchEntity(`Policy ${p.Arn} version ${input.VersionId} does not exist or is not attachable.`);
      if (p.DefaultVersionId === input.VersionId) throw deleteConflict("Cannot delete the default version of a policy.");
      db.prepare("DELETE FROM iam_policy_versions WHERE account = ? AND policy_arn = ? AND version_id = ?").run(ctx.account, p.Arn, input.VersionId!);
      return {};
    },
    ListEntitiesForPolicy: (input: W.ListEntitiesForPolicyRequest, ctx) => {
      const p = findPolicy(db, ctx.account, input.PolicyArn!);
      if (!p) throw noSuchEntity(`Policy ${input.PolicyArn} was not found.`);
      const rows = db.prepare("SELECT entity_type, entity_key FROM iam_attachments WHERE account = ? AND policy_arn = ? ORDER BY entity_type, entity_key").all(ctx.account, p.Arn) as { entity_type: EntityType; entity_key: string }[];
      const filter = input.EntityFilter;
      const roles = filter && filter !== "Role" ? [] : rows.filter((r) => r.entity_type === "role").map((r) => requireRole(db, ctx.account, r.entity_key)).map((r) => ({ RoleName: r.RoleName, RoleId: r.RoleId }));
      const users = filter && filter !== "User" ? [] : rows.filter((r) => r.entity_type === "user").map((r) => requireUser(db, ctx.account, r.entity_key)).map((u) => ({ UserName: u.UserName, UserId: u.UserId }));
      return { PolicyGroups: [], PolicyUsers: users, PolicyRoles: roles, IsTruncated: false };
    },
  };

  for (const [type, Kind] of [["role", "Role"], ["user", "User"]] as const) {
    const entityName = (account: string, name: string) => (type === "role" ? requireRole(db, account, name).RoleName : requireUser(db, account, name).UserName);
    handlers[`Attach${Kind}Policy`] = (input: Record<string, string>, ctx) => {
      const entity = entityName(ctx.account, input[`${Kind}Name`]!);
      if (!findPolicy(db, ctx.account, input["PolicyArn"]!)) throw notAttachable(input["PolicyArn"]!);
      const attached = attachedArns(db, ctx.account, type, entity);
      if (!attached.includes(input["PolicyArn"]!) && attached.length >= MAX_ATTACHED) throw limitExceeded(`Cannot exceed quota for PoliciesPer${Kind}: ${MAX_ATTACHED}`);
      db.prepare("INSERT OR IGNORE INTO iam_attachments (account, entity_type, entity_key, policy_arn) VALUES (?, ?, ?, ?)").run(ctx.account, type, nameKey(entity), input["PolicyArn"]!);
      return {};
    };
    handlers[`Detach${Kind}Policy`] = (input: Record<string, string>, ctx) => {
      const entity = entityName(ctx.account, input[`${Kind}Name`]!);
      const removed = db.prepare("DELETE FROM iam_attachments WHERE account = ? AND entity_type = ? AND entity_key = ? AND policy_arn = ?").run(ctx.account, type, nameKey(entity), input["PolicyArn"]!);
      if (!removed.changes) throw noSuchEntity(`Policy ${input["PolicyArn"]} was not found.`);
      return {};
    };
    handlers[`ListAttached${Kind}Policies`] = (input: Record<string, string> & { MaxItems?: number }, ctx) => {
      const entity = entityName(ctx.account, input[`${Kind}Name`]!);
      const prefix = input["PathPrefix"] ?? "/";
      const all = attachedArns(db, ctx.account, type, entity).map((arn) => findPolicy(db, ctx.account, arn)).filter((p) => p !== undefined && p.Path.startsWith(prefix))
        .map((p) => ({ PolicyName: p!.PolicyName, PolicyArn: p!.Arn }));
      const page = paginate(all, input["Marker"], input.MaxItems);
      return { AttachedPolicies: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    };
  }
  return handlers;
}
