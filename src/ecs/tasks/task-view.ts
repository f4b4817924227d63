import type { Task } from "@aws-sdk/client-ecs";

/** A stored task as the API shows it; tags only when asked for (DescribeTasks include TAGS). */
export function presentTask(task: Task, withTags: boolean): Task {
  return { ...task, tags: withTags ? task.tags ?? [] : undefined };
}
