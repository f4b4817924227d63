import { invalidParameter } from "./errors.js";

/**
 * An ECR lifecycle policy, parsed and validated as PutLifecyclePolicy and
 * StartLifecyclePolicyPreview validate it. The wire names are ECR's; values are those the
 * evaluator supports (lifecycle-evaluate.ts).
 */
export type TagStatus = "tagged" | "untagged" | "any";
export type CountType = "imageCountMoreThan" | "sinceImagePushed" | "sinceImagePulled" | "sinceImageTransitioned";
export type StorageClass = "standard" | "archive";

export interface LifecycleSelection {
  tagStatus: TagStatus;
  tagPrefixList?: string[];
  tagPatternList?: string[];
  /** The storage class whose images the rule selects; absent: standard. */
  storageClass?: StorageClass;
  countType: CountType;
  /** Present exactly when countType is an age (sinceImagePushed, sinceImagePulled, sinceImageTransitioned). */
  countUnit?: "days";
  countNumber: number;
}

export interface LifecycleRule {
  rulePriority: number;
  description?: string;
  selection: LifecycleSelection;
  /** expire deletes the image; transition moves it to the archive storage class. */
  action: { type: "expire" } | { type: "transition"; targetStorageClass: "archive" };
}

/** Rules in priority order (lowest rulePriority first), as ECR evaluates them. */
export interface LifecyclePolicy {
  rules: LifecycleRule[];
}

/** A wildcard pattern may hold at most this many '*' (ECR's limit). */
export const MAX_PATTERN_WILDCARDS = 4;

// ECR validates the text with a JSON schema and reports the schema validator's own words
// (the Java json-schema-validator's), wrapped in a fixed preamble; these keep that wording.
const failure = (detail: string) =>
  invalidParameter(`Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${detail}'`);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** JSON schema type names, as the validator reports them. */
function jsonType(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

const list = (names: string[]) => `(${JSON.stringify([...names].sort())})`;

function expectType(v: Json, allowed: string): void {
  const t = jsonType(v);
  if (t !== allowed) throw failure(`instance type (${t}) does not match any allowed primitive type (allowed: ["${allowed}"])`);
}

function expectObject(v: Json, required: string[], allowed: string[]): Record<string, Json> {
  expectType(v, "object");
  const o = v as Record<string, Json>;
  const missing = required.filter((k) => !Object.hasOwn(o, k));
  if (missing.length) throw failure(`object has missing required properties ${list(missing)}`);
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length) throw failure(`object instance has properties which are not allowed by the schema: ${list(extra)}`);
  return o;
}

function expectEnum<T extends string>(v: Json, values: readonly T[]): T {
  if (typeof v !== "string" || !values.includes(v as T)) {
    throw failure(`instance value (${typeof v === "string" ? v : JSON.stringify(v)}) not found in enum :(possible values: ${JSON.stringify([...values].sort())})`);
  }
  return v as T;
}

function expectPositiveInteger(v: Json): number {
  expectType(v, "integer");
  const n = v as number;
  if (n < 1) throw failure(`numeric instance is lower than the required minimum (minimum: 1, found: ${n})`);
  return n;
}

function expectStrings(v: Json): string[] {
  expectType(v, "array");
  for (const s of v as Json[]) expectType(s, "string");
  return v as string[];
}

function parseSelection(v: Json): LifecycleSelection {
  const o = expectObject(v, ["tagStatus", "countType", "countNumber"],
    ["tagStatus", "tagPrefixList", "tagPatternList", "storageClass", "countType", "countUnit", "countNumber"]);
  const tagStatus = expectEnum(o.tagStatus!, ["tagged", "untagged", "any"] as const);
  if (o.storageClass !== undefined) expectEnum(o.storageClass, ["standard", "archive"] as const);
  // The schema has one branch per count type (count: no unit; age: a unit); a selection that
  // fits neither is reported as the validator reports a failed oneOf.
  const isAge = o.countType === "sinceImagePushed" || o.countType === "sinceImagePulled" || o.countType === "sinceImageTransitioned";
  if (!(o.countType === "imageCountMoreThan" && o.countUnit === undefined) && !(isAge && o.countUnit !== undefined)) {
    throw failure("instance failed to match exactly one schema (matched 0 out of 2)");
  }
  const selection: LifecycleSelection = { tagStatus, countType: o.countType as CountType, countNumber: 0 };
  if (o.countUnit !== undefined) selection.countUnit = expectEnum(o.countUnit, ["days"] as const);
  selection.countNumber = expectPositiveInteger(o.countNumber!);
  if (o.tagPrefixList !== undefined) selection.tagPrefixList = expectStrings(o.tagPrefixList);
  if (o.tagPatternList !== undefined) selection.tagPatternList = expectStrings(o.tagPatternList);
  if (o.storageClass !== undefined) selection.storageClass = o.storageClass as StorageClass;
  return selection;
}

function parseRule(v: Json): LifecycleRule {
  const o = expectObject(v, ["rulePriority", "selection", "action"], ["rulePriority", "description", "selection", "action"]);
  const rulePriority = expectPositiveInteger(o.rulePriority!);
  if (o.description !== undefined) expectType(o.description, "string");
  const action = expectObject(o.action!, ["type"], ["type", "targetStorageClass"]);
  const type = expectEnum(action.type!, ["expire", "transition"] as const);
  if (action.targetStorageClass !== undefined) expectEnum(action.targetStorageClass, ["archive"] as const);
  if (type === "transition" && action.targetStorageClass === undefined) throw failure("targetStorageClass is required when action type is transition.");
  if (type === "expire" && action.targetStorageClass !== undefined) throw failure("targetStorageClass can only be specified when action type is transition.");
  const rule: LifecycleRule = {
    rulePriority,
    selection: parseSelection(o.selection!),
    action: type === "transition" ? { type, targetStorageClass: "archive" } : { type },
  };
  if (o.description !== undefined) rule.description = o.description as string;
  return rule;
}

/** The rules ECR checks across a rule's fields and across rules, after the schema. */
function checkRules(rules: LifecycleRule[]): void {
  const priorities = new Set<number>();
  for (const { rulePriority, selection: s, action } of rules) {
    if (priorities.has(rulePriority)) throw failure("Rule priorities must be unique.");
    priorities.add(rulePriority);
    const archive = s.storageClass === "archive";
    // Images reach the archive only by transition, and leave it only by expiry (or a restore).
    if (archive && action.type === "transition") throw failure("Transition action is not supported for rules with storageClass archive.");
    if (!archive && s.countType === "sinceImageTransitioned") throw failure("countType sinceImageTransitioned is only supported with storageClass archive.");
    const prefixes = s.tagPrefixList?.length ?? 0;
    const patterns = s.tagPatternList?.length ?? 0;
    if (s.tagStatus === "tagged") {
      if (!prefixes && !patterns) throw failure("Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.");
      if (prefixes && patterns) throw failure("If policy has a tagged rule, it must specify only one of tagPrefixList or tagPatternList.");
    } else {
      for (const key of ["tagPrefixList", "tagPatternList"] as const) {
        if (s[key] !== undefined) throw failure(`Cannot specify ${key} with tagStatus ${s.tagStatus}.`);
      }
    }
    for (const p of s.tagPatternList ?? []) {
      if (p === "" || p.split("*").length - 1 > MAX_PATTERN_WILDCARDS) throw failure("Invalid tag pattern provided.");
    }
  }
  for (const storageClass of ["standard", "archive"] as const) {
    const ofClass = rules.filter((r) => (r.selection.storageClass ?? "standard") === storageClass);
    if (!ofClass.length) continue;
    if (ofClass.filter((r) => r.selection.tagStatus === "untagged").length > 1) {
      throw failure("Only one rule can select Untagged images per storage class.");
    }
    const last = Math.max(...ofClass.map((r) => r.rulePriority));
    if (ofClass.some((r) => r.selection.tagStatus === "any" && r.rulePriority !== last) || ofClass.filter((r) => r.selection.tagStatus === "any").length > 1) {
      throw failure("Rule for tagStatus=ANY must have the lowest priority per storage class.");
    }
  }
}

/** Parses and validates policy text; InvalidParameterException with ECR's message otherwise. */
export function parseLifecyclePolicy(text: string): LifecyclePolicy {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch {
    throw failure("Could not map policyString into LifecyclePolicy.");
  }
  if (jsonType(doc) !== "object") throw failure("Could not map policyString into LifecyclePolicy.");
  const o = expectObject(doc, ["rules"], ["rules"]);
  expectType(o.rules!, "array");
  const raw = o.rules as Json[];
  if (raw.length === 0) throw failure("array is too short: must have at least 1 elements but instance has 0 elements");
  const rules = raw.map(parseRule);
  checkRules(rules);
  return { rules: rules.sort((a, b) => a.rulePriority - b.rulePriority) };
}

/**
 * The policy as ECR gives it back: compact JSON, rules in priority order, members in the
 * documented order.
 */
export function formatLifecyclePolicy(policy: LifecyclePolicy): string {
  return JSON.stringify({
    rules: policy.rules.map((r) => ({
      rulePriority: r.rulePriority,
      description: r.description,
      selection: {
        tagStatus: r.selection.tagStatus,
        tagPatternList: r.selection.tagPatternList,
        tagPrefixList: r.selection.tagPrefixList,
        storageClass: r.selection.storageClass,
        countType: r.selection.countType,
        countUnit: r.selection.countUnit,
        countNumber: r.selection.countNumber,
      },
      action: r.action.type === "transition" ? { type: r.action.type, targetStorageClass: r.action.targetStorageClass } : { type: r.action.type },
    })),
  });
}
