import type {
  DeleteAccountSettingRequest, ListAccountSettingsRequest, PutAccountSettingDefaultRequest, PutAccountSettingRequest, Setting,
} from "@aws-sdk/client-ecs";
import type { Handler } from "../../aws/json-gateway.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Db } from "../../store/database.js";
import type { Scope } from "../../core/arn.js";
import type { EcsDeps } from "../deps.js";
import { invalidParameter } from "../errors.js";
import { paginate } from "../pagination.js";
import { SETTING_RULES, type SettingName } from "./setting-rules.js";

/**
 * ECS account settings, per region: each IAM user or role may have its own value of a setting;
 * the account's root user's value is the account default (PutAccountSettingDefault sets it), and
 * AWS's default applies where neither is set. The settings that change Berth's behaviour read
 * effectiveSetting(): containerInsights (the default of new clusters), tagResourceAuthorization
 * (ecs:TagResource on tag-on-create calls, src/ecs/authorization.ts) and defaultLogDriverMode
 * (log-driver-mode.ts); the rest are recorded.
 */

const rootArn = (account: string) => `arn:aws:iam::${account}:root`;
const PRINCIPAL = /^arn:aws:iam::(\d{12}):(root|user\/.+|role\/.+)$/;

/** The principal a call acts for: the given ARN (checked), else the caller (an assumed role's session counts as its role). */
function principalOf(ctx: RequestContext, given: string | undefined): string {
  if (given !== undefined) {
    const m = PRINCIPAL.exec(given);
    if (!m || m[1] !== ctx.account) throw invalidParameter("principalArn must be the ARN of an IAM user, IAM role or the root user of this account.");
    return given;
  }
  return ctx.principal?.roleArn ?? ctx.principal?.arn ?? rootArn(ctx.account);
}

function stored(db: Db, scope: Scope, principal: string, name: string): string | undefined {
  const row = db.prepare("SELECT value FROM ecs_account_settings WHERE account = ? AND region = ? AND principal_arn = ? AND name = ?")
    .get(scope.account, scope.region, principal, name) as { value: string } | undefined;
  return row?.value;
}

/** The value that applies to a principal: its own, else the account default, else AWS's. */
export function effectiveSetting(db: Db, scope: Scope & { principal?: RequestContext["principal"] }, name: SettingName, principal?: string): Setting {
  const who = principal ?? scope.principal?.roleArn ?? scope.principal?.arn ?? rootArn(scope.account);
  const own = stored(db, scope, who, name);
  if (own !== undefined) return { name, value: own, principalArn: who, type: "user" };
  const root = rootArn(scope.account);
  const byDefault = stored(db, scope, root, name);
  if (byDefault !== undefined) return { name, value: byDefault, principalArn: root, type: "user" };
  return { name, value: SETTING_RULES[name].awsDefault, principalArn: root, type: "aws_managed" };
}

function checkValue(name: SettingName, value: string): void {
  const rule = SETTING_RULES[name];
  if (rule.readOnly) throw invalidParameter(`The ${name} account setting is read-only.`);
  if (!rule.values.includes(value)) throw invalidParameter(`Invalid value '${value}' for ${name}. Valid values are: ${rule.values.join(", ")}.`);
}

function put(db: Db, scope: Scope, principal: string, name: SettingName, value: string): Setting {
  db.prepare(
    `INSERT INTO ecs_account_settings (account, region, principal_arn, name, value) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (account, region, principal_arn, name) DO UPDATE SET value = excluded.value`,
  ).run(scope.account, scope.region, principal, name, value);
  return { name, value, principalArn: principal, type: "user" };
}

export function accountSettingHandlers({ db }: EcsDeps): Record<string, Handler> {
  return {
    PutAccountSetting: (input: PutAccountSettingRequest, ctx: RequestContext) => {
      const name = input.name as SettingName;
      checkValue(name, input.value!);
      const principal = principalOf(ctx, input.principalArn);
      if (SETTING_RULES[name].accountOnly && principal !== rootArn(ctx.account)) {
        throw invalidParameter(`The ${name} account setting can only be set for the account (root user or PutAccountSettingDefault).`);
      }
      return { setting: put(db, ctx, principal, name, input.value!) };
    },

    PutAccountSettingDefault: (input: PutAccountSettingDefaultRequest, ctx: RequestContext) => {
      const name = input.name as SettingName;
      checkValue(name, input.value!);
      return { setting: put(db, ctx, rootArn(ctx.account), name, input.value!) };
    },

    DeleteAccountSetting: (input: DeleteAccountSettingRequest, ctx: RequestContext) => {
      const name = input.name as SettingName;
      const principal = principalOf(ctx, input.principalArn);
      return db.transaction(() => {
        const value = stored(db, ctx, principal, name);
        db.prepare("DELETE FROM ecs_account_settings WHERE account = ? AND region = ? AND principal_arn = ? AND name = ?").run(ctx.account, ctx.region, principal, name);
        // The setting as it was; where none was set, the value that applies (and still does).
        return { setting: value !== undefined ? { name, value, principalArn: principal, type: "user" } : effectiveSetting(db, ctx, name, principal) };
      })();
    },

    ListAccountSettings: (input: ListAccountSettingsRequest, ctx: RequestContext) => {
      if (input.value !== undefined && input.name === undefined) throw invalidParameter("The value parameter can only be used together with the name parameter.");
      const principal = principalOf(ctx, input.principalArn);
      const names = (input.name ? [input.name] : Object.keys(SETTING_RULES)) as SettingName[];
      const all: Setting[] = [];
      for (const name of names) {
        if (input.effectiveSettings) all.push(effectiveSetting(db, ctx, name, principal));
        else {
          const own = stored(db, ctx, principal, name);
          if (own !== undefined) all.push({ name, value: own, principalArn: principal, type: "user" });
        }
      }
      const matching = input.value === undefined ? all : all.filter((s) => s.value === input.value);
      const { page, nextToken } = paginate(matching, input, { defaultMax: 10, limit: 10 });
      return { settings: page, nextToken };
    },
  };
}
