import { test } from "node:test";
import assert from "node:assert/strict";
import { cvss2BaseScore, cvss3BaseScore } from "./cvss.js";

test("CVSS v3 base scores match the calculator's", () => {
  assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
  assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"), 7.2);
  assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"), 6.1);
  assert.equal(cvss3BaseScore("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1);
  assert.equal(cvss3BaseScore("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H"), 5.5);
  assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10);
  assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0);
  assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:L"), undefined);
  assert.equal(cvss3BaseScore("AV:N/AC:L/Au:N/C:P/I:P/A:P"), undefined);
});

test("CVSS v2 base scores match NVD's", () => {
  assert.equal(cvss2BaseScore("AV:N/AC:L/Au:N/C:P/I:P/A:P"), 7.5);
  assert.equal(cvss2BaseScore("AV:N/AC:M/Au:N/C:P/I:N/A:N"), 4.3);
  assert.equal(cvss2BaseScore("AV:L/AC:L/Au:N/C:C/I:C/A:C"), 7.2);
  assert.equal(cvss2BaseScore("(AV:N/AC:L/Au:N/C:N/I:N/A:P)"), 5);
  assert.equal(cvss2BaseScore("AV:N/AC:L/Au:N/C:N/I:N/A:N"), 0);
  assert.equal(cvss2BaseScore("AV:X/AC:L/Au:N/C:N/I:N/A:N"), undefined);
});
