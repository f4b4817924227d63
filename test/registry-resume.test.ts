import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { BerthProcess } from "./harness.js";
import { createRepository, Oci, registryPassword, sha256 } from "./registry-kit.js";

/** Sends the first `sent` bytes of a chunk that claims to be longer, then drops the connection. */
function interruptedPatch(endpoint: string, password: string, location: string, chunk: Buffer, sent: number): Promise<void> {
  const url = new URL(endpoint);
  return new Promise((resolve) => {
    const req = request({
      host: url.hostname, port: url.port, method: "PATCH", path: location,
      headers: {
        authorization: `Basic ${Buffer.from(`AWS:${password}`).toString("base64")}`,
        "content-type": "application/octet-stream",
        "content-range": `0-${chunk.length - 1}`,
        "content-length": String(chunk.length),
      },
    });
    req.on("error", () => resolve());
    req.on("close", () => resolve());
    req.write(chunk.subarray(0, sent), () => setTimeout(() => req.destroy(), 300));
  });
}

test("a chunked upload interrupted mid-chunk resumes after a server restart", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "berth-resume-"));
  let berth = await BerthProcess.start({ dataDir });
  try {
    await createRepository(berth, { repositoryName: "resume/app" });
    const password = await registryPassword(berth);
    let oci = new Oci(berth.endpoint, password);
    const blob = randomBytes(3 * 1024 * 1024);
    const location = (await oci.req("POST", "/v2/resume/app/blobs/uploads/")).headers.get("location")!;

    // The client dies halfway through its only chunk, then the server is killed outright.
    await interruptedPatch(berth.endpoint, password, location, blob, 1024 * 1024 + 17);
    await berth.kill9();
    berth = await BerthProcess.start({ dataDir });
    oci = new Oci(berth.endpoint, password); // the token survives the restart too

    // The upload status says how much arrived; the client resumes from there.
    const status = await oci.req("GET", location);
    assert.equal(status.status, 204);
    const [, end] = /^0-(\d+)$/.exec(status.headers.get("range")!)!;
    const received = Number(end) + 1;
    assert.ok(received > 0 && received <= 1024 * 1024 + 17, `received ${received}`);
    const outOfOrder = await oci.req("PATCH", location, { body: blob.subarray(received + 1), headers: { "content-range": `${received + 1}-${blob.length - 1}` } });
    assert.equal(outOfOrder.status, 416);
    const patched = await oci.req("PATCH", location, { body: blob.subarray(received), headers: { "content-range": `${received}-${blob.length - 1}` } });
    assert.equal(patched.status, 202);
    assert.equal(patched.headers.get("range"), `0-${blob.length - 1}`);
    const done = await oci.req("PUT", `${location}?digest=${sha256(blob)}`);
    assert.equal(done.status, 201);
    const got = await fetch(`${berth.endpoint}/v2/resume/app/blobs/${sha256(blob)}`, { headers: { authorization: `Basic ${Buffer.from(`AWS:${password}`).toString("base64")}` } });
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), blob);
  } finally {
    await berth.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
