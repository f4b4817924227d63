import type { GetAccountSettingRequest, PutAccountSettingRequest } from "@aws-sdk/client-ecr";
import type { Handler } from "../aws/json-gateway.js";
import type { RequestContext } from "../aws/request-context.js";
import type { EcrDeps } from "./deps.js";
import { invalidParameter } from "./errors.js";
import { readSetting, writeSetting } from "./registry-settings.js";

/**
 * ECR's account settings (per account and region), with the values the API reference lists
 * and the default each has for a new registry. Berth records them: its scanner is its own,
 * its registry policy is not evaluated, and cross-repository mounts are always available
 * (see docs/compatibility.md).
 */
const SETTINGS: Record<string, { values: string[]; default: string }> = {
  BASIC_SCAN_TYPE_VERSION: { values: ["AWS_NATIVE", "CLAIR"], default: "AWS_NATIVE" },
  REGISTRY_POLICY_SCOPE: { values: ["V1", "V2"], default: "V2" },
  BLOB_MOUNTING: { values: ["ENABLED", "DISABLED"], default: "DISABLED" },
};

function setting(name: string) {
  const s = SETTINGS[name];
  if (!s) throw invalidParameter(`Invalid parameter at 'name' failed to satisfy constraint: 'Member must satisfy enum value set: [${Object.keys(SETTINGS).join(", ")}]'`);
  return s;
}

export function accountSettingHandlers({ db }: EcrDeps): Record<string, Handler> {
  const stored = (ctx: RequestContext) => readSetting<Record<string, string>>(db, ctx, "accountSettings") ?? {};
  return {
    GetAccountSetting: (input: GetAccountSettingRequest, ctx: RequestContext) => {
      const name = input.name!;
      return { name, value: stored(ctx)[name] ?? setting(name).default };
    },
    PutAccountSetting: (input: PutAccountSettingRequest, ctx: RequestContext) => {
      const name = input.name!;
      const value = input.value!;
      const s = setting(name);
      if (!s.values.includes(value)) throw invalidParameter(`Invalid parameter at 'value' failed to satisfy constraint: 'Member must satisfy enum value set: [${s.values.join(", ")}]'`);
      db.transaction(() => writeSetting(db, ctx, "accountSettings", { ...stored(ctx), [name]: value }))();
      return { name, value };
    },
  };
}
