import type {
  CreateSecretRequest, DeleteSecretRequest, DescribeSecretRequest, GetSecretValueRequest, PutSecretValueRequest,
  RestoreSecretRequest, TagResourceRequest, UntagResourceRequest, UpdateSecretRequest, UpdateSecretVersionStageRequest,
} from "@aws-sdk/client-secrets-manager";
import type { Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import { invalidParameter, invalidRequest } from "./errors.js";
import {
  addVersion, createSecretRow, CURRENT, moveStage, openValue, requireCrossAccountKey, requireSecret, saveDoc, secretArn, selectVersion, valueOf, versionIdsToStages, versionsOf,
  type SecretDeps, type SecretRow,
} from "./secret-store.js";
import { putTags, removeTags, tagsOf, type SmTag } from "./secret-tags.js";

const NAME = /^[A-Za-z0-9/_+=.@-]+$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The secret operations: create, read, change, delete and restore, tags. */
export function secretHandlers(deps: SecretDeps): Record<string, Handler> {
  const { db, clock, cipher } = deps;
  const find = (ctx: RequestContext, id: string, deleted = false) => requireSecret(deps, ctx.account, ctx.region, id, { deleted });
  const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));
  const tx = <T>(f: () => T): T => db.transaction(f)();

  const CreateSecret: Handler = (input: CreateSecretRequest & { SecretBinary?: Buffer }, ctx) => {
    const name = input.Name!;
    if (!NAME.test(name)) throw invalidParameter("Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!");
    const value = valueOf(input);
    return tx(() => {
      const existing = createdAgain(ctx, name, input.ClientRequestToken, value);
      if (existing) return existing;
      const now = clock.now().getTime();
      const s = createSecretRow(db, {
        arn: secretArn(ctx.account, ctx.region, name), account: ctx.account, region: ctx.region, name, created_at: now,
        doc: { Name: name, Description: input.Description, KmsKeyId: input.KmsKeyId, CreatedDate: now, LastChangedDate: now },
      });
      if (input.Tags?.length) putTags(db, s.arn, input.Tags as SmTag[]);
      const versionId = value ? addVersion(deps, s, value, input.ClientRequestToken).versionId : undefined;
      return { ARN: s.arn, Name: name, VersionId: versionId, ReplicationStatus: [] };
    });
  };

  /**
   * CreateSecret repeated with the ClientRequestToken of the version it made and the same value
   * is the same request: AWS answers it again rather than refusing the existing name.
   */
  function createdAgain(ctx: RequestContext, name: string, token: string | undefined, value: ReturnType<typeof valueOf>) {
    if (token === undefined || value === undefined) return undefined;
    const s = db.prepare("SELECT arn FROM secrets WHERE account = ? AND region = ? AND name = ? AND deletion_date IS NULL").get(ctx.account, ctx.region, name) as { arn: string } | undefined;
    if (!s) return undefined;
    const v = versionsOf(db, s.arn).find((x) => x.version_id === token);
    if (!v) return undefined;
    const stored = openValue(cipher, s.arn, v);
    const same = "SecretString" in value ? "SecretString" in stored && stored.SecretString === value.SecretString : "SecretBinary" in stored && stored.SecretBinary.equals(value.SecretBinary);
    return same ? { ARN: s.arn, Name: name, VersionId: token, ReplicationStatus: [] } : undefined;
  }

  const GetSecretValue: Handler = (input: GetSecretValueRequest, ctx) => {
    const s = find(ctx, input.SecretId!);
    requireCrossAccountKey(s, ctx.account);
    const v = selectVersion(db, s.arn, { versionId: input.VersionId, versionStage: input.VersionStage });
    // LastAccessedDate is a day, as AWS keeps it (midnight UTC of the last access).
    const today = Math.floor(clock.now().getTime() / DAY_MS) * DAY_MS;
    if (s.doc.LastAccessedDate !== today) saveDoc(db, { ...s, doc: { ...s.doc, LastAccessedDate: today } });
    return { ARN: s.arn, Name: s.name, VersionId: v.version_id, ...openValue(cipher, s.arn, v), VersionStages: v.stages, CreatedDate: new Date(v.created_at) };
  };

  const PutSecretValue: Handler = (input: PutSecretValueRequest & { SecretBinary?: Buffer }, ctx) => {
    const value = valueOf(input);
    if (!value) throw invalidRequest("You must provide either SecretString or SecretBinary.");
    return tx(() => {
      const s = find(ctx, input.SecretId!);
      requireCrossAccountKey(s, ctx.account);
      const { versionId } = addVersion(deps, s, value, input.ClientRequestToken, input.VersionStages ?? [CURRENT]);
      const v = versionsOf(db, s.arn).find((x) => x.version_id === versionId)!;
      return { ARN: s.arn, Name: s.name, VersionId: versionId, VersionStages: v.stages };
    });
  };

  const UpdateSecret: Handler = (input: UpdateSecretRequest & { SecretBinary?: Buffer }, ctx) => {
    const value = valueOf(input);
    return tx(() => {
      const s = find(ctx, input.SecretId!);
      if (value) requireCrossAccountKey(s, ctx.account);
      if (input.Description !== undefined) s.doc.Description = input.Description;
      if (input.KmsKeyId !== undefined) s.doc.KmsKeyId = input.KmsKeyId;
      s.doc.LastChangedDate = clock.now().getTime();
      saveDoc(db, s);
      const versionId = value ? addVersion(deps, s, value, input.ClientRequestToken).versionId : undefined;
      return { ARN: s.arn, Name: s.name, VersionId: versionId };
    });
  };

  const UpdateSecretVersionStage: Handler = (input: UpdateSecretVersionStageRequest, ctx) =>
    tx(() => {
      const s = find(ctx, input.SecretId!);
      const stage = input.VersionStage!;
      const versions = versionsOf(db, s.arn);
      const known = (id: string | undefined) => {
        if (id !== undefined && !versions.some((v) => v.version_id === id)) throw invalidParameter(`Secrets Manager can't find the specified secret version: ${id}`);
      };
      known(input.MoveToVersionId);
      known(input.RemoveFromVersionId);
      const holder = versions.find((v) => v.stages.includes(stage));
      if (input.RemoveFromVersionId !== undefined && holder?.version_id !== input.RemoveFromVersionId) {
        throw invalidParameter(`The staging label ${stage} is not attached to version ${input.RemoveFromVersionId}, so you can't remove it.`);
      }
      if (input.MoveToVersionId !== undefined && holder && holder.version_id !== input.MoveToVersionId && input.RemoveFromVersionId === undefined) {
        throw invalidParameter(`The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.version_id}, so you must explicitly reference that version in RemoveFromVersionId.`);
      }
      if (input.MoveToVersionId === undefined && stage === CURRENT) throw invalidParameter("You can't remove the staging label AWSCURRENT from a version without moving it to another version.");
      moveStage(db, s.arn, stage, input.MoveToVersionId);
      s.doc.LastChangedDate = clock.now().getTime();
      saveDoc(db, s);
      return { ARN: s.arn, Name: s.name };
    });

  const DescribeSecret: Handler = (input: DescribeSecretRequest, ctx) => describe(find(ctx, input.SecretId!, true));

  function describe(s: SecretRow) {
    const tags = tagsOf(db, s.arn);
    return {
      ARN: s.arn, Name: s.name, Description: s.doc.Description, KmsKeyId: s.doc.KmsKeyId,
      LastChangedDate: date(s.doc.LastChangedDate), LastAccessedDate: date(s.doc.LastAccessedDate), DeletedDate: date(s.doc.DeletedDate),
      Tags: tags.length ? tags : undefined, VersionIdsToStages: versionIdsToStages(db, s.arn), CreatedDate: new Date(s.created_at),
    };
  }

  const DeleteSecret: Handler = (input: DeleteSecretRequest, ctx) =>
    tx(() => {
      const s = find(ctx, input.SecretId!, true);
      const force = input.ForceDeleteWithoutRecovery === true;
      if (force && input.RecoveryWindowInDays !== undefined) throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
      const days = input.RecoveryWindowInDays ?? 30;
      if (!force && (days < 7 || days > 30)) throw invalidParameter("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
      const now = clock.now().getTime();
      if (force) {
        db.prepare("DELETE FROM secrets WHERE arn = ?").run(s.arn);
        db.prepare("DELETE FROM tags WHERE arn = ?").run(s.arn);
        return { ARN: s.arn, Name: s.name, DeletionDate: new Date(now) };
      }
      if (s.deletion_date !== null) throw invalidRequest("You can't perform this operation on the secret because it was marked for deletion.");
      s.deletion_date = now + days * DAY_MS;
      s.doc.DeletedDate = now;
      saveDoc(db, s);
      return { ARN: s.arn, Name: s.name, DeletionDate: new Date(s.deletion_date) };
    });

  const RestoreSecret: Handler = (input: RestoreSecretRequest, ctx) =>
    tx(() => {
      const s = find(ctx, input.SecretId!, true);
      s.deletion_date = null;
      delete s.doc.DeletedDate;
      saveDoc(db, s);
      return { ARN: s.arn, Name: s.name };
    });

  const TagResource: Handler = (input: TagResourceRequest, ctx) =>
    tx(() => {
      putTags(db, find(ctx, input.SecretId!).arn, (input.Tags ?? []) as SmTag[]);
      return {};
    });

  const UntagResource: Handler = (input: UntagResourceRequest, ctx) =>
    tx(() => {
      removeTags(db, find(ctx, input.SecretId!).arn, input.TagKeys ?? []);
      return {};
    });

  return { CreateSecret, GetSecretValue, PutSecretValue, UpdateSecret, UpdateSecretVersionStage, DescribeSecret, DeleteSecret, RestoreSecret, TagResource, UntagResource };
}
