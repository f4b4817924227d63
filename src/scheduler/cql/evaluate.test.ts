import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateCql, parseCql, type CqlTarget } from "./index.js";

function target(over: Partial<Omit<CqlTarget, "attribute" | "taskGroups">> & { attributes?: Record<string, string | null>; groups?: string[] } = {}): CqlTarget {
  const attributes = over.attributes ?? {};
  return {
    agentConnected: over.agentConnected ?? true,
    agentVersion: over.agentVersion ?? "1.80.0",
    ec2InstanceId: "ec2InstanceId" in over ? over.ec2InstanceId : "i-0abc",
    registeredAt: over.registeredAt ?? Date.UTC(2024, 0, 15, 12, 0, 0),
    runningTasksCount: over.runningTasksCount ?? 2,
    attribute: (name) => (name in attributes ? attributes[name] : undefined),
    taskGroups: () => over.groups ?? [],
  };
}

function holds(expr: string, t: CqlTarget): boolean {
  const r = parseCql(expr);
  if (!r.ok) assert.fail(r.error.message);
  return evaluateCql(r.ast, t);
}

const t3 = target({ attributes: { "ecs.instance-type": "t3.medium", "ecs.availability-zone": "us-east-1a", stack: "prod", slots: "12", flag: null } });

test("equality, lists and patterns on attributes", () => {
  assert.equal(holds("attribute:ecs.instance-type == t3.medium", t3), true);
  assert.equal(holds("attribute:ecs.instance-type != t3.medium", t3), false);
  assert.equal(holds("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", t3), true);
  assert.equal(holds("attribute:ecs.availability-zone not_in [us-east-1a]", t3), false);
  assert.equal(holds("attribute:ecs.instance-type =~ t3.*", t3), true);
  assert.equal(holds("attribute:ecs.instance-type =~ t3", t3), false, "a pattern matches the whole value");
  assert.equal(holds("attribute:ecs.instance-type !~ m5.*", t3), true);
  assert.equal(holds("attribute:ecs.instance-type =~ (t2|t3)\\.medium", t3), true);
});

test("a missing attribute satisfies no comparison, only !exists", () => {
  assert.equal(holds("attribute:team == x", t3), false);
  assert.equal(holds("attribute:team != x", t3), false);
  assert.equal(holds("attribute:team not_in [x]", t3), false);
  assert.equal(holds("attribute:team !~ x", t3), false);
  assert.equal(holds("attribute:team exists", t3), false);
  assert.equal(holds("attribute:team !exists", t3), true);
  assert.equal(holds("attribute:flag exists", t3), true, "an attribute without a value exists");
  assert.equal(holds("attribute:flag == x", t3), false);
});

test("attributes compare as numbers when both sides are numbers, else as text", () => {
  assert.equal(holds("attribute:slots > 9", t3), true, "12 > 9 numerically, though '12' < '9' as text");
  assert.equal(holds("attribute:slots == 12.0", t3), true);
  assert.equal(holds("attribute:stack > pre", t3), true);
  assert.equal(holds("attribute:stack < pre", t3), false);
});

test("runningTasksCount, registeredAt, agentVersion, agentConnected, ec2InstanceId", () => {
  const t = target({ runningTasksCount: 1, registeredAt: Date.UTC(2018, 1, 12, 23, 0, 0), agentVersion: "1.14.4", agentConnected: false });
  assert.equal(holds("runningTasksCount == 1", t), true);
  assert.equal(holds("runningTasksCount > 1", t), false);
  assert.equal(holds("registeredAt < 2018-02-13", t), true);
  assert.equal(holds("registeredAt >= 2018-02-12T23:00:00Z", t), true);
  assert.equal(holds("registeredAt > 2018-02-12T23:00:00Z", t), false);
  assert.equal(holds("registeredAt < 2018-02-13T00:30:00+01:00", t), true, "00:30+01:00 is 23:30Z the day before");
  assert.equal(holds("registeredAt < 2018-02-13T00:00:00+01:00", t), false, "00:00+01:00 is 23:00Z, not later");
  assert.equal(holds("agentVersion < 1.14.5", t), true);
  assert.equal(holds("agentVersion < 1.9.0", target({ agentVersion: "1.14.0" })), false, "versions compare part by part");
  assert.equal(holds("agentConnected == false", t), true);
  assert.equal(holds("ec2InstanceId in ['i-0abc', 'i-0def']", t), true);
  assert.equal(holds("ec2InstanceId =~ i-0.*", target({ ec2InstanceId: undefined })), false);
});

test("task:group: affinity and anti-affinity as ECS writes them", () => {
  const t = target({ groups: ["service:web", "family:batch"] });
  assert.equal(holds("task:group == service:web", t), true);
  assert.equal(holds("not(task:group == database)", t), true);
  assert.equal(holds("not(task:group == service:web)", t), false);
  assert.equal(holds("task:group != service:web", t), true, "some task is of another group");
  assert.equal(holds("task:group in [database, family:batch]", t), true);
  assert.equal(holds("task:group =~ service:.*", t), true);
  assert.equal(holds("task:group exists", target()), false);
  assert.equal(holds("not(task:group == database)", target()), true);
});

test("boolean structure", () => {
  assert.equal(holds("attribute:stack == prod and attribute:ecs.instance-type =~ t3.*", t3), true);
  assert.equal(holds("attribute:stack == dev or attribute:ecs.instance-type =~ t3.*", t3), true);
  assert.equal(holds("attribute:stack == dev or attribute:stack == qa and attribute:slots exists", t3), false);
  assert.equal(holds("(attribute:stack == dev or attribute:stack == prod) and !attribute:team exists", t3), true);
});
