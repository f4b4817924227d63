import type {
  DeleteParameterRequest, DeleteParametersRequest, GetParameterHistoryRequest, GetParameterRequest, GetParametersRequest,
  LabelParameterVersionRequest, PutParameterRequest,
} from "@aws-sdk/client-ssm";
import { ServiceError } from "../core/errors.js";
import type { Handler } from "../aws/service.js";
import type { RequestContext } from "../aws/request-context.js";
import { alreadyExists, invalidNextToken, parameterNotFound, validation, versionNotFound } from "./errors.js";
import { checkName, parameterArn } from "./parameter-names.js";
import {
  latest, resolveRef, saveVersionDoc, sealValue, shownValue, versionsOf, type ParameterDeps, type ParameterVersion, type VersionDoc,
} from "./parameter-store.js";
import { putParameterTags } from "./parameter-tags.js";

const MAX_VERSIONS = 100;
const MAX_LABELS = 10;
const STANDARD_MAX = 4096;
const ADVANCED_MAX = 8192;
export const DEFAULT_KEY_ID = "alias/aws/ssm";

/** Opaque paging tokens: an offset, base64url JSON. */
export const encodeToken = (offset: number) => Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
export function page<T>(items: T[], token: string | undefined, max: number): { items: T[]; NextToken?: string } {
  let from = 0;
  if (token !== undefined) {
    try {
      const o = (JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown }).o;
      if (typeof o !== "number" || !Number.isInteger(o) || o < 0) throw new Error();
      from = o;
    } catch {
      throw invalidNextToken();
    }
  }
  const end = from + max;
  return { items: items.slice(from, end), NextToken: end < items.length ? encodeToken(end) : undefined };
}

/** A parameter as GetParameter(s) and GetParametersByPath show it. */
export function shown(deps: ParameterDeps, p: ParameterVersion, decrypt: boolean, selector?: string) {
  return {
    Name: p.name, Type: p.doc.Type, Value: shownValue(deps.cipher, p, decrypt), Version: p.version, Selector: selector,
    LastModifiedDate: new Date(p.doc.LastModifiedDate), ARN: parameterArn(p.account, p.region, p.name), DataType: p.doc.DataType,
  };
}

function checkValue(input: PutParameterRequest, tier: string): void {
  const value = input.Value!;
  if (value.length === 0) throw validation("1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1");
  if (tier === "Standard" && value.length > STANDARD_MAX) {
    throw validation(`Standard tier parameters support a maximum parameter value of ${STANDARD_MAX} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html`);
  }
  if (value.length > ADVANCED_MAX) throw validation(`Advanced tier parameters support a maximum parameter value of ${ADVANCED_MAX} characters.`);
  const dataType = input.DataType ?? "text";
  if (!["text", "aws:ec2:image", "aws:ssm:integration"].includes(dataType)) {
    throw validation(`The following data type is not supported: ${dataType} (Data type names are all lowercase.)`);
  }
  if (dataType === "aws:ec2:image" && !/^ami-[0-9a-f]{8,17}$/.test(value)) {
    throw validation("The parameter value is not a valid AMI ID: the aws:ec2:image data type takes ami- followed by 8 or 17 hexadecimal digits.");
  }
  if (input.AllowedPattern !== undefined) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(input.AllowedPattern, "u");
    } catch {
      throw new ServiceError("InvalidAllowedPatternException", "The allowed pattern is not a valid regular expression.");
    }
    // AWS matches the whole value against the pattern.
    const m = pattern.exec(value);
    if (!m || m[0] !== value) throw new ServiceError("ParameterPatternMismatchException", `Parameter value, cannot be validated against allowedPattern: ${input.AllowedPattern}`);
  }
}

export function parameterHandlers(deps: ParameterDeps): Record<string, Handler> {
  const { db, clock } = deps;
  const tx = <T>(f: () => T): T => db.transaction(f)();
  const user = (ctx: RequestContext) => `arn:aws:iam::${ctx.account}:root`;

  const PutParameter: Handler = (input: PutParameterRequest, ctx) => {
    const name = input.Name!;
    checkName(name);
    if (input.Overwrite && input.Tags?.length) {
      throw validation("Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.");
    }
    return tx(() => {
      const prev = latest(db, ctx, name);
      if (prev && !input.Overwrite) throw alreadyExists();
      const type = (input.Type ?? prev?.doc.Type ?? "String") as VersionDoc["Type"];
      if (input.KeyId !== undefined && type !== "SecureString") throw validation("KeyId is required for SecureString type parameter only.");
      let tier = input.Tier ?? prev?.doc.Tier ?? "Standard";
      if (tier === "Intelligent-Tiering") tier = input.Value!.length > STANDARD_MAX ? "Advanced" : "Standard";
      if (prev?.doc.Tier === "Advanced" && tier === "Standard") {
        throw validation("This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.");
      }
      checkValue(input, tier);
      const version = (prev?.version ?? 0) + 1;
      const doc: VersionDoc = {
        Type: type, KeyId: type === "SecureString" ? (input.KeyId ?? (prev?.doc.Type === "SecureString" ? prev.doc.KeyId : undefined) ?? DEFAULT_KEY_ID) : undefined,
        Description: input.Description ?? prev?.doc.Description, AllowedPattern: input.AllowedPattern ?? prev?.doc.AllowedPattern,
        Tier: tier, DataType: input.DataType ?? "text", LastModifiedDate: clock.now().getTime(), LastModifiedUser: user(ctx), Labels: [],
      };
      const key = { account: ctx.account, region: ctx.region, name, version };
      db.prepare("INSERT INTO ssm_parameter_versions (account, region, name, version, doc, value) VALUES (?, ?, ?, ?, ?, ?)")
        .run(ctx.account, ctx.region, name, version, JSON.stringify(doc), sealValue(deps.cipher, key, input.Value!));
      db.prepare("INSERT INTO ssm_parameters (account, region, name, version) VALUES (?, ?, ?, ?) ON CONFLICT (account, region, name) DO UPDATE SET version = excluded.version")
        .run(ctx.account, ctx.region, name, version);
      // A parameter keeps its last 100 versions; the oldest goes unless a label still names it.
      const versions = versionsOf(db, ctx, name);
      if (versions.length > MAX_VERSIONS) {
        const oldest = versions[0]!;
        if (oldest.doc.Labels.length > 0) {
          throw new ServiceError("ParameterMaxVersionLimitExceeded", `You attempted to create a new version of ${name} by calling the PutParameter API with the overwrite flag. Version ${oldest.version}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`);
        }
        db.prepare("DELETE FROM ssm_parameter_versions WHERE account = ? AND region = ? AND name = ? AND version = ?").run(ctx.account, ctx.region, name, oldest.version);
      }
      if (!prev && input.Tags?.length) putParameterTags(db, parameterArn(ctx.account, ctx.region, name), input.Tags);
      return { Version: version, Tier: tier };
    });
  };

  const GetParameter: Handler = (input: GetParameterRequest, ctx) => {
    const { p, selector } = resolveRef(db, ctx, input.Name!);
    return { Parameter: shown(deps, p, input.WithDecryption === true, selector) };
  };

  const GetParameters: Handler = (input: GetParametersRequest, ctx) => {
    const Parameters: unknown[] = [];
    const InvalidParameters: string[] = [];
    for (const name of new Set(input.Names ?? [])) {
      try {
        const { p, selector } = resolveRef(db, ctx, name);
        Parameters.push(shown(deps, p, input.WithDecryption === true, selector));
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        InvalidParameters.push(name);
      }
    }
    return { Parameters, InvalidParameters };
  };

  const GetParameterHistory: Handler = (input: GetParameterHistoryRequest, ctx) => {
    const { p } = resolveRef(db, ctx, input.Name!);
    const { items, NextToken } = page(versionsOf(db, ctx, p.name), input.NextToken, input.MaxResults ?? 50);
    return {
      Parameters: items.map((v) => ({
        Name: v.name, Type: v.doc.Type, KeyId: v.doc.KeyId, LastModifiedDate: new Date(v.doc.LastModifiedDate), LastModifiedUser: v.doc.LastModifiedUser,
        Description: v.doc.Description, Value: shownValue(deps.cipher, v, input.WithDecryption === true), AllowedPattern: v.doc.AllowedPattern,
        Version: v.version, Labels: v.doc.Labels, Tier: v.doc.Tier, Policies: [], DataType: v.doc.DataType,
      })),
      NextToken,
    };
  };

  function remove(ctx: RequestContext, name: string): boolean {
    const found = db.prepare("DELETE FROM ssm_parameters WHERE account = ? AND region = ? AND name = ?").run(ctx.account, ctx.region, name).changes > 0;
    db.prepare("DELETE FROM ssm_parameter_versions WHERE account = ? AND region = ? AND name = ?").run(ctx.account, ctx.region, name);
    db.prepare("DELETE FROM tags WHERE arn = ?").run(parameterArn(ctx.account, ctx.region, name));
    return found;
  }

  const DeleteParameter: Handler = (input: DeleteParameterRequest, ctx) =>
    tx(() => {
      if (!remove(ctx, input.Name!)) throw parameterNotFound(`Parameter ${input.Name} not found.`);
      return {};
    });

  const DeleteParameters: Handler = (input: DeleteParametersRequest, ctx) =>
    tx(() => {
      const DeletedParameters: string[] = [];
      const InvalidParameters: string[] = [];
      for (const name of new Set(input.Names ?? [])) (remove(ctx, name) ? DeletedParameters : InvalidParameters).push(name);
      return { DeletedParameters, InvalidParameters };
    });

  const LabelParameterVersion: Handler = (input: LabelParameterVersionRequest, ctx) =>
    tx(() => {
      const name = input.Name!;
      const versions = versionsOf(db, ctx, name);
      if (versions.length === 0) throw parameterNotFound(`Parameter ${name} not found.`);
      const wanted = input.ParameterVersion ?? versions[versions.length - 1]!.version;
      const target = versions.find((v) => v.version === wanted);
      if (!target) throw versionNotFound(`Systems Manager could not find version ${wanted} of ${name}. Verify the version and try again.`);
      // A label: up to 100 letters, digits, ., - and _, not a number first, not aws or ssm first.
      const valid = (l: string) => l.length <= 100 && /^[A-Za-z0-9_.-]+$/.test(l) && !/^\d/.test(l) && !/^(aws|ssm)/i.test(l);
      const labels = [...new Set(input.Labels ?? [])];
      const InvalidLabels = labels.filter((l) => !valid(l));
      const good = labels.filter(valid);
      for (const v of versions) {
        if (v === target) continue;
        const kept = v.doc.Labels.filter((l) => !good.includes(l));
        if (kept.length !== v.doc.Labels.length) saveVersionDoc(db, { ...v, doc: { ...v.doc, Labels: kept } });
      }
      const merged = [...new Set([...target.doc.Labels, ...good])];
      if (merged.length > MAX_LABELS) {
        throw new ServiceError("ParameterVersionLabelLimitExceeded", `A parameter version can have maximum ${MAX_LABELS} labels. Move one or more labels to another version and try again.`);
      }
      saveVersionDoc(db, { ...target, doc: { ...target.doc, Labels: merged } });
      return { InvalidLabels, ParameterVersion: wanted };
    });

  return { PutParameter, GetParameter, GetParameters, GetParameterHistory, DeleteParameter, DeleteParameters, LabelParameterVersion };
}
