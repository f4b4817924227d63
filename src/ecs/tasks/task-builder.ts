import type { Attachment, Container, NetworkConfiguration, Task, TaskDefinition, TaskOverride, Tag } from "@aws-sdk/client-ecs";
import { randomBytes } from "node:crypto";
import { containerArn, taskArn, type Scope } from "../../core/arn.js";
import { newTaskId, newUuid } from "../../core/ids.js";
import { initialAgents } from "../execute-command/managed-agent.js";

export interface NewTask {
  scope: Scope;
  clusterArn: string;
  clusterName: string;
  taskDefinition: TaskDefinition;
  launchType: "EC2" | "FARGATE";
  overrides: TaskOverride;
  startedBy?: string;
  group: string;
  networkConfiguration?: NetworkConfiguration;
  enableExecuteCommand: boolean;
  tags: Tag[];
  now: Date;
}

/** The network mode a task really gets: Fargate is always awsvpc. */
export const networkModeOf = (def: TaskDefinition, launchType: string) => (launchType === "FARGATE" ? "awsvpc" : def.networkMode ?? "bridge");

/** A task as RunTask returns it: PROVISIONING, desired RUNNING, containers PENDING. */
export function buildTask(n: NewTask): Task {
  const id = newTaskId();
  const arn = taskArn(n.scope, n.clusterName, id);
  const def = n.taskDefinition;
  const awsvpc = networkModeOf(def, n.launchType) === "awsvpc";
  const attachment: Attachment | undefined = awsvpc
    ? {
        id: newUuid(),
        type: "ElasticNetworkInterface",
        status: "PRECREATED",
        details: [
          { name: "subnetId", value: n.networkConfiguration?.awsvpcConfiguration?.subnets?.[0] ?? "" },
          { name: "networkInterfaceId", value: `eni-${randomBytes(9).toString("hex").slice(0, 17)}` },
          { name: "macAddress", value: macAddress() },
        ],
      }
    : undefined;

  const containers: Container[] = (def.containerDefinitions ?? []).map((c) => {
    const o = n.overrides.containerOverrides?.find((x) => x.name === c.name);
    return {
      containerArn: containerArn(n.scope, n.clusterName, newUuid()),
      taskArn: arn,
      name: c.name,
      image: c.image,
      lastStatus: "PENDING",
      networkBindings: [],
      networkInterfaces: [],
      healthStatus: "UNKNOWN",
      cpu: String(o?.cpu ?? c.cpu ?? 0),
      memory: o?.memory ?? c.memory ? String(o?.memory ?? c.memory) : undefined,
      memoryReservation: o?.memoryReservation ?? c.memoryReservation ? String(o?.memoryReservation ?? c.memoryReservation) : undefined,
      ...(n.enableExecuteCommand ? { managedAgents: initialAgents() } : {}),
    };
  });

  return {
    taskArn: arn,
    clusterArn: n.clusterArn,
    taskDefinitionArn: def.taskDefinitionArn,
    launchType: n.launchType,
    lastStatus: "PROVISIONING",
    desiredStatus: "RUNNING",
    createdAt: n.now,
    version: 1,
    group: n.group,
    startedBy: n.startedBy,
    cpu: n.overrides.cpu ?? def.cpu,
    memory: n.overrides.memory ?? def.memory,
    overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...n.overrides },
    containers,
    attachments: attachment ? [attachment] : [],
    attributes: [{ name: "ecs.cpu-architecture", value: process.arch === "arm64" ? "arm64" : "x86_64" }],
    availabilityZone: `${n.scope.region}a`,
    connectivity: undefined,
    enableExecuteCommand: n.enableExecuteCommand,
    healthStatus: "UNKNOWN",
    platformVersion: n.launchType === "FARGATE" ? "1.4.0" : undefined,
    platformFamily: n.launchType === "FARGATE" ? "Linux" : undefined,
    ephemeralStorage: n.launchType === "FARGATE" ? { sizeInGiB: def.ephemeralStorage?.sizeInGiB ?? 20 } : undefined,
    tags: n.tags,
  };
}

/** A locally administered unicast MAC, as an ENI would have. */
function macAddress(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
}
