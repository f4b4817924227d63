import type { DescribeParametersRequest, GetParametersByPathRequest, ParameterStringFilter } from "@aws-sdk/client-ssm";
import type { Handler } from "../aws/service.js";
import type { Db } from "../store/database.js";
import { validation } from "./errors.js";
import { parameterArn } from "./parameter-names.js";
import { allLatest, versionsOf, type ParameterDeps, type ParameterVersion } from "./parameter-store.js";
import { page, shown } from "./parameter-handlers.js";
import { parameterTags } from "./parameter-tags.js";

/** Whether `name` is under `path`: a direct child, or anywhere beneath when recursive. */
function under(name: string, path: string, recursive: boolean): boolean {
  const prefix = path.endsWith("/") ? path : `${path}/`;
  if (!name.startsWith(prefix) || name === prefix) return false;
  return recursive || !name.slice(prefix.length).includes("/");
}

/**
 * ParameterFilters as DescribeParameters and GetParametersByPath apply them: Name (Equals,
 * BeginsWith, Contains), Path (OneLevel, Recursive), Type, KeyId, Tier, DataType, Label and
 * tag:KEY (Equals). Filters all apply; the values of one are alternatives.
 */
function matches(db: Db, p: ParameterVersion, filters: ParameterStringFilter[]): boolean {
  return filters.every((f) => {
    const values = f.Values ?? [];
    const option = f.Option ?? "Equals";
    const key = f.Key ?? "";
    if (key === "Path") return values.some((v) => under(p.name, v, option === "Recursive"));
    if (key === "Label") return versionsOf(db, p, p.name).some((v) => v.doc.Labels.some((l) => values.includes(l)));
    if (key.startsWith("tag:")) {
      const tag = parameterTags(db, parameterArn(p.account, p.region, p.name)).find((t) => t.Key === key.slice(4));
      return tag !== undefined && (values.length === 0 || values.includes(tag.Value ?? ""));
    }
    const field = { Name: p.name, Type: p.doc.Type, KeyId: p.doc.KeyId ?? "", Tier: p.doc.Tier, DataType: p.doc.DataType }[key];
    if (field === undefined) throw validation(`The following filter key is not valid: ${key}. Valid filter keys include: [Path, Name, Type, KeyId, Tier, Label, DataType, tag:].`);
    if (key === "Name") {
      // A name filter value may be given with or without its leading slash.
      const names = [field, field.replace(/^\//, "")];
      if (option === "BeginsWith") return values.some((v) => names.some((n) => n.startsWith(v.replace(/^\//, "")) || n.startsWith(v)));
      if (option === "Contains") return values.some((v) => field.includes(v));
      return values.some((v) => names.includes(v));
    }
    if (option === "BeginsWith") return values.some((v) => field.startsWith(v));
    return values.includes(field);
  });
}

export function queryHandlers(deps: ParameterDeps): Record<string, Handler> {
  const { db } = deps;

  const GetParametersByPath: Handler = (input: GetParametersByPathRequest, ctx) => {
    const path = input.Path!;
    if (!path.startsWith("/")) throw validation('The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".');
    const filters = input.ParameterFilters ?? [];
    for (const f of filters) {
      if (!["Type", "KeyId", "Label"].includes(f.Key ?? "") && !f.Key?.startsWith("tag:")) {
        throw validation(`The following filter key is not valid: ${f.Key}. Valid filter keys include: [Type, KeyId, Label, tag:].`);
      }
    }
    const found = allLatest(db, ctx).filter((p) => under(p.name, path, input.Recursive === true) && matches(db, p, filters));
    const { items, NextToken } = page(found, input.NextToken, input.MaxResults ?? 10);
    return { Parameters: items.map((p) => shown(deps, p, input.WithDecryption === true)), NextToken };
  };

  const DescribeParameters: Handler = (input: DescribeParametersRequest, ctx) => {
    if (input.Filters?.length && input.ParameterFilters?.length) throw validation("You can use either Filters or ParameterFilters in a single request.");
    const legacy: ParameterStringFilter[] = (input.Filters ?? []).map((f) => ({ Key: f.Key, Values: f.Values, Option: "Equals" }));
    const filters = [...legacy, ...(input.ParameterFilters ?? [])];
    const found = allLatest(db, ctx).filter((p) => matches(db, p, filters));
    const { items, NextToken } = page(found, input.NextToken, input.MaxResults ?? 10);
    return {
      Parameters: items.map((p) => ({
        Name: p.name, ARN: parameterArn(p.account, p.region, p.name), Type: p.doc.Type, KeyId: p.doc.KeyId, LastModifiedDate: new Date(p.doc.LastModifiedDate),
        LastModifiedUser: p.doc.LastModifiedUser, Description: p.doc.Description, AllowedPattern: p.doc.AllowedPattern, Version: p.version,
        Tier: p.doc.Tier, Policies: [], DataType: p.doc.DataType,
      })),
      NextToken,
    };
  };

  return { GetParametersByPath, DescribeParameters };
}
