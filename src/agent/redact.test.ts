import { test } from "node:test";
import assert from "node:assert/strict";
import { redactor, REDACTED } from "./redact.js";

test("a value is replaced wherever it occurs, and short values are left alone", () => {
  const redact = redactor(["hunter2-secret", "on", "80"]);
  assert.equal(redact("Error response from daemon: invalid environment variable: =hunter2-secret"), `Error response from daemon: invalid environment variable: =${REDACTED}`);
  assert.equal(redact("a hunter2-secret and hunter2-secret"), `a ${REDACTED} and ${REDACTED}`);
  assert.equal(redact("port 80 is on"), "port 80 is on");
});

test("a value the engine shows escaped is replaced too", () => {
  const value = "top\u0000secret-value\n\"quoted\"";
  const redact = redactor([value]);
  // runc quotes with Go's %q; Docker's JSON carries that text as it is.
  const runc = 'error during container init: environment variable value can\'t contain null(\\x00): "A=top\\x00secret-value\\n\\"quoted\\"": unknown';
  const out = redact(runc);
  assert.ok(!out.includes("secret-value"), out);
  assert.ok(!out.includes("quoted"), out);
  const json = redact(`x ${JSON.stringify(value)} y`);
  assert.ok(!json.includes("secret-value") && !json.includes("quoted"), json);
});

test("a value that contains another is replaced whole; no values, no change", () => {
  const redact = redactor(["abcd", "abcdefgh"]);
  assert.equal(redact("[abcdefgh]"), `[${REDACTED}]`);
  assert.equal(redactor([])("unchanged"), "unchanged");
  assert.equal(redactor([""])("unchanged"), "unchanged");
});
