import type { Checker } from "./checker.js";

/**
 * EC2 tasks go to EC2 instances and EXTERNAL tasks to ECS Anywhere instances. A mismatch is an
 * ATTRIBUTE failure: the instance lacks (or has) the ecs.capability.external attribute the task
 * needs.
 */
export const launchTypeChecker: Checker = {
  name: "launchType",
  static: true,
  memoKey: (request) => request.launchType,
  prepare: ({ index, request }) => (i) => ((index.instances[i]!.launchType ?? "EC2") === request.launchType ? undefined : "ATTRIBUTE"),
};
