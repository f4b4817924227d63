import { test } from "node:test";
import assert from "node:assert/strict";
import { ServiceError } from "../core/errors.js";
import { loadModel, type ServiceModel } from "./model.js";
import { validateInput } from "./validate-input.js";

/** A small model with one shape of every kind the validator knows. */
const model: ServiceModel = {
  metadata: { protocol: "json", endpointPrefix: "test", serviceId: "Test", targetPrefix: "Test_20240101", jsonVersion: "1.1" },
  operations: {},
  shapes: {
    Input: {
      type: "structure",
      required: ["name"],
      members: {
        name: { shape: "Name" },
        count: { shape: "Count" },
        size: { shape: "Size" },
        ratio: { shape: "Ratio" },
        flag: { shape: "Flag" },
        when: { shape: "When" },
        color: { shape: "Color" },
        code: { shape: "Code" },
        items: { shape: "Items" },
        labels: { shape: "Labels" },
        nested: { shape: "Outer" },
        data: { shape: "Data" },
        doc: { shape: "Doc" },
      },
    },
    Name: { type: "string", min: 1, max: 8 },
    Count: { type: "integer", min: 0, max: 10 },
    Size: { type: "long" },
    Ratio: { type: "double", min: 0, max: 1 },
    Flag: { type: "boolean" },
    When: { type: "timestamp" },
    Color: { type: "string", enum: ["RED", "GREEN"] },
    Code: { type: "string", pattern: "[A-Z]{3}" },
    Items: { type: "list", member: { shape: "Item" }, min: 1, max: 3 },
    Item: { type: "structure", required: ["id"], members: { id: { shape: "Name" }, weight: { shape: "Count" } } },
    Labels: { type: "map", key: { shape: "LabelKey" }, value: { shape: "Name" }, max: 2 },
    LabelKey: { type: "string", pattern: "[a-z_]+" },
    Outer: { type: "structure", members: { inner: { shape: "Inner" } } },
    Inner: { type: "structure", required: ["items"], members: { items: { shape: "Items" }, flag: { shape: "Flag" } } },
    Data: { type: "blob" },
    Doc: { type: "structure", document: true },
  },
};

const validate = (value: unknown) => validateInput(model, "Input", value);

/** Asserts that validating `value` fails with `code`, and that the message matches `message`. */
function rejects(value: unknown, code: string, message: RegExp, m: ServiceModel = model, shape = "Input") {
  assert.throws(
    () => validateInput(m, shape, value),
    (err: unknown) => {
      assert.ok(err instanceof ServiceError, `expected a ServiceError, got ${String(err)}`);
      assert.equal(err.code, code);
      assert.match(err.message, message);
      assert.equal(err.sender, true);
      return true;
    },
  );
}

test("a valid input comes back as a copy with every member", () => {
  const input = {
    name: "web",
    count: 3,
    size: 2 ** 40,
    ratio: 0.5,
    flag: false,
    color: "GREEN",
    code: "ABC",
    items: [{ id: "a", weight: 0 }, { id: "b" }],
    labels: { tier: "front" },
    nested: { inner: { items: [{ id: "x" }], flag: true } },
  };
  const out = validate(input);
  assert.deepEqual(out, input);
  assert.notEqual(out, input);
  assert.notEqual(out.items, input.items);
});

test("JSON types that do not match the shape are SerializationException", () => {
  rejects([], "SerializationException", /structure for request, found a list/);
  rejects("x", "SerializationException", /structure for request, found the string "x"/);
  rejects(42, "SerializationException", /structure for request, found the number 42/);
  rejects(null, "SerializationException", /structure for request, found null/);
  rejects({ name: 5 }, "SerializationException", /string for name, found the number 5/);
  rejects({ name: ["a"] }, "SerializationException", /string for name, found a list/);
  rejects({ name: "a", count: "3" }, "SerializationException", /integer for count, found the string "3"/);
  rejects({ name: "a", count: 1.5 }, "SerializationException", /integer for count/);
  rejects({ name: "a", count: true }, "SerializationException", /integer for count, found the boolean true/);
  rejects({ name: "a", ratio: "0.5" }, "SerializationException", /number for ratio/);
  rejects({ name: "a", flag: "true" }, "SerializationException", /boolean for flag/);
  rejects({ name: "a", flag: 1 }, "SerializationException", /boolean for flag/);
  rejects({ name: "a", items: { id: "x" } }, "SerializationException", /list for items, found a structure/);
  rejects({ name: "a", labels: ["x"] }, "SerializationException", /map for labels, found a list/);
  rejects({ name: "a", nested: "deep" }, "SerializationException", /structure for nested/);
  rejects({ name: "a", data: "not base64!" }, "SerializationException", /base64 data for data/);
  rejects({ name: "a", data: 7 }, "SerializationException", /base64 data for data/);
});

test("numbers outside the JSON type's range are SerializationException", () => {
  rejects({ name: "a", count: 2 ** 31 }, "SerializationException", /out of range for an integer/);
  rejects({ name: "a", count: -(2 ** 31) - 1 }, "SerializationException", /out of range for an integer/);
  rejects({ name: "a", count: Infinity }, "SerializationException", /integer for count/);
  rejects({ name: "a", size: 2 ** 60 }, "SerializationException", /out of range for a long/);
  rejects({ name: "a", ratio: Infinity }, "SerializationException", /number for ratio, found the number Infinity/);
  assert.equal(validate({ name: "a", size: -(2 ** 52) }).size, -(2 ** 52));
});

test("nested structures, lists and maps are checked member by member, with a path", () => {
  rejects({ name: "a", items: [{ id: 1 }] }, "SerializationException", /string for items\[0\]\.id/);
  rejects({ name: "a", items: [{ id: "x" }, { id: "y", weight: "2" }] }, "SerializationException", /integer for items\[1\]\.weight/);
  rejects({ name: "a", items: ["x"] }, "SerializationException", /structure for items\[0\], found the string "x"/);
  rejects({ name: "a", items: [null] }, "SerializationException", /Null is not allowed in the list items/);
  rejects({ name: "a", labels: { tier: 1 } }, "SerializationException", /string for labels\.tier/);
  rejects({ name: "a", nested: { inner: { items: [{ id: "x" }], flag: "no" } } }, "SerializationException", /boolean for nested\.inner\.flag/);
  rejects({ name: "a", nested: { inner: { items: [{}] } } }, "InvalidParameterException", /nested\.inner\.items\[0\]\.id is required/);
});

test("required members must be present and not null", () => {
  rejects({}, "InvalidParameterException", /^name is required but was not provided\.$/);
  rejects({ name: null }, "InvalidParameterException", /^name is required/);
  rejects({ name: "a", items: [{ weight: 1 }] }, "InvalidParameterException", /items\[0\]\.id is required/);
  rejects({ name: "a", nested: { inner: {} } }, "InvalidParameterException", /nested\.inner\.items is required/);
  // An optional structure that is absent does not make its own required members required.
  assert.deepEqual(validate({ name: "a", nested: {} }), { name: "a", nested: {} });
});

test("string lengths, list and map sizes, and number ranges come from the model", () => {
  rejects({ name: "" }, "InvalidParameterException", /^name must have at least 1 character\.$/);
  rejects({ name: "abcdefghi" }, "InvalidParameterException", /name must have at most 8 characters/);
  assert.equal(validate({ name: "ééééé😀😀😀" }).name, "ééééé😀😀😀", "lengths count characters, not UTF-16 units or bytes");
  rejects({ name: "a", items: [] }, "InvalidParameterException", /^items must have at least 1 item\.$/);
  rejects({ name: "a", items: [{ id: "1" }, { id: "2" }, { id: "3" }, { id: "4" }] }, "InvalidParameterException", /items must have at most 3 items/);
  rejects({ name: "a", labels: { a: "1", b: "2", c: "3" } }, "InvalidParameterException", /labels must have at most 2 entries/);
  rejects({ name: "a", count: -1 }, "InvalidParameterException", /count must be at least 0/);
  rejects({ name: "a", count: 11 }, "InvalidParameterException", /count must be at most 10/);
  rejects({ name: "a", ratio: 1.01 }, "InvalidParameterException", /ratio must be at most 1/);
  assert.equal(validate({ name: "a", count: 10 }).count, 10);
  assert.equal(validate({ name: "a", count: 0 }).count, 0);
});

test("enums and patterns are InvalidParameterException", () => {
  rejects({ name: "a", color: "BLUE" }, "InvalidParameterException",
    /^1 validation error detected: Value 'BLUE' at 'color' failed to satisfy constraint: Member must satisfy enum value set: \[RED, GREEN\]$/);
  rejects({ name: "a", color: "red" }, "InvalidParameterException", /Value 'red' at 'color' failed to satisfy constraint/);
  rejects({ name: "a", code: "AB" }, "InvalidParameterException", /code "AB" does not match the pattern/);
  rejects({ name: "a", code: "ABCD" }, "InvalidParameterException", /does not match/, model);
  rejects({ name: "a", labels: { "Bad-Key": "x" } }, "InvalidParameterException", /labels key "Bad-Key" does not match/);
  // Messages quote long values only in part.
  rejects({ name: "a", color: "X".repeat(10_000) }, "InvalidParameterException", /Value 'X{64}\.\.\.' at 'color'/);
});

test("timestamps are epoch seconds or ISO 8601, and become Dates", () => {
  assert.deepEqual(validate({ name: "a", when: 1700000000.5 }).when, new Date(1700000000500));
  assert.deepEqual(validate({ name: "a", when: "2024-05-01T10:00:00Z" }).when, new Date("2024-05-01T10:00:00Z"));
  assert.deepEqual(validate({ name: "a", when: "2024-05-01" }).when, new Date("2024-05-01"));
  rejects({ name: "a", when: "yesterday" }, "SerializationException", /timestamp for when/);
  rejects({ name: "a", when: "5" }, "SerializationException", /timestamp for when/);
  rejects({ name: "a", when: "2024-13-45T99:99:99Z" }, "SerializationException", /timestamp for when/);
  rejects({ name: "a", when: 1e20 }, "SerializationException", /timestamp for when/);
  rejects({ name: "a", when: true }, "SerializationException", /timestamp for when/);
});

test("epoch seconds keep their milliseconds exactly (1087280371.018 * 1000 is 1087280371017.9999 in floating point)", () => {
  // Found by the round-trip test: a Date truncates its time value, so the product must be rounded.
  assert.equal((validate({ name: "a", when: 1087280371.018 }).when as Date).toISOString(), "2004-06-15T06:19:31.018Z");
  assert.equal((validate({ name: "a", when: 1078446417.728 }).when as Date).toISOString(), "2004-03-05T00:26:57.728Z");
});

test("nulls are dropped, unknown members are ignored, and blobs are decoded", () => {
  const out = validate({ name: "a", count: null, items: null, extra: { anything: [1, 2] }, Name: "ignored", data: "aGVsbG8=", labels: { gone: null, kept: "v" } });
  assert.deepEqual(Object.keys(out).sort(), ["data", "labels", "name"]);
  assert.deepEqual(out.data, Buffer.from("hello"));
  assert.deepEqual(out.labels, { kept: "v" });
  assert.ok(!("extra" in out));
});

test("documents pass through untouched", () => {
  const doc = { any: ["thing", 1, { deep: null }] };
  assert.deepEqual(validate({ name: "a", doc }).doc, doc);
});

test("keys such as __proto__ and toString neither pollute nor disappear", () => {
  const input = JSON.parse('{"name":"a","labels":{"__proto__":"x"},"__proto__":{"count":"bad"},"toString":1}') as unknown;
  const out = validate(input);
  assert.deepEqual(Object.keys(out.labels as object), ["__proto__"]);
  assert.equal(Object.getPrototypeOf(out.labels), Object.prototype);
  assert.equal((out.labels as Record<string, unknown>)["__proto__"], "x");
  assert.equal(out.count, undefined);
  rejects(JSON.parse('{"name":"a","labels":{"__proto__":"x","constructor":"y","a":"z"}}'), "InvalidParameterException", /at most 2 entries/);
});

test("the ECS model: CreateCluster, DescribeClusters, DeleteCluster and capacity provider strategies", () => {
  const ecs = loadModel("ecs");
  const ok = validateInput(ecs, "CreateClusterRequest", {
    clusterName: "dev",
    tags: [{ key: "team", value: "core" }, { key: "ünïcode key", value: "" }],
    settings: [{ name: "containerInsights", value: "enabled" }],
    configuration: { executeCommandConfiguration: { logging: "DEFAULT", logConfiguration: { s3EncryptionEnabled: true } } },
    defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1000, base: 0 }],
  });
  assert.equal(ok.clusterName, "dev");
  rejects({ tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: "v" })) }, "InvalidParameterException", /tags must have at most 50 items/, ecs, "CreateClusterRequest");
  rejects({ tags: [{ key: "k".repeat(129), value: "v" }] }, "InvalidParameterException", /tags\[0\]\.key must have at most 128/, ecs, "CreateClusterRequest");
  rejects({ tags: [{ key: "k", value: "v".repeat(257) }] }, "InvalidParameterException", /tags\[0\]\.value must have at most 256/, ecs, "CreateClusterRequest");
  rejects({ tags: [{ key: "", value: "v" }] }, "InvalidParameterException", /tags\[0\]\.key must have at least 1 character\./, ecs, "CreateClusterRequest");
  rejects({ tags: [{ key: "a#b", value: "v" }] }, "InvalidParameterException", /tags\[0\]\.key "a#b" does not match/, ecs, "CreateClusterRequest");
  rejects({ settings: [{ name: "cpuBoost", value: "on" }] }, "InvalidParameterException", /Value 'cpuBoost' at 'settings\.1\.member\.name' failed to satisfy constraint: Member must satisfy enum value set: \[containerInsights/, ecs, "CreateClusterRequest");
  rejects({ defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1001 }] }, "InvalidParameterException", /weight must be at most 1000/, ecs, "CreateClusterRequest");
  rejects({ defaultCapacityProviderStrategy: [{ weight: 1 }] }, "InvalidParameterException", /defaultCapacityProviderStrategy\[0\]\.capacityProvider is required/, ecs, "CreateClusterRequest");
  rejects({ configuration: { executeCommandConfiguration: { logConfiguration: { s3EncryptionEnabled: "yes" } } } }, "SerializationException",
    /boolean for configuration\.executeCommandConfiguration\.logConfiguration\.s3EncryptionEnabled/, ecs, "CreateClusterRequest");
  rejects({ include: ["EVERYTHING"] }, "InvalidParameterException", /Value 'EVERYTHING' at 'include\.1\.member' failed to satisfy constraint: Member must satisfy enum value set: \[ATTACHMENTS/, ecs, "DescribeClustersRequest");
  rejects({}, "InvalidParameterException", /^cluster is required/, ecs, "DeleteClusterRequest");
  rejects({ cluster: "c" }, "InvalidParameterException", /^settings is required/, ecs, "UpdateClusterSettingsRequest");
});

test("every pattern in the ECS model compiles as a Unicode regular expression", () => {
  const ecs = loadModel("ecs");
  for (const [name, shape] of Object.entries(ecs.shapes)) {
    if (shape.type === "string" && shape.pattern) {
      try {
        validateInput(ecs, name, "x");
      } catch (err) {
        assert.ok(err instanceof ServiceError, `pattern of ${name}: ${String(err)}`);
      }
    }
  }
});
