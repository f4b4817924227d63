import type { RunTaskRequest, RunTaskResponse, TaskOverride } from "@aws-sdk/client-ecs";
import type * as W from "@aws-sdk/client-eventbridge";
import type { Scope } from "../../core/arn.js";
import type { TargetDispatcher } from "../target-dispatch.js";

/** Berth's own RunTask path (the ECS service's handler), as the composition root wires it. */
export type RunTask = (scope: Scope, request: RunTaskRequest) => Promise<RunTaskResponse>;

const CLUSTER_ARN = /^arn:aws[\w-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/.+$/;
const OVERRIDE_KEYS = ["containerOverrides", "cpu", "memory", "taskRoleArn", "executionRoleArn", "ephemeralStorage", "inferenceAcceleratorOverrides"];

/** The input, when it is a RunTask overrides document, becomes the task's overrides (as EventBridge does). */
export function overridesOf(input: string): TaskOverride | undefined {
  try {
    const json = JSON.parse(input) as unknown;
    if (json && typeof json === "object" && !Array.isArray(json) && Object.keys(json).some((k) => OVERRIDE_KEYS.includes(k))) return json as TaskOverride;
  } catch {
    // Not JSON: no overrides.
  }
  return undefined;
}

/** Who started the task, as ECS shows it: `events-rule/NAME` for a rule, the schedule's name for Scheduler. */
function startedByOf(sourceArn: string): string {
  const rule = /:rule\/(?:.+\/)?([^/]+)$/.exec(sourceArn);
  if (rule) return `events-rule/${rule[1]}`.slice(0, 128);
  const schedule = /:schedule\/([^/]+)\/([^/]+)$/.exec(sourceArn);
  return (schedule ? `chronos-schedule/${schedule[2]}` : "events").slice(0, 128);
}

/** EventBridge's EcsParameters as a RunTask request. */
export function runTaskRequest(target: W.Target, input: string, sourceArn: string): RunTaskRequest {
  const p = target.EcsParameters ?? ({} as W.EcsParameters);
  const vpc = p.NetworkConfiguration?.awsvpcConfiguration;
  return {
    cluster: target.Arn,
    taskDefinition: p.TaskDefinitionArn,
    count: p.TaskCount ?? 1,
    launchType: p.LaunchType,
    capacityProviderStrategy: p.CapacityProviderStrategy,
    networkConfiguration: vpc ? { awsvpcConfiguration: { subnets: vpc.Subnets, securityGroups: vpc.SecurityGroups, assignPublicIp: vpc.AssignPublicIp } } : undefined,
    platformVersion: p.PlatformVersion,
    group: p.Group,
    placementConstraints: p.PlacementConstraints,
    placementStrategy: p.PlacementStrategy,
    propagateTags: p.PropagateTags,
    tags: p.Tags?.map((t) => ({ key: t.Key, value: t.Value })),
    enableExecuteCommand: p.EnableExecuteCommand,
    enableECSManagedTags: p.EnableECSManagedTags,
    referenceId: p.ReferenceId,
    overrides: overridesOf(input),
    startedBy: startedByOf(sourceArn),
  };
}

/** An ECS cluster as a target: RunTask with the target's EcsParameters; a RunTask that starts no task fails the delivery. */
export function ecsTaskTarget(runTask: RunTask): TargetDispatcher {
  return {
    handles: (arn) => CLUSTER_ARN.test(arn),
    async deliver({ scope, target, input, sourceArn }) {
      const result = await runTask(scope, runTaskRequest(target, input, sourceArn));
      if (!result.tasks?.length) {
        const why = result.failures?.map((f) => `${f.reason ?? "failure"}${f.detail ? ` (${f.detail})` : ""}`).join(", ") ?? "no task started";
        throw new Error(`RunTask started no task: ${why}`);
      }
    },
  };
}
