import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import type { TaskDefinition } from "@aws-sdk/client-ecs";
import { migrate } from "../../store/database.js";
import { taskDefinitionArn } from "../../core/arn.js";
import {
  listFamilies, listTaskDefinitionArns, nextRevision, parseTaskDefinitionRef, resolveTaskDefinition, saveTaskDefinition,
} from "./task-definition-store.js";

const scope = { account: "000000000000", region: "us-east-1" };

function freshDb() {
  const db = new Database(":memory:");
  migrate(db);
  return db;
}

function put(db: ReturnType<typeof freshDb>, family: string, status: TaskDefinition["status"] = "ACTIVE"): TaskDefinition {
  const revision = nextRevision(db, scope, family);
  const td: TaskDefinition = {
    taskDefinitionArn: taskDefinitionArn(scope, family, revision), family, revision, status,
    containerDefinitions: [{ name: "c", image: "busybox", memory: 16 }], registeredAt: new Date("2024-05-01T12:00:00.123Z"),
  };
  saveTaskDefinition(db, scope, td);
  return td;
}

test("parseTaskDefinitionRef reads family, family:revision and ARNs of this account and region", () => {
  assert.deepEqual(parseTaskDefinitionRef(scope, "web"), { family: "web", revision: undefined });
  assert.deepEqual(parseTaskDefinitionRef(scope, "web:12"), { family: "web", revision: 12 });
  assert.deepEqual(parseTaskDefinitionRef(scope, "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3"), { family: "web", revision: 3 });
  for (const bad of ["", "web:", "web:0", "web:x", "a:1:2", "we b", "arn:aws:ecs:eu-west-1:000000000000:task-definition/web:3",
    "arn:aws:ecs:us-east-1:111111111111:task-definition/web:3", "arn:aws:ecs:us-east-1:000000000000:cluster/web"]) {
    assert.equal(parseTaskDefinitionRef(scope, bad), undefined, bad);
  }
});

test("resolveTaskDefinition: a bare family is its latest ACTIVE revision, an explicit revision any status", () => {
  const db = freshDb();
  const r1 = put(db, "web");
  put(db, "web");
  put(db, "web", "INACTIVE");
  assert.equal(resolveTaskDefinition(db, scope, "web")?.revision, 2);
  assert.equal(resolveTaskDefinition(db, scope, "web:3")?.status, "INACTIVE");
  const byArn = resolveTaskDefinition(db, scope, r1.taskDefinitionArn!);
  assert.equal(byArn?.revision, 1);
  assert.ok(byArn?.registeredAt instanceof Date, "timestamps come back as Dates");
  assert.equal(byArn?.registeredAt?.toISOString(), "2024-05-01T12:00:00.123Z");
  assert.equal(resolveTaskDefinition(db, scope, "web:4"), undefined);
  assert.equal(resolveTaskDefinition(db, scope, "nope"), undefined);
  assert.equal(resolveTaskDefinition(db, { account: scope.account, region: "eu-west-1" }, "web"), undefined);
  put(db, "gone", "INACTIVE");
  assert.equal(resolveTaskDefinition(db, scope, "gone"), undefined, "a family with no ACTIVE revision resolves to nothing");
  assert.equal(resolveTaskDefinition(db, scope, "gone:1")?.status, "INACTIVE");
});

test("revisions keep counting past non-active revisions", () => {
  const db = freshDb();
  put(db, "job", "DELETE_IN_PROGRESS");
  put(db, "job", "INACTIVE");
  assert.equal(nextRevision(db, scope, "job"), 3);
  assert.equal(nextRevision(db, scope, "other"), 1);
});

test("listings order and filter as ECS documents", () => {
  const db = freshDb();
  put(db, "b");
  put(db, "a");
  put(db, "a", "INACTIVE");
  put(db, "a");
  put(db, "ab", "INACTIVE");
  const arn = (f: string, r: number) => taskDefinitionArn(scope, f, r);
  assert.deepEqual(listTaskDefinitionArns(db, scope, { status: "ACTIVE", descending: false }), [arn("a", 1), arn("a", 3), arn("b", 1)]);
  assert.deepEqual(listTaskDefinitionArns(db, scope, { status: "ACTIVE", descending: true }), [arn("b", 1), arn("a", 3), arn("a", 1)]);
  assert.deepEqual(listTaskDefinitionArns(db, scope, { family: "a", status: "INACTIVE", descending: false }), [arn("a", 2)]);
  assert.deepEqual(listFamilies(db, scope, { status: "ALL" }), ["a", "ab", "b"]);
  assert.deepEqual(listFamilies(db, scope, { status: "ACTIVE" }), ["a", "b"]);
  assert.deepEqual(listFamilies(db, scope, { status: "INACTIVE" }), ["ab"]);
  assert.deepEqual(listFamilies(db, scope, { prefix: "a", status: "ALL" }), ["a", "ab"]);
  assert.deepEqual(listFamilies(db, scope, { prefix: "A", status: "ALL" }), [], "prefixes are case-sensitive");
  assert.deepEqual(listFamilies(db, scope, { prefix: "%", status: "ALL" }), [], "prefixes are literal");
});
