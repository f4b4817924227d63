import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { CreateRepositoryCommand, InvalidParameterException } from "@aws-sdk/client-ecr";
import { BerthProcess } from "./harness.js";
import { createRepository, ecr, registryPassword, sha256 } from "./registry-kit.js";

// The data directory sits inside a case directory; nothing but it may appear there, and the
// registry's own directories must stay empty, whatever the requests below ask for.
let caseDir: string;
let berth: BerthProcess;
let password: string;
before(async () => {
  caseDir = mkdtempSync(join(tmpdir(), "berth-paths-"));
  berth = await BerthProcess.start({ dataDir: join(caseDir, "data") });
  await createRepository(berth, { repositoryName: "web" });
  password = await registryPassword(berth);
});
after(async () => {
  await berth.dispose();
  rmSync(caseDir, { recursive: true, force: true });
});

/** A request with the path sent exactly as written (fetch would normalise dot segments). */
function raw(method: string, path: string, body?: string): Promise<{ status: number; code?: string }> {
  const url = new URL(berth.endpoint);
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname, port: url.port, method, path,
      headers: { authorization: `Basic ${Buffer.from(`AWS:${password}`).toString("base64")}`, "content-type": "application/octet-stream", "content-length": String(Buffer.byteLength(body ?? "")) },
    }, (res) => {
      let data = "";
      res.on("data", (d) => (data += d));
      res.on("end", () => {
        let code: string | undefined;
        try {
          code = JSON.parse(data).errors?.[0]?.code;
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode!, code });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

function files(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...files(p).map((f) => join(entry, f)), `${entry}/`);
    else out.push(entry);
  }
  return out.sort();
}

const content = "payload";
const upper = `sha256:${sha256(content).slice(7).toUpperCase()}`;
const short = `sha256:${sha256(content).slice(7, 70 - 8)}`;

const cases: Array<[string, string, string, number, string]> = [
  ["dot segments in the name", "POST", "/v2/../../etc/blobs/uploads/", 400, "NAME_INVALID"],
  ["dot segments before a monolithic push", "POST", `/v2/../../../tmp/x/blobs/uploads/?digest=${sha256(content)}`, 400, "NAME_INVALID"],
  ["escaped dot segments in the name", "POST", `/v2/%2e%2e/%2e%2e/etc/blobs/uploads/?digest=${sha256(content)}`, 400, "NAME_INVALID"],
  ["escaped dots in a manifest path", "PUT", "/v2/%2e%2e/web/manifests/latest", 400, "NAME_INVALID"],
  ["an escaped slash in the name", "GET", "/v2/web%2f..%2f..%2fetc/tags/list", 400, "NAME_INVALID"],
  ["upper-case name", "GET", "/v2/Web/tags/list", 400, "NAME_INVALID"],
  ["dot segments in a digest", "GET", "/v2/web/blobs/sha256:../../../../etc/passwd", 400, "NAME_INVALID"],
  ["escaped dot segments in a digest", "GET", "/v2/web/blobs/sha256:%2e%2e%2f%2e%2e%2fetc", 400, "DIGEST_INVALID"],
  ["upper-case hex digest (GET)", "GET", `/v2/web/blobs/${upper}`, 400, "DIGEST_INVALID"],
  ["upper-case hex digest (monolithic push)", "POST", `/v2/web/blobs/uploads/?digest=${upper}`, 400, "DIGEST_INVALID"],
  ["wrong-length digest (push)", "POST", `/v2/web/blobs/uploads/?digest=${short}`, 400, "DIGEST_INVALID"],
  ["wrong-length digest (manifest)", "PUT", `/v2/web/manifests/${short}`, 400, "DIGEST_INVALID"],
  ["upper-case digest (manifest GET)", "GET", `/v2/web/manifests/${upper}`, 400, "DIGEST_INVALID"],
  ["unknown algorithm", "GET", `/v2/web/blobs/md5:${"a".repeat(32)}`, 400, "DIGEST_INVALID"],
  ["dot segments in an upload id", "PATCH", "/v2/web/blobs/uploads/../../../../tmp/x", 400, "NAME_INVALID"],
  ["escaped dot segments in an upload id", "PATCH", "/v2/web/blobs/uploads/..%2f..%2f..%2fx", 404, "BLOB_UPLOAD_UNKNOWN"],
  ["an invalid tag", "PUT", "/v2/web/manifests/-x", 400, "TAG_INVALID"],
  ["a dot-segment tag", "PUT", "/v2/web/manifests/..", 400, "NAME_INVALID"],
];

for (const [what, method, path, status, code] of cases) {
  test(`${what}: ${status} ${code}`, async () => {
    const res = await raw(method, path, method === "GET" ? undefined : content);
    assert.deepEqual(res, { status, code });
  });
}

test("ECR refuses the same names", async () => {
  for (const repositoryName of ["../web", "web/../x", "%2e%2e/web", "Web", "a"]) {
    await assert.rejects(ecr(berth).send(new CreateRepositoryCommand({ repositoryName })), InvalidParameterException, repositoryName);
  }
});

test("none of it touched a file: the case directory holds only the data directory, the store is empty", () => {
  assert.deepEqual(readdirSync(caseDir), ["data"]);
  const stored = files(join(caseDir, "data", "registry"));
  assert.deepEqual(stored, ["blobs/", "tmp/", "uploads/"], relative(caseDir, join(caseDir, "data")));
});
