import { test } from "node:test";
import assert from "node:assert/strict";
import { parseControl } from "./exec-relay.js";

test("the exec relay's control messages are read as the protocol defines them; anything else is ignored", () => {
  assert.deepEqual(parseControl('{"resize":[120,40]}'), { resize: [120, 40] });
  assert.deepEqual(parseControl(Buffer.from('{"pause":true}')), { pause: true });
  assert.deepEqual(parseControl('{"pause":false}'), { pause: false });
  assert.deepEqual(parseControl('{"started":true}'), { started: true });
  assert.deepEqual(parseControl('{"error":"no such container"}'), { error: "no such container" });
  assert.deepEqual(parseControl('{"exit":3}'), { exit: 3 });
  assert.deepEqual(parseControl('{"exit":null}'), { exit: null });
  for (const bad of ["", "not json", "null", "[]", '{"resize":[0,40]}', '{"resize":[1.5,2]}', '{"resize":[1]}', '{"pause":"yes"}', '{"exit":"3"}', '{"other":1}']) {
    assert.equal(parseControl(bad), undefined, bad);
  }
});
