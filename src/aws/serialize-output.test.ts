import { test } from "node:test";
import assert from "node:assert/strict";
import { loadModel, type ServiceModel } from "./model.js";
import { serializeOutput } from "./serialize-output.js";

const model: ServiceModel = {
  metadata: { protocol: "json", endpointPrefix: "test", serviceId: "Test", targetPrefix: "Test_20240101", jsonVersion: "1.1" },
  operations: {},
  shapes: {
    Output: {
      type: "structure",
      members: {
        name: { shape: "Str" },
        count: { shape: "Int" },
        ok: { shape: "Bool" },
        at: { shape: "When" },
        items: { shape: "Items" },
        labels: { shape: "Labels" },
        byName: { shape: "ItemsByName" },
        data: { shape: "Data" },
        doc: { shape: "Doc" },
      },
    },
    Str: { type: "string" },
    Int: { type: "integer" },
    Bool: { type: "boolean" },
    When: { type: "timestamp" },
    Items: { type: "list", member: { shape: "Item" } },
    Item: { type: "structure", members: { id: { shape: "Str" }, at: { shape: "When" }, tags: { shape: "Strs" } } },
    Strs: { type: "list", member: { shape: "Str" } },
    Labels: { type: "map", key: { shape: "Str" }, value: { shape: "Str" } },
    ItemsByName: { type: "map", key: { shape: "Str" }, value: { shape: "Item" } },
    Data: { type: "blob" },
    Doc: { type: "structure", document: true },
  },
};

const serialize = (value: unknown) => serializeOutput(model, "Output", value) as Record<string, unknown>;

test("timestamps become epoch seconds, with milliseconds as a fraction", () => {
  assert.equal(serialize({ at: new Date("2024-05-01T10:00:00.250Z") }).at, 1714557600.25);
  assert.equal(serialize({ at: new Date(0) }).at, 0);
  assert.equal(serialize({ at: "2024-05-01T10:00:00Z" }).at, 1714557600, "ISO strings are accepted");
  assert.equal(serialize({ at: 1714557600250 }).at, 1714557600.25, "numbers are epoch milliseconds");
});

test("members the model does not know are dropped, at every depth", () => {
  const out = serialize({
    name: "n",
    secret: "internal",
    account: "000000000000",
    items: [{ id: "a", dbRowId: 7, tags: ["x"] }],
    byName: { a: { id: "a", internal: true } },
  });
  assert.deepEqual(out, { name: "n", items: [{ id: "a", tags: ["x"] }], byName: { a: { id: "a" } } });
  assert.equal(JSON.stringify(out).includes("internal"), false);
});

test("absent and null members are left out; falsy values are kept", () => {
  assert.deepEqual(serialize({ name: null, count: undefined, ok: undefined }), {});
  assert.deepEqual(serialize({ name: "", count: 0, ok: false }), { name: "", count: 0, ok: false });
  assert.equal(serializeOutput(model, "Output", null), undefined);
  assert.equal(serializeOutput(model, "Output", undefined), undefined);
});

test("nested lists and maps keep their order and convert their members", () => {
  const out = serialize({
    items: [
      { id: "b", at: new Date(2000), tags: ["t1", "t2"] },
      { id: "a", at: new Date(1000), tags: [] },
    ],
    labels: { z: "1", a: "2" },
    byName: { first: { id: "1", at: new Date(500) } },
  });
  assert.deepEqual(out.items, [{ id: "b", at: 2, tags: ["t1", "t2"] }, { id: "a", at: 1, tags: [] }]);
  assert.deepEqual(Object.entries(out.labels as object), [["z", "1"], ["a", "2"]]);
  assert.deepEqual(out.byName, { first: { id: "1", at: 0.5 } });
});

test("map entries whose value is absent are left out, and a __proto__ key stays an entry", () => {
  const labels = JSON.parse('{"__proto__":"p","gone":null,"kept":"k"}') as Record<string, unknown>;
  const out = serialize({ labels });
  assert.equal(JSON.stringify(out), '{"labels":{"__proto__":"p","kept":"k"}}');
});

test("blobs become base64 and documents pass through", () => {
  const out = serialize({ data: Buffer.from("hello"), doc: { a: [1, { b: null }] } });
  assert.equal(out.data, "aGVsbG8=");
  assert.deepEqual(out.doc, { a: [1, { b: null }] });
});

test("the ECS model: a described cluster and a task", () => {
  const ecs = loadModel("ecs");
  const clusters = serializeOutput(ecs, "DescribeClustersResponse", {
    clusters: [
      {
        clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/dev",
        clusterName: "dev",
        status: "ACTIVE",
        runningTasksCount: 0,
        tags: [{ key: "team", value: "core", extra: 1 }],
        settings: [{ name: "containerInsights", value: "disabled" }],
        statistics: [{ name: "runningFargateTasksCount", value: "0" }],
        seq: 12,
      },
    ],
    failures: [{ arn: "arn:aws:ecs:us-east-1:000000000000:cluster/nope", reason: "MISSING" }],
    account: "leak",
  });
  assert.deepEqual(clusters, {
    clusters: [
      {
        clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/dev",
        clusterName: "dev",
        status: "ACTIVE",
        runningTasksCount: 0,
        tags: [{ key: "team", value: "core" }],
        settings: [{ name: "containerInsights", value: "disabled" }],
        statistics: [{ name: "runningFargateTasksCount", value: "0" }],
      },
    ],
    failures: [{ arn: "arn:aws:ecs:us-east-1:000000000000:cluster/nope", reason: "MISSING" }],
  });
  const task = serializeOutput(ecs, "DescribeTasksResponse", {
    tasks: [{
      taskArn: "arn:aws:ecs:us-east-1:000000000000:task/dev/0123",
      createdAt: new Date("2024-01-02T03:04:05.678Z"),
      containers: [{ name: "web", networkBindings: [{ hostPort: 32768, containerPort: 80 }], dockerId: "internal" }],
      overrides: { containerOverrides: [{ name: "web", environment: [{ name: "A", value: "1" }] }] },
    }],
  }) as { tasks: Array<Record<string, unknown>> };
  assert.equal(task.tasks[0]!.createdAt, 1704164645.678);
  assert.deepEqual(task.tasks[0]!.containers, [{ name: "web", networkBindings: [{ hostPort: 32768, containerPort: 80 }] }]);
  assert.deepEqual(task.tasks[0]!.overrides, { containerOverrides: [{ name: "web", environment: [{ name: "A", value: "1" }] }] });
});
