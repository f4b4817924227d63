import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { migrate } from "../../store/database.js";
import { defaults, type Config } from "../../core/config.js";
import { createLogger } from "../../core/logger.js";
import { ensureVirtualInstances } from "./virtual-instances.js";
import { findCluster } from "../clusters/cluster-store.js";
import { findInstance, instanceAttributes, instancesOf, saveInstance } from "./instance-store.js";

const scope = { account: defaults.accountId, region: defaults.region };
const clock = { now: () => new Date("2024-05-01T12:00:00Z") };
const log = createLogger("silent");

function setUp() {
  const db = new Database(":memory:");
  migrate(db);
  const up = (c: Partial<Config> = {}) => ensureVirtualInstances({ db, config: { ...defaults, instances: 3, instanceCpu: 2048, ...c }, clock, log, dockerVersion: "24.0.7" });
  return { db, up };
}

test("berth up registers N instances in the cluster default, one zone and one address each", () => {
  const { db, up } = setUp();
  const made = up();
  assert.equal(findCluster(db, scope, "default")?.status, "ACTIVE", "default is created");
  assert.deepEqual(made.map((s) => s.hostIp), ["127.0.0.1", "127.0.1.2", "127.0.1.3"]);
  assert.deepEqual(made.map((s) => s.virtualSlot), [1, 2, 3]);
  const zones = made.map((s) => instanceAttributes(db, s.instance.containerInstanceArn!).find((a) => a.name === "ecs.availability-zone")?.value);
  assert.deepEqual(zones, ["us-east-1a", "us-east-1b", "us-east-1c"]);
  assert.equal(made[0]!.instance.versionInfo?.dockerVersion, "DockerVersion: 24.0.7");
  assert.equal(made[0]!.instance.registeredResources?.find((r) => r.name === "CPU")?.integerValue, 2048);
});

test("a restart re-uses each slot's instance; new sizes change the instance, not its identity", () => {
  const { db, up } = setUp();
  const first = up();
  const again = up();
  assert.deepEqual(again.map((s) => s.instance.containerInstanceArn), first.map((s) => s.instance.containerInstanceArn));
  assert.deepEqual(again.map((s) => s.instance.ec2InstanceId), first.map((s) => s.instance.ec2InstanceId));
  assert.deepEqual(again.map((s) => s.instance.version), [1, 1, 1], "nothing changed, so the version did not move");
  const bigger = up({ instanceCpu: 4096 });
  assert.deepEqual(bigger.map((s) => s.instance.containerInstanceArn), first.map((s) => s.instance.containerInstanceArn));
  assert.deepEqual(bigger.map((s) => s.instance.version), [2, 2, 2]);
  assert.equal(instancesOf(db, scope, first[0]!.clusterArn).length, 3, "no duplicates");
});

test("fewer instances leave the others registered but disconnected; a deregistered slot gets a new instance", () => {
  const { db, up } = setUp();
  const [one, two, three] = up();
  up({ instances: 1 });
  assert.equal(findInstance(db, two!.instance.containerInstanceArn!)?.instance.agentConnected, false);
  assert.equal(findInstance(db, three!.instance.containerInstanceArn!)?.instance.agentConnected, false);
  assert.equal(findInstance(db, one!.instance.containerInstanceArn!)?.instance.agentConnected, true);
  saveInstance(db, scope, { ...two!, instance: { ...two!.instance, status: "INACTIVE" } });
  const back = up();
  assert.equal(back[0]!.instance.containerInstanceArn, one!.instance.containerInstanceArn);
  assert.notEqual(back[1]!.instance.containerInstanceArn, two!.instance.containerInstanceArn, "slot 2 was deregistered: a new instance");
  assert.equal(back[2]!.instance.containerInstanceArn, three!.instance.containerInstanceArn);
  assert.equal(back[2]!.instance.agentConnected, true, "reconnected");
});
