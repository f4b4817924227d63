import type { DeploymentLifecycleHook } from "@aws-sdk/client-ecs";
import { invalidParameter } from "../errors.js";
import { TRAFFIC_SHIFTING } from "./deployment-rules.js";

/** A Lambda function's ARN, optionally with a version or alias. */
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** ECS: "PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages." */
const NOT_FOR_PAUSE = new Set(["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"]);

/**
 * deploymentConfiguration.lifecycleHooks as ECS documents them: each names its stages; a Lambda
 * hook (the default targetType) names its function and the role ECS calls it with; a pause hook
 * names neither and cannot run at the two traffic-shifting stages. Stage and action values, and
 * timeoutInMinutes' 1..20160, are checked by the protocol layer from the model. Hooks run at the
 * stages of blue/green, linear and canary deployments only. The wording is Berth's.
 */
export function checkLifecycleHooks(hooks: readonly DeploymentLifecycleHook[], strategy: string): void {
  if (!TRAFFIC_SHIFTING.has(strategy)) throw invalidParameter("lifecycleHooks are supported only with the BLUE_GREEN, LINEAR and CANARY deployment strategies.");
  for (const hook of hooks) {
    if (!hook.lifecycleStages?.length) throw invalidParameter("lifecycleStages must be specified for each lifecycle hook.");
    if (new Set(hook.lifecycleStages).size !== hook.lifecycleStages.length) throw invalidParameter("lifecycleStages of a lifecycle hook must not repeat a stage.");
    const type = hook.targetType ?? "AWS_LAMBDA";
    if (type === "PAUSE") {
      if (hook.hookTargetArn !== undefined) throw invalidParameter("hookTargetArn is not supported for PAUSE lifecycle hooks.");
      if (hook.hookDetails !== undefined) throw invalidParameter("hookDetails is not supported for PAUSE lifecycle hooks.");
      const stage = hook.lifecycleStages.find((s) => NOT_FOR_PAUSE.has(s));
      if (stage) throw invalidParameter(`PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages: ${stage}.`);
      continue;
    }
    if (!hook.hookTargetArn) throw invalidParameter("hookTargetArn must be specified for AWS_LAMBDA lifecycle hooks.");
    if (!LAMBDA_ARN.test(hook.hookTargetArn)) throw invalidParameter(`hookTargetArn ${hook.hookTargetArn} is not a valid Lambda function ARN.`);
    if (!hook.roleArn) throw invalidParameter("roleArn must be specified for AWS_LAMBDA lifecycle hooks.");
    if (!ROLE_ARN.test(hook.roleArn)) throw invalidParameter(`roleArn ${hook.roleArn} is not a valid IAM role ARN.`);
    if (hook.hookDetails !== undefined && (hook.hookDetails === null || typeof hook.hookDetails !== "object" || Array.isArray(hook.hookDetails))) {
      throw invalidParameter("hookDetails must be a JSON object.");
    }
  }
}
