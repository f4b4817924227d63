import { readDpkgStatus } from "./dpkg-status.js";
import { readApkInstalled } from "./apk-installed.js";
import { readInstalledPackageJson, readPackageLock } from "./npm.js";
import { readDistMetadata, readPipfileLock, readPoetryLock, readRequirements } from "./pip.js";
import { readOsRelease } from "./os-release.js";
import type { FileFacts, FoundPackage } from "./package.js";

type Reader = (text: string, path: string) => FoundPackage[];

/**
 * The files whose content makes up an image's package inventory, by path (normalized: no
 * leading slash). Everything else in a layer is skipped without being read.
 */
const READERS: Array<[RegExp, Reader]> = [
  [/^var\/lib\/dpkg\/status$/, readDpkgStatus],
  [/^var\/lib\/dpkg\/status\.d\/[^/]+$/, (text, path) => (path.endsWith(".md5sums") ? [] : readDpkgStatus(text, path))],
  [/^lib\/apk\/db\/installed$/, readApkInstalled],
  [/(^|\/)(package-lock|npm-shrinkwrap)\.json$/, readPackageLock],
  [/(^|\/)node_modules\/(@[^/]+\/)?[^/@][^/]*\/package\.json$/, readInstalledPackageJson],
  [/(^|\/)requirements[^/]*\.txt$/, readRequirements],
  [/(^|\/)[^/]+\.dist-info\/METADATA$/, readDistMetadata],
  [/(^|\/)[^/]+\.egg-info\/PKG-INFO$/, readDistMetadata],
  [/(^|\/)poetry\.lock$/, readPoetryLock],
  [/(^|\/)Pipfile\.lock$/, readPipfileLock],
];

const OS_RELEASE = new Set(["etc/os-release", "usr/lib/os-release"]);

/** Whether the scanner reads the file at `path`. */
export function wantsFile(path: string): boolean {
  return OS_RELEASE.has(path) || READERS.some(([re]) => re.test(path));
}

/** What the scanner keeps of a wanted file (a few fields per package, never the bytes). */
export function factsOf(path: string, content: Buffer): FileFacts {
  const text = content.toString("utf8");
  if (OS_RELEASE.has(path)) return { distro: readOsRelease(text) };
  const reader = READERS.find(([re]) => re.test(path))?.[1];
  return { packages: reader ? reader(text, path) : [] };
}
