/**
 * A package found in an image. OS packages are read before the image's distribution is known
 * (os-release may be in another layer), so they carry their package manager ("dpkg", "apk")
 * until the inventory names the ecosystem (Debian, Ubuntu, Alpine).
 */
export type PackageKind = "dpkg" | "apk" | "npm" | "PyPI";

export interface FoundPackage {
  kind: PackageKind;
  name: string;
  version: string;
  /**
   * The source package a binary package was built from (dpkg's Source, apk's origin): Debian's
   * and Alpine's advisories name source packages (openssl, not libssl3).
   */
  source?: { name: string; version: string };
  /** The file it was read from. */
  path: string;
}

/** The distribution an image's os-release names, as OSV names ecosystems and releases. */
export interface Distro {
  ecosystem: "Debian" | "Ubuntu" | "Alpine";
  /** As OSV's ecosystem suffix spells it: "12", "22.04", "v3.19"; absent for rolling releases. */
  release?: string;
}

/** What the scanner keeps of one file: the packages it lists, or the distribution it names. */
export interface FileFacts {
  packages?: FoundPackage[];
  distro?: Distro;
}
