import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateClusterCommand, DescribeClustersCommand, ListClustersCommand, DeleteClusterCommand,
  UpdateClusterSettingsCommand, UpdateClusterCommand, ClusterNotFoundException,
} from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";

let berth: BerthProcess;
before(async () => {
  berth = await BerthProcess.start();
});
after(async () => {
  await berth.dispose();
});

test("CreateCluster returns the cluster as ECS shows it", async () => {
  const ecs = berth.ecs();
  const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: "dev", tags: [{ key: "team", value: "core" }] }));
  assert.equal(cluster?.clusterName, "dev");
  assert.equal(cluster?.clusterArn, "arn:aws:ecs:us-east-1:000000000000:cluster/dev");
  assert.equal(cluster?.status, "ACTIVE");
  assert.equal(cluster?.runningTasksCount, 0);
  assert.equal(cluster?.pendingTasksCount, 0);
  assert.deepEqual(cluster?.settings, [{ name: "containerInsights", value: "disabled" }]);
  assert.deepEqual(cluster?.tags, [{ key: "team", value: "core" }]);
  // Creating it again is idempotent.
  const again = await ecs.send(new CreateClusterCommand({ clusterName: "dev" }));
  assert.equal(again.cluster?.clusterArn, cluster?.clusterArn);
});

test("DescribeClusters honours include and reports missing clusters as failures", async () => {
  const ecs = berth.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: "described", tags: [{ key: "a", value: "1" }] }));
  const plain = await ecs.send(new DescribeClustersCommand({ clusters: ["described", "nope"] }));
  assert.equal(plain.clusters?.length, 1);
  assert.deepEqual(plain.clusters?.[0]?.tags, []);
  assert.deepEqual(plain.clusters?.[0]?.statistics, []);
  assert.deepEqual(plain.failures, [{ arn: "arn:aws:ecs:us-east-1:000000000000:cluster/nope", reason: "MISSING" }]);
  const full = await ecs.send(new DescribeClustersCommand({ clusters: ["arn:aws:ecs:us-east-1:000000000000:cluster/described"], include: ["TAGS", "STATISTICS", "SETTINGS"] }));
  const c = full.clusters?.[0];
  assert.deepEqual(c?.tags, [{ key: "a", value: "1" }]);
  assert.ok(c?.statistics?.some((s) => s.name === "runningFargateTasksCount" && s.value === "0"));
  assert.deepEqual(c?.settings, [{ name: "containerInsights", value: "disabled" }]);
});

test("ListClusters pages with nextToken", async () => {
  const ecs = berth.ecs("eu-west-1");
  for (let i = 0; i < 5; i++) await ecs.send(new CreateClusterCommand({ clusterName: `page-${i}` }));
  const seen: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListClustersCommand({ maxResults: 2, nextToken }));
    assert.ok((page.clusterArns?.length ?? 0) <= 2);
    seen.push(...(page.clusterArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  assert.deepEqual(seen, [0, 1, 2, 3, 4].map((i) => `arn:aws:ecs:eu-west-1:000000000000:cluster/page-${i}`));
});

test("regions and accounts scope clusters", async () => {
  await berth.ecs("ap-south-1").send(new CreateClusterCommand({ clusterName: "scoped" }));
  const other = await berth.ecs("ap-south-2").send(new ListClustersCommand({}));
  assert.deepEqual(other.clusterArns, []);
  const acct = berth.ecs("ap-south-1", "111122223333");
  await acct.send(new CreateClusterCommand({ clusterName: "scoped" }));
  const listed = await acct.send(new ListClustersCommand({}));
  assert.deepEqual(listed.clusterArns, ["arn:aws:ecs:ap-south-1:111122223333:cluster/scoped"]);
});

test("UpdateClusterSettings and UpdateCluster change settings", async () => {
  const ecs = berth.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: "settings" }));
  const { cluster } = await ecs.send(new UpdateClusterSettingsCommand({ cluster: "settings", settings: [{ name: "containerInsights", value: "enabled" }] }));
  assert.deepEqual(cluster?.settings, [{ name: "containerInsights", value: "enabled" }]);
  const updated = await ecs.send(new UpdateClusterCommand({ cluster: "settings", settings: [{ name: "containerInsights", value: "disabled" }] }));
  assert.deepEqual(updated.cluster?.settings, [{ name: "containerInsights", value: "disabled" }]);
  await assert.rejects(ecs.send(new UpdateClusterCommand({ cluster: "missing", settings: [] })), ClusterNotFoundException);
});

test("DeleteCluster marks it INACTIVE and hides it from ListClusters", async () => {
  const ecs = berth.ecs("us-west-2");
  await ecs.send(new CreateClusterCommand({ clusterName: "gone" }));
  const { cluster } = await ecs.send(new DeleteClusterCommand({ cluster: "gone" }));
  assert.equal(cluster?.status, "INACTIVE");
  const list = await ecs.send(new ListClustersCommand({}));
  assert.deepEqual(list.clusterArns, []);
  const described = await ecs.send(new DescribeClustersCommand({ clusters: ["gone"] }));
  assert.equal(described.clusters?.[0]?.status, "INACTIVE");
  await assert.rejects(ecs.send(new DeleteClusterCommand({ cluster: "gone" })), ClusterNotFoundException);
});

test("the AWS CLI drives the same API", async () => {
  const created = await berth.aws("ecs", "create-cluster", "--cluster-name", "cli");
  assert.equal(created.cluster.clusterArn, "arn:aws:ecs:us-east-1:000000000000:cluster/cli");
  const listed = await berth.aws("ecs", "list-clusters");
  assert.ok(listed.clusterArns.includes(created.cluster.clusterArn));
});
