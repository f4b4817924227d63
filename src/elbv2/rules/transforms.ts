import type { RuleTransform } from "@aws-sdk/client-elastic-load-balancing-v2";
import { validation } from "../errors.js";
import { regexProblem } from "../../dataplane/rules/rule-regex.js";

const TYPES = ["host-header-rewrite", "url-rewrite"];
const MAX_LENGTH = 1024;

/**
 * A rule's Transforms, checked as ELBv2 does (Transforms for listener rules, ALB user guide; the
 * API reference's RuleTransform and RewriteConfig): one host-header-rewrite and one url-rewrite at
 * most, each with its own configuration only, each rewrite a valid regex and a replacement of at
 * most 1,024 characters. Returns them as AWS shows them (undefined when there are none).
 */
export function checkTransforms(transforms: RuleTransform[] | undefined): RuleTransform[] | undefined {
  if (!transforms || transforms.length === 0) return undefined;
  const seen = new Set<string>();
  return transforms.map((t) => {
    if (!TYPES.includes(t.Type ?? "")) throw validation(`Transform type '${t.Type ?? ""}' must be one of '[${TYPES.join(", ")}]'`);
    if (seen.has(t.Type!)) throw validation(`A rule can only have one '${t.Type}' transform`);
    seen.add(t.Type!);
    const host = t.Type === "host-header-rewrite";
    const own = host ? t.HostHeaderRewriteConfig : t.UrlRewriteConfig;
    const other = host ? t.UrlRewriteConfig : t.HostHeaderRewriteConfig;
    const ownName = host ? "HostHeaderRewriteConfig" : "UrlRewriteConfig";
    if (other) throw validation(`Only ${ownName} can be specified for a '${t.Type}' transform`);
    const rewrites = own?.Rewrites ?? [];
    if (rewrites.length === 0) throw validation(`A '${t.Type}' transform must have ${ownName} with at least one rewrite`);
    for (const r of rewrites) {
      if (!r.Regex || r.Regex.length > MAX_LENGTH) throw validation(`The regex of a '${t.Type}' transform must be from 1 to ${MAX_LENGTH} characters long`);
      if ((r.Replace ?? "").length > MAX_LENGTH) throw validation(`The replacement of a '${t.Type}' transform cannot be longer than ${MAX_LENGTH} characters`);
      const problem = regexProblem(r.Regex);
      if (problem) throw validation(`Regex '${r.Regex}' of the '${t.Type}' transform is not a valid regular expression: ${problem}`);
    }
    const config = { Rewrites: rewrites.map((r) => ({ Regex: r.Regex, Replace: r.Replace ?? "" })) };
    return host ? { Type: t.Type, HostHeaderRewriteConfig: config } : { Type: t.Type, UrlRewriteConfig: config };
  });
}
