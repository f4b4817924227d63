import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ensureTestImage, TEST_IMAGE } from "./images.js";

const run = promisify(execFile);

/**
 * A test image with botocore, the AWS CLI's and boto3's core, unmodified: the busybox test image
 * plus this machine's python3 (the interpreter, its standard library, its extension modules and
 * the shared libraries they load) and Debian's python3-botocore with its dependencies. Only the
 * models the probe loads are copied (sts and the endpoint and retry data), which keeps the image
 * near 75 MB instead of 160. /probe.py makes a session with no configuration and calls
 * GetCallerIdentity: botocore's own credential chain finds the task's credentials at
 * 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, as on ECS. (Debian's botocore 1.29
 * predates AWS_ENDPOINT_URL, so the probe passes that variable as endpoint_url.)
 */
export const BOTOCORE_IMAGE = "berth-test/botocore:latest";

const PYTHON = "python3.11";
// Debian's botocore imports requests (unvendored) and what it needs.
const PACKAGES = ["botocore", "dateutil", "jmespath", "urllib3", "six.py", "certifi", "requests", "idna", "chardet", "charset_normalizer"];
const BOTOCORE_DATA = ["sts", "endpoints.json", "partitions.json", "sdk-default-configuration.json", "_retry.json"];

const PROBE = `import json, os
import botocore.session
s = botocore.session.get_session()
try:
    sts = s.create_client("sts", region_name=os.environ.get("AWS_REGION", "us-east-1"), endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    ident = sts.get_caller_identity()
    creds = s.get_credentials()
    print("PROBE " + json.dumps({"ok": True, "arn": ident["Arn"], "method": creds.method}), flush=True)
except Exception as e:
    print("PROBE " + json.dumps({"ok": False, "error": repr(e)}), flush=True)
`;

let built: Promise<void> | undefined;

export function ensureBotocoreImage(): Promise<void> {
  built ??= (async () => {
    await ensureTestImage();
    const dir = mkdtempSync(join(tmpdir(), "berth-botocore-image-"));
    try {
      const stdlib = `/usr/lib/${PYTHON}`;
      cpSync(realpathSync(`/usr/bin/${PYTHON}`), join(dir, "python"));
      cpSync(stdlib, join(dir, "stdlib"), { recursive: true, dereference: true, filter: (src) => !/\/(test|__pycache__|idlelib|tkinter|ensurepip)(\/|$)/.test(src) });
      const site = "/usr/lib/python3/dist-packages";
      const data = `${site}/botocore/data/`;
      const wanted = (src: string) => !src.includes("__pycache__") && (!src.startsWith(data) || BOTOCORE_DATA.some((d) => src.startsWith(data + d)));
      for (const p of PACKAGES) cpSync(join(site, p), join(dir, "site", p), { recursive: true, dereference: true, filter: wanted });
      // The interpreter's and its extension modules' shared libraries, at the paths they were linked with.
      const dynload = join(stdlib, "lib-dynload");
      const objects = [`/usr/bin/${PYTHON}`, ...readdirSync(dynload).filter((f) => f.endsWith(".so")).map((f) => join(dynload, f))];
      const libs = new Set<string>();
      for (const o of objects) {
        const { stdout } = await run("ldd", [o]);
        for (const m of stdout.matchAll(/(\/\S+\.so[.\d]*)/g)) libs.add(m[1]!);
      }
      mkdirSync(join(dir, "libs"));
      const copies: string[] = [];
      for (const lib of libs) {
        const name = lib.replace(/\//g, "_");
        cpSync(realpathSync(lib), join(dir, "libs", name));
        copies.push(`COPY libs/${name} ${lib}`);
      }
      writeFileSync(join(dir, "probe.py"), PROBE);
      writeFileSync(join(dir, "Dockerfile"), [
        `FROM ${TEST_IMAGE}`, `COPY python /usr/bin/${PYTHON}`, `COPY stdlib ${stdlib}`, `COPY site ${site}`, ...copies, "COPY probe.py /probe.py",
        // Debian's interpreter finds dist-packages through its site module; say it plainly too.
        `ENV PYTHONPATH=${site}`, `CMD ["${PYTHON}", "/probe.py"]`, "",
      ].join("\n"));
      await run("docker", ["build", "-q", "-t", BOTOCORE_IMAGE, dir], { maxBuffer: 1 << 24 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return built;
}
