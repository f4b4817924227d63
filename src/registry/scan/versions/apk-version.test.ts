import { test } from "node:test";
import assert from "node:assert/strict";
import { compareApkVersions, isApkVersion } from "./apk-version.js";

/** Each list is in ascending order, as `apk version -t` orders it. */
const ascending: string[][] = [
  // Pre-release suffixes before the release, post-release suffixes after it.
  ["1.0_alpha", "1.0_alpha1", "1.0_alpha2", "1.0_beta", "1.0_pre1", "1.0_rc1", "1.0", "1.0_cvs", "1.0_svn", "1.0_git20230101", "1.0_hg", "1.0_p1", "1.0_p2"],
  // Revisions.
  ["1.36.1", "1.36.1-r1", "1.36.1-r9", "1.36.1-r15", "1.36.1-r16"],
  // A revision is less than another dotted component; a letter comes between.
  ["1.0", "1.0-r1", "1.0a", "1.0.1"],
  // Numbers numerically; a component with a leading zero compares as text.
  ["1.2", "1.9", "1.10", "1.100"],
  ["1.001", "1.01", "1.1"],
  // Suffix numbers.
  ["1.2.4_git20230717-r4", "1.2.4_git20230717-r5", "1.2.4_git20231001", "1.2.4_p1"],
  // Multiple suffixes.
  ["0.1.0_alpha_pre2", "0.1.0_alpha", "0.1.0_beta", "0.1.0"],
  ["3.1.4-r5", "3.1.4-r6", "3.1.5-r0", "3.3.0-r0"],
];

test("apk ordering follows apk-tools", () => {
  for (const list of ascending) {
    for (let i = 0; i < list.length; i++) {
      for (let j = 0; j < list.length; j++) {
        const got = Math.sign(compareApkVersions(list[i]!, list[j]!));
        assert.equal(got, Math.sign(i - j), `${list[i]} vs ${list[j]}`);
      }
    }
  }
});

test("apk equal versions and commit hashes", () => {
  assert.equal(compareApkVersions("1.2.3-r0", "1.2.3-r0"), 0);
  assert.equal(compareApkVersions("1.2.3", "1.2.3-r0") < 0, true);
  assert.ok(compareApkVersions("1.0_git2~abc1", "1.0_git2~abc2") < 0);
  // Token kinds decide when values cannot: a hash comes before a revision in the format, so
  // apk-tools ranks the version that has one higher.
  assert.ok(compareApkVersions("1.0~abc", "1.0-r1") > 0);
});

test("apk validity: what apk accepts and refuses", () => {
  for (const ok of ["1", "1.2.3", "1.2.3a", "1.2_rc1", "1.2_alpha_p3", "1.2-r10", "2.4_git20230717~1a2b-r4"]) assert.ok(isApkVersion(ok), ok);
  for (const bad of ["", "a1", "1..2", "1.2_foo", "1.2-1", "1.2a.3", "1.2-r", "1.2-r1.3", "1.0~", "1.0_"]) assert.ok(!isApkVersion(bad), bad);
  // Invalid remainders sort below valid versions.
  assert.ok(compareApkVersions("1.2_foo", "1.2") < 0);
});
