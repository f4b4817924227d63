import { test } from "node:test";
import assert from "node:assert/strict";
import { readDpkgStatus } from "./dpkg-status.js";
import { readApkInstalled } from "./apk-installed.js";
import { readInstalledPackageJson, readPackageLock } from "./npm.js";
import { readDistMetadata, readPipfileLock, readPoetryLock, readRequirements } from "./pip.js";
import { readOsRelease } from "./os-release.js";
import { wantsFile } from "./file-facts.js";

const brief = (pkgs: Array<{ name: string; version: string; source?: { name: string; version: string } }>) =>
  pkgs.map((p) => (p.source ? `${p.name}@${p.version}<${p.source.name}@${p.source.version}` : `${p.name}@${p.version}`));

test("dpkg status: installed packages only, with their source packages", () => {
  const status = [
    "Package: libssl3",
    "Status: install ok installed",
    "Version: 3.0.11-1~deb12u2",
    "Source: openssl",
    "Description: Secure Sockets Layer toolkit",
    " a continuation line: Package: not-a-package",
    "",
    "Package: zlib1g",
    "Status: install ok installed",
    "Source: zlib (1:1.2.13.dfsg-1)",
    "Version: 1:1.2.13.dfsg-1",
    "",
    "Package: removed-one",
    "Status: deinstall ok config-files",
    "Version: 1.0",
    "",
    "Package: libc-bin",
    "Status: install ok installed",
    "Source: glibc (2.36-9+deb12u4)",
    "Version: 2.36-9+deb12u4",
  ].join("\n");
  assert.deepEqual(brief(readDpkgStatus(status, "var/lib/dpkg/status")), [
    "libssl3@3.0.11-1~deb12u2<openssl@3.0.11-1~deb12u2",
    "zlib1g@1:1.2.13.dfsg-1<zlib@1:1.2.13.dfsg-1",
    "libc-bin@2.36-9+deb12u4<glibc@2.36-9+deb12u4",
  ]);
  // distroless status.d files have no Status field.
  assert.deepEqual(brief(readDpkgStatus("Package: tzdata\nVersion: 2024a-0+deb12u1\n", "var/lib/dpkg/status.d/tzdata")), ["tzdata@2024a-0+deb12u1"]);
});

test("apk installed: P/V/o fields per paragraph", () => {
  const db = "C:Q1abc=\nP:busybox\nV:1.36.1-r15\nA:x86_64\no:busybox\n\nP:libcrypto3\nV:3.1.4-r5\no:openssl\n\nP:broken\n";
  assert.deepEqual(brief(readApkInstalled(db, "lib/apk/db/installed")), ["busybox@1.36.1-r15<busybox@1.36.1-r15", "libcrypto3@3.1.4-r5<openssl@3.1.4-r5"]);
});

test("package-lock v1, v2/v3, aliases, links; node_modules package.json", () => {
  const v3 = JSON.stringify({
    lockfileVersion: 3,
    packages: {
      "": { name: "app", version: "1.0.0" },
      "node_modules/lodash": { version: "4.17.20" },
      "node_modules/a/node_modules/@scope/b": { version: "2.0.0" },
      "node_modules/alias": { name: "real-name", version: "1.1.1" },
      "node_modules/workspace": { link: true, resolved: "packages/workspace" },
    },
  });
  assert.deepEqual(brief(readPackageLock(v3, "app/package-lock.json")), ["lodash@4.17.20", "@scope/b@2.0.0", "real-name@1.1.1"]);
  const v1 = JSON.stringify({ lockfileVersion: 1, dependencies: { minimist: { version: "1.2.5", dependencies: { deep: { version: "0.0.1" } } } } });
  assert.deepEqual(brief(readPackageLock(v1, "package-lock.json")).sort(), ["deep@0.0.1", "minimist@1.2.5"]);
  assert.deepEqual(readPackageLock("{not json", "package-lock.json"), []);
  assert.deepEqual(brief(readInstalledPackageJson('{"name":"express","version":"4.17.1"}', "x")), ["express@4.17.1"]);
  assert.deepEqual(readInstalledPackageJson('{"name":"express"}', "x"), []);
});

test("pip: requirements pins, dist-info METADATA, poetry.lock, Pipfile.lock", () => {
  const req = [
    "# comment",
    "requests==2.25.0",
    "Django == 3.2.0  # pinned",
    "urllib3[socks]==1.26.4 ; python_version >= '3'",
    "flask>=2.0",
    "-r other.txt",
    "numpy==1.21.0 \\",
    "    --hash=sha256:abc",
    "star==1.*",
  ].join("\n");
  assert.deepEqual(brief(readRequirements(req, "requirements.txt")), ["requests@2.25.0", "Django@3.2.0", "urllib3@1.26.4", "numpy@1.21.0"]);
  assert.deepEqual(brief(readDistMetadata("Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.11.2\n\nVersion: 9\n", "x")), ["Jinja2@2.11.2"]);
  const poetry = '[[package]]\nname = "pyyaml"\nversion = "5.3.1"\n\n[package.dependencies]\nfoo = "*"\n\n[[package]]\nname = "idna"\nversion = "2.10"\n\n[metadata]\nname = "x"\nversion = "1"\n';
  assert.deepEqual(brief(readPoetryLock(poetry, "poetry.lock")), ["pyyaml@5.3.1", "idna@2.10"]);
  const pipfile = JSON.stringify({ default: { jinja2: { version: "==2.10" }, loose: { version: "*" } }, develop: { pytest: { version: "==6.0.0" } } });
  assert.deepEqual(brief(readPipfileLock(pipfile, "Pipfile.lock")), ["jinja2@2.10", "pytest@6.0.0"]);
});

test("os-release: Debian, Ubuntu and Alpine in OSV's release names", () => {
  assert.deepEqual(readOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'), { ecosystem: "Debian", release: "12" });
  assert.deepEqual(readOsRelease("ID=ubuntu\nVERSION_ID=\"22.04\"\n"), { ecosystem: "Ubuntu", release: "22.04" });
  assert.deepEqual(readOsRelease("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n"), { ecosystem: "Alpine", release: "v3.19" });
  assert.deepEqual(readOsRelease("ID=debian\n"), { ecosystem: "Debian", release: undefined });
  assert.equal(readOsRelease("ID=fedora\nVERSION_ID=39\n"), undefined);
});

test("which files the scanner reads", () => {
  for (const p of [
    "var/lib/dpkg/status", "var/lib/dpkg/status.d/libc6", "lib/apk/db/installed", "etc/os-release", "usr/lib/os-release",
    "app/package-lock.json", "package-lock.json", "srv/node_modules/lodash/package.json", "node_modules/@types/node/package.json",
    "app/requirements.txt", "requirements-dev.txt", "usr/lib/python3/site-packages/requests-2.25.0.dist-info/METADATA",
    "x/poetry.lock", "Pipfile.lock",
  ]) assert.ok(wantsFile(p), p);
  for (const p of [
    "var/lib/dpkg/status-old", "etc/passwd", "node_modules/lodash/lib/package.json", "node_modules/package.json",
    "app/package.json", "requirements.txt/x", "var/lib/dpkg/status.d/x/y",
  ]) assert.ok(!wantsFile(p), p);
});
