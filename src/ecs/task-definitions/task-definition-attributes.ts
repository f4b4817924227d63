import type { Attribute, TaskDefinition } from "@aws-sdk/client-ecs";

/** Images that Amazon ECR serves (account.dkr.ecr.region.amazonaws.com/...). */
export const isEcrImage = (image: string | undefined) => image !== undefined && /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//.test(image);

/**
 * The container-instance attributes ECS derives from a task definition (`requiresAttributes`):
 * what an EC2 instance's agent must support to run it. Berth fills the ones that follow directly
 * from the fields used; placement on Berth's own agents does not depend on them.
 */
export function requiredAttributes(td: TaskDefinition): Attribute[] {
  const names = new Set<string>();
  const add = (name: string) => names.add(name);
  const containers = td.containerDefinitions ?? [];
  if (td.taskRoleArn) add("com.amazonaws.ecs.capability.task-iam-role");
  if (td.networkMode === "awsvpc") {
    add("com.amazonaws.ecs.capability.docker-remote-api.1.18");
    add("ecs.capability.task-eni");
  }
  for (const c of containers) {
    const driver = c.logConfiguration?.logDriver;
    if (driver) {
      add(`com.amazonaws.ecs.capability.logging-driver.${driver}`);
      add(driver === "awslogs" ? "com.amazonaws.ecs.capability.docker-remote-api.1.19" : "com.amazonaws.ecs.capability.docker-remote-api.1.18");
      if (driver === "awslogs" && td.executionRoleArn) add("ecs.capability.execution-role-awslogs");
    }
    if (c.dockerLabels && Object.keys(c.dockerLabels).length) add("com.amazonaws.ecs.capability.docker-remote-api.1.18");
    if (c.ulimits?.length) add("com.amazonaws.ecs.capability.docker-remote-api.1.18");
    if (c.privileged) add("com.amazonaws.ecs.capability.privileged-container");
    if (c.healthCheck) add("ecs.capability.container-health-check");
    if (c.dependsOn?.length) add("ecs.capability.container-ordering");
    if (c.environmentFiles?.length) add("ecs.capability.env-files.s3");
    for (const s of [...(c.secrets ?? []), ...(c.logConfiguration?.secretOptions ?? [])]) {
      add(/^arn:aws[a-z-]*:secretsmanager:/.test(s.valueFrom ?? "") ? "ecs.capability.secrets.asm.environment-variables" : "ecs.capability.secrets.ssm.environment-variables");
    }
    if (isEcrImage(c.image)) {
      add("com.amazonaws.ecs.capability.ecr-auth");
      if (td.executionRoleArn) add("ecs.capability.execution-role-ecr-pull");
    }
  }
  return [...names].map((name) => ({ name }));
}
