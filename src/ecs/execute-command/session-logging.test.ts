import { test } from "node:test";
import assert from "node:assert/strict";
import type { Cluster, ContainerDefinition } from "@aws-sdk/client-ecs";
import { sessionLog } from "./session-logging.js";

const awslogs: ContainerDefinition = { name: "app", logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/app", "awslogs-region": "eu-west-1" } } };
const cluster = (executeCommandConfiguration?: NonNullable<Cluster["configuration"]>["executeCommandConfiguration"]): Cluster =>
  ({ clusterName: "c", configuration: executeCommandConfiguration ? { executeCommandConfiguration } : undefined });

test("session output goes where executeCommandConfiguration says: OVERRIDE's group, DEFAULT's awslogs group, NONE nowhere", () => {
  assert.deepEqual(sessionLog(cluster({ logging: "OVERRIDE", logConfiguration: { cloudWatchLogGroupName: "/exec" } }), awslogs, "us-east-1"), { group: "/exec", region: "us-east-1" });
  assert.equal(sessionLog(cluster({ logging: "OVERRIDE", logConfiguration: { s3BucketName: "b" } }), awslogs, "us-east-1"), undefined);
  assert.deepEqual(sessionLog(cluster({ logging: "DEFAULT" }), awslogs, "us-east-1"), { group: "/ecs/app", region: "eu-west-1" });
  // No configuration at all is DEFAULT.
  assert.deepEqual(sessionLog(cluster(), awslogs, "us-east-1"), { group: "/ecs/app", region: "eu-west-1" });
  assert.equal(sessionLog(cluster(), { name: "app" }, "us-east-1"), undefined);
  assert.equal(sessionLog(cluster({ logging: "NONE" }), awslogs, "us-east-1"), undefined);
});
