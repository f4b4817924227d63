import type { LaunchSpec } from "../../agent/protocol/task-runner.js";
import { taskScope } from "../../agent/image-ref.js";
import type { Db } from "../../store/database.js";
import { effectiveSetting } from "./account-settings.js";

/**
 * The launch as its agent gets it: a container whose logConfiguration has no `mode` option gets
 * the defaultLogDriverMode account setting ("blocking" or "non-blocking"), as ECS documents it: the
 * setting is the delivery mode of containers that do not choose one. The account's value applies
 * (the root user's, else AWS's non-blocking); a principal's own value is not consulted, since a
 * task is launched by ECS, not by a caller (a service's replacements have none). Only the
 * delivered copy changes: DescribeTaskDefinition shows the definition as registered.
 */
export function withDefaultLogDriverMode(db: Db, spec: LaunchSpec): LaunchSpec {
  const defs = spec.taskDefinition.containerDefinitions ?? [];
  const choosing = (c: (typeof defs)[number]) => c.logConfiguration?.logDriver !== undefined && c.logConfiguration.options?.["mode"] === undefined;
  if (!defs.some(choosing)) return spec;
  const scope = taskScope(spec.task.taskArn ?? "");
  if (!scope) return spec;
  const mode = effectiveSetting(db, scope, "defaultLogDriverMode", `arn:aws:iam::${scope.account}:root`).value!;
  const containerDefinitions = defs.map((c) =>
    choosing(c) ? { ...c, logConfiguration: { ...c.logConfiguration!, options: { ...c.logConfiguration!.options, mode } } } : c);
  return { ...spec, taskDefinition: { ...spec.taskDefinition, containerDefinitions } };
}
