import { test } from "node:test";
import assert from "node:assert/strict";
import { affects, fitsRelease, inRange } from "./osv-match.js";
import { toVulnerability, type OsvAffected } from "./osv-record.js";
import { SCHEMES, semverScheme } from "../versions/ecosystems.js";

const affected = (ecosystem: string, extra: Record<string, unknown>): OsvAffected =>
  toVulnerability({ id: "X-1", affected: [{ package: { ecosystem, name: "p" }, ...extra }] })!.affected[0]!;

test("OSV ranges: introduced/fixed pairs, several intervals, introduced 0", () => {
  const a = affected("npm", {
    ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "1.2.0" }, { introduced: "2.0.0" }, { fixed: "2.3.1" }] }],
  });
  for (const v of ["0.0.1", "1.1.9", "2.0.0", "2.3.0"]) assert.ok(affects(a, v), v);
  for (const v of ["1.2.0", "1.9.9", "2.3.1", "3.0.0"]) assert.ok(!affects(a, v), v);
});

test("OSV ranges: events in any order are sorted before evaluation", () => {
  const events = [{ fixed: "2.3.1" }, { introduced: "2.0.0" }, { fixed: "1.2.0" }, { introduced: "0" }];
  assert.ok(inRange(events, "1.0.0", semverScheme));
  assert.ok(!inRange(events, "1.5.0", semverScheme));
  assert.ok(inRange(events, "2.1.0", semverScheme));
});

test("OSV ranges: last_affected is inclusive; an open range affects everything after introduced", () => {
  const a = affected("PyPI", { ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "1.0" }, { last_affected: "1.4.2" }] }] });
  assert.ok(affects(a, "1.4.2"));
  assert.ok(affects(a, "1.0rc1") === false);
  assert.ok(!affects(a, "1.4.2.post1"));
  const open = affected("PyPI", { ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "2.0" }] }] });
  assert.ok(affects(open, "99.0"));
  assert.ok(!affects(open, "1.9"));
});

test("OSV ECOSYSTEM ranges use the ecosystem's ordering: dpkg tildes and epochs, apk revisions, PEP 440 pre-releases", () => {
  const deb = affected("Debian:12", { ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.0.13-1~deb12u1" }] }] });
  assert.ok(affects(deb, "3.0.11-1~deb12u2"));
  assert.ok(!affects(deb, "3.0.13-1~deb12u1"));
  assert.ok(!affects(deb, "3.0.13-1"));
  const epoch = affected("Debian:12", { ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1:1.2.13.dfsg-1" }] }] });
  assert.ok(!affects(epoch, "1:1.2.13.dfsg-1"));
  assert.ok(affects(epoch, "1:1.2.11.dfsg-2"));
  assert.ok(!affects(epoch, "2:0.1"));
  const alpine = affected("Alpine:v3.19", { ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.36.1-r16" }] }] });
  assert.ok(affects(alpine, "1.36.1-r15"));
  assert.ok(!affects(alpine, "1.36.1-r16"));
  assert.ok(!affects(alpine, "1.37.0-r0"));
  const pypi = affected("PyPI", { ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "2.0" }] }] });
  assert.ok(affects(pypi, "2.0rc1"));
  assert.ok(!affects(pypi, "2.0"));
  assert.equal(SCHEMES.PyPI.compare("1.0.post1", "1.0") > 0, true);
});

test("OSV explicit versions list; versions nobody can order match only exactly", () => {
  const a = affected("npm", { versions: ["1.0.0", "1.0.1"], ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "0.5.0" }] }] });
  assert.ok(affects(a, "1.0.1"));
  assert.ok(affects(a, "0.4.0"));
  assert.ok(!affects(a, "1.0.2"));
  assert.ok(!affects(a, "not-a-version"));
  // An event whose version the scheme cannot read is left out rather than guessed.
  assert.ok(inRange([{ introduced: "0" }, { fixed: "garbage" }], "9.9.9", semverScheme));
});

test("ecosystem suffixes must fit the image's release", () => {
  assert.ok(fitsRelease(affected("Debian:12", { versions: ["1"] }), "12"));
  assert.ok(!fitsRelease(affected("Debian:11", { versions: ["1"] }), "12"));
  assert.ok(!fitsRelease(affected("Debian:12", { versions: ["1"] }), undefined));
  assert.ok(fitsRelease(affected("Ubuntu:22.04:LTS", { versions: ["1"] }), "22.04"));
  assert.ok(fitsRelease(affected("Alpine:v3.19", { versions: ["1"] }), "v3.19"));
  assert.ok(fitsRelease(affected("npm", { versions: ["1"] }), undefined));
  assert.ok(fitsRelease(affected("Debian", { versions: ["1"] }), "12"));
});

test("OSV records: withdrawn, unknown ecosystems, GIT-only ranges and malformed members are dropped", () => {
  assert.equal(toVulnerability({ id: "W", withdrawn: "2024-01-01T00:00:00Z", affected: [{ package: { ecosystem: "npm", name: "a" }, versions: ["1"] }] }), undefined);
  assert.equal(toVulnerability({ id: "M", affected: [{ package: { ecosystem: "Maven", name: "a" }, versions: ["1"] }] }), undefined);
  assert.equal(toVulnerability({ id: "G", affected: [{ package: { ecosystem: "npm", name: "a" }, ranges: [{ type: "GIT", events: [{ introduced: "abc" }] }] }] }), undefined);
  assert.equal(toVulnerability("nonsense"), undefined);
  assert.equal(toVulnerability({ id: 7 }), undefined);
  const v = toVulnerability({ id: "PYSEC-1", aliases: ["CVE-1", 5], affected: [{ package: { ecosystem: "PyPI", name: "Django_Rest.Framework" }, versions: ["1.0"] }] });
  assert.deepEqual(v?.aliases, ["CVE-1"]);
  assert.equal(v?.affected[0]?.name, "django-rest-framework");
});
