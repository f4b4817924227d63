import { test } from "node:test";
import assert from "node:assert/strict";
import { demultiplex } from "./logs.js";

function frame(stream: number, text: string): Buffer {
  const body = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
}

test("demultiplex joins stdout and stderr frames in order", () => {
  assert.equal(demultiplex(Buffer.concat([frame(1, "out 1\n"), frame(2, "err 1\n"), frame(1, "out 2\n")])), "out 1\nerr 1\nout 2\n");
  assert.equal(demultiplex(Buffer.alloc(0)), "");
  assert.equal(demultiplex(Buffer.from("plain tty output\n")), "plain tty output\n");
});
