import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ensureTestImage, TEST_IMAGE } from "./images.js";

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * A test image with a real, unmodified AWS SDK: the busybox test image plus this machine's node
 * binary (and the shared libraries it loads) and @aws-sdk/client-sts with everything it needs
 * from node_modules. Its /app/probe.mjs makes an STS client with no configuration at all and
 * calls GetCallerIdentity: the SDK finds its credentials and endpoint the way it would on ECS.
 */
export const SDK_IMAGE = "berth-test/sdk:latest";

const PROBE = `import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
const sts = new STSClient({});
try {
  const id = await sts.send(new GetCallerIdentityCommand({}));
  const c = await sts.config.credentials();
  console.log("PROBE " + JSON.stringify({ ok: true, arn: id.Arn, account: id.Account, accessKeyId: c.accessKeyId, expiration: c.expiration }));
} catch (e) {
  console.log("PROBE " + JSON.stringify({ ok: false, error: String(e) }));
}
`;

/** The package and everything it depends on, by walking package.json dependencies from node_modules. */
function closure(start: string): Set<string> {
  const seen = new Set<string>();
  const walk = (name: string) => {
    if (seen.has(name)) return;
    const dir = join(root, "node_modules", name);
    if (!existsSync(join(dir, "package.json"))) return; // an optional dependency this machine lacks
    seen.add(name);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) walk(dep);
  };
  walk(start);
  return seen;
}

let built: Promise<void> | undefined;

export function ensureSdkImage(): Promise<void> {
  built ??= (async () => {
    await ensureTestImage();
    const dir = mkdtempSync(join(tmpdir(), "berth-sdk-image-"));
    try {
      const node = realpathSync(process.execPath);
      cpSync(node, join(dir, "node"));
      const { stdout } = await run("ldd", [node]);
      const libs = [...stdout.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1]!);
      mkdirSync(join(dir, "libs"));
      const copies: string[] = [];
      for (const lib of new Set(libs)) {
        const name = lib.replace(/\//g, "_");
        cpSync(realpathSync(lib), join(dir, "libs", name));
        copies.push(`COPY libs/${name} ${lib}`);
      }
      for (const pkg of closure("@aws-sdk/client-sts")) cpSync(join(root, "node_modules", pkg), join(dir, "app", "node_modules", pkg), { recursive: true, dereference: true });
      writeFileSync(join(dir, "app", "probe.mjs"), PROBE);
      writeFileSync(join(dir, "Dockerfile"), [`FROM ${TEST_IMAGE}`, "COPY node /usr/local/bin/node", ...copies, "COPY app /app", "WORKDIR /app", 'CMD ["node", "/app/probe.mjs"]', ""].join("\n"));
      await run("docker", ["build", "-q", "-t", SDK_IMAGE, dir], { maxBuffer: 1 << 24 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return built;
}
