import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ssm } from "ssm-session";
import { decodeMessage, encodeMessage, MalformedMessage } from "./agent-message.js";
import { commandWords } from "./command-words.js";

const payload = Buffer.from('{"cols":80,"rows":24}');

test("an encoded message has the plugin's layout: header length, space-padded type, big-endian fields, the UUID's halves swapped, SHA-256", () => {
  const id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  const frame = encodeMessage({ messageType: "output_stream_data", sequenceNumber: 7, flags: 1, payloadType: 3, payload, messageId: id, createdDate: 1_700_000_000_123 });
  assert.equal(frame.length, 120 + payload.length);
  assert.equal(frame.readUInt32BE(0), 116);
  assert.equal(frame.subarray(4, 36).toString("latin1"), "output_stream_data".padEnd(32, " "));
  assert.equal(frame.readUInt32BE(36), 1);
  assert.equal(frame.readBigUInt64BE(40), 1_700_000_000_123n);
  assert.equal(frame.readBigInt64BE(48), 7n);
  assert.equal(frame.readBigUInt64BE(56), 1n);
  assert.equal(frame.subarray(64, 80).toString("hex"), "8796a5b4c3d2e1f00f1e2d3c4b5a6978");
  assert.deepEqual(frame.subarray(80, 112), createHash("sha256").update(payload).digest());
  assert.equal(frame.readUInt32BE(112), 3);
  assert.equal(frame.readUInt32BE(116), payload.length);
  assert.deepEqual(frame.subarray(120), payload);

  // A third-party reader (ssm-session) reads the same fields back.
  const theirs = ssm.decode(frame);
  assert.equal(theirs.messageType, "output_stream_data");
  assert.equal(theirs.sequenceNumber, 7);
  assert.equal(theirs.messageId, id);
  assert.equal(theirs.payloadType, 3);
  assert.deepEqual(Buffer.from(theirs.payload), payload);

  const ours = decodeMessage(frame);
  assert.equal(ours.messageId, id);
  assert.equal(ours.messageType, "output_stream_data");
  assert.equal(ours.createdDate, 1_700_000_000_123);
});

test("messages ssm-session builds (NUL-padded type, hex digest) decode; truncated or inconsistent frames are MalformedMessage", () => {
  const sent: Array<string | Uint8Array> = [];
  const conn = { send: (d: string | Uint8Array) => void sent.push(d) };
  ssm.init(conn, { token: "t", termOptions: { cols: 80, rows: 24 } });
  ssm.sendText(conn, "ls\r");
  const size = decodeMessage(Buffer.from(sent[1] as Uint8Array));
  assert.deepEqual([size.messageType, size.sequenceNumber, size.payloadType, JSON.parse(size.payload.toString())], ["input_stream_data", 0, 3, { cols: 80, rows: 24 }]);
  const text = decodeMessage(Buffer.from(sent[2] as Uint8Array));
  assert.deepEqual([text.messageType, text.sequenceNumber, text.payloadType, text.payload.toString()], ["input_stream_data", 1, 1, "ls\r"]);

  const good = encodeMessage({ messageType: "acknowledge", sequenceNumber: 0, flags: 3, payloadType: 0, payload });
  assert.throws(() => decodeMessage(good.subarray(0, 100)), MalformedMessage);
  assert.throws(() => decodeMessage(good.subarray(0, good.length - 1)), MalformedMessage);
  const lying = Buffer.from(good);
  lying.writeUInt32BE(5000, 0);
  assert.throws(() => decodeMessage(lying), MalformedMessage);
});

test("a command splits into words as a shell would, without running one", () => {
  assert.deepEqual(commandWords("/bin/sh"), ["/bin/sh"]);
  assert.deepEqual(commandWords("  ls   -la /tmp "), ["ls", "-la", "/tmp"]);
  assert.deepEqual(commandWords(`sh -c "echo a | wc -c"`), ["sh", "-c", "echo a | wc -c"]);
  assert.deepEqual(commandWords(`sh -c 'echo "$HOME"'`), ["sh", "-c", 'echo "$HOME"']);
  assert.deepEqual(commandWords(`echo a\\ b "x\\"y" ''`), ["echo", "a b", 'x"y', ""]);
  assert.equal(commandWords(`sh -c 'open`), undefined);
  assert.deepEqual(commandWords("   "), []);
});
