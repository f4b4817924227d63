import { test } from "node:test";
import assert from "node:assert/strict";
import { compareDpkgVersions, parseDpkgVersion } from "./dpkg-version.js";

/** Each list is in ascending order, as `dpkg --compare-versions` sorts it. */
const ascending: string[][] = [
  // Policy §5.6.12: ~ sorts before everything, even the end of a part.
  ["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a"],
  ["1.0~rc1", "1.0~rc2", "1.0", "1.0+dfsg", "1.0.1"],
  // Numbers are compared numerically, leading zeros ignored.
  ["1.2.3", "1.2.9", "1.2.10", "1.10"],
  // Letters sort before non-letters.
  ["1.0a", "1.0z", "1.0+", "1.0."],
  // Revisions: an absent one equals "0".
  ["2.36-9", "2.36-9+deb12u1", "2.36-9+deb12u4", "2.36-10"],
  ["3.0.11-1~deb12u1", "3.0.11-1~deb12u2", "3.0.11-1", "3.0.13-1~deb12u1"],
  // The epoch beats everything else.
  ["9.9-9", "1:0.1", "1:1.0", "2:0.0.1"],
  // Hyphens may appear in the upstream version when there is a revision.
  ["1.2-3-1", "1.2-3-2", "1.2-4-1"],
];

test("dpkg ordering follows Debian Policy 5.6.12", () => {
  for (const list of ascending) {
    for (let i = 0; i < list.length; i++) {
      for (let j = 0; j < list.length; j++) {
        const got = Math.sign(compareDpkgVersions(list[i]!, list[j]!));
        assert.equal(got, Math.sign(i - j), `${list[i]} vs ${list[j]}`);
      }
    }
  }
});

test("dpkg equal spellings: 1.0 = 1.0-0 = 0:1.0 = 1.00", () => {
  for (const v of ["1.0-0", "0:1.0", "1.00", "01.0"]) assert.equal(compareDpkgVersions("1.0", v), 0, v);
  assert.equal(compareDpkgVersions("1:1.2.13.dfsg-1", "1:1.2.13.dfsg-1"), 0);
});

test("dpkg parsing: epoch, upstream, revision; malformed versions are refused", () => {
  assert.deepEqual(parseDpkgVersion("1:2.3-4-5"), { epoch: 1, upstream: "2.3-4", revision: "5" });
  assert.deepEqual(parseDpkgVersion("2.3"), { epoch: 0, upstream: "2.3", revision: "" });
  for (const bad of ["", " ", "a b", "x:1.0", "1.0-", ":1.0", "1:", "1.0_1", "1.0-1_2"]) {
    assert.equal(parseDpkgVersion(bad), undefined, JSON.stringify(bad));
  }
  // Unparseable versions sort before any valid one rather than throwing.
  assert.ok(compareDpkgVersions("not valid!", "0.1") < 0);
});
