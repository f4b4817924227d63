import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync, copyFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The test image: FROM scratch with Debian's static busybox (sh, httpd, nc, sleep, ...). Nothing is pulled. */
export const TEST_IMAGE = "berth-test/busybox:latest";
const BUSYBOX = "/bin/busybox";

let built: Promise<void> | undefined;

/** Builds TEST_IMAGE once per process (the build is cached by the engine across processes). */
export function ensureTestImage(): Promise<void> {
  built ??= (async () => {
    if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static (scripts/setup-debian.sh does)`);
    const dir = mkdtempSync(join(tmpdir(), "berth-image-"));
    try {
      copyFileSync(BUSYBOX, join(dir, "busybox"));
      writeFileSync(
        join(dir, "Dockerfile"),
        'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["sh"]\n',
      );
      await run("docker", ["build", "-q", "-t", TEST_IMAGE, dir]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return built;
}
