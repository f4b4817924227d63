import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { md5Hex, md5OfAttributes, type AttributeValue } from "./message-md5.js";

/** The digest as SQS's documentation defines it, fed piece by piece (the form the SDKs verify). */
function reference(attributes: Record<string, AttributeValue>): string {
  const h = createHash("md5");
  const prefixed = (bytes: Uint8Array) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    h.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const v = attributes[name]!;
    prefixed(Buffer.from(name));
    prefixed(Buffer.from(v.DataType));
    h.update(Buffer.from([v.BinaryValue ? 2 : 1]));
    prefixed(v.BinaryValue ?? Buffer.from(v.StringValue ?? ""));
  }
  return h.digest("hex");
}

test("a body's MD5 is the hex digest of its UTF-8 bytes", () => {
  assert.equal(md5Hex("x".repeat(256)), createHash("md5").update("x".repeat(256)).digest("hex"));
  assert.equal(md5Hex("héllo ✓"), "21b1ae5bc147bb564254200a4731e337");
});

test("MD5OfMessageAttributes: names in order, length-prefixed, transport byte by type", () => {
  const cases: Array<Record<string, AttributeValue>> = [
    { kind: { DataType: "String", StringValue: "bench" } },
    { b: { DataType: "Binary", BinaryValue: Buffer.from([0, 1, 2, 255]) }, a: { DataType: "Number", StringValue: "42" }, "ünï": { DataType: "String.custom", StringValue: "välue ✓" } },
    { e: { DataType: "String", StringValue: "" } },
    { big: { DataType: "Binary", BinaryValue: new Uint8Array(70_000).fill(7) } },
  ];
  for (const c of cases) assert.equal(md5OfAttributes(c), reference(c));
  // Pinned, so that the reference above cannot drift with the code under test.
  assert.equal(md5OfAttributes(cases[0]!), "9ec370cd7dc2df36ee8841d27dfd8692");
  assert.equal(md5OfAttributes({ ...cases[1], "ünï": { DataType: "String.custom", StringValue: "välue" } }), "9cb44b373db9257c5275623ade7eb0f2");
});

test("no attributes, no digest", () => {
  assert.equal(md5OfAttributes({}), undefined);
});
