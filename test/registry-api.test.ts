import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { BerthProcess } from "./harness.js";
import { createRepository, errorCode, Oci, OCI_INDEX, OCI_MANIFEST, registryPassword, sha256, sha512 } from "./registry-kit.js";

let berth: BerthProcess;
let oci: Oci;
before(async () => {
  berth = await BerthProcess.start();
  oci = new Oci(berth.endpoint, await registryPassword(berth));
});
after(async () => {
  await berth.dispose();
});

const repo = async (name: string, extra: Record<string, unknown> = {}) => {
  await createRepository(berth, { repositoryName: name, ...extra });
  return name;
};

test("GET /v2/ answers 200 with the API version header", async () => {
  const res = await oci.req("GET", "/v2/");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("docker-distribution-api-version"), "registry/2.0");
});

test("pushing to a repository that does not exist fails as ECR's does", async () => {
  const res = await oci.req("POST", "/v2/missing/blobs/uploads/");
  assert.equal(res.status, 404);
  assert.deepEqual(res.json().errors[0], {
    code: "NAME_UNKNOWN",
    message: "The repository with name 'missing' does not exist in the registry with id '000000000000'",
    detail: { name: "missing" },
  });
  const put = await oci.pushManifest("missing", "latest", { schemaVersion: 2 });
  assert.equal(errorCode(put), "NAME_UNKNOWN");
});

test("monolithic push, pull by digest, HEAD and byte ranges", async () => {
  const name = await repo("api/ranges");
  const content = randomBytes(1000);
  const digest = await oci.pushBlob(name, content);
  const got = await fetch(`${berth.endpoint}/v2/${name}/blobs/${digest}`, { headers: { authorization: auth() } });
  assert.equal(got.status, 200);
  assert.equal(got.headers.get("docker-content-digest"), digest);
  assert.deepEqual(Buffer.from(await got.arrayBuffer()), content);

  const head = await oci.req("HEAD", `/v2/${name}/blobs/${digest}`);
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), "1000");
  assert.equal(head.text, "");

  const part = await fetch(`${berth.endpoint}/v2/${name}/blobs/${digest}`, { headers: { authorization: auth(), range: "bytes=10-19" } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), "bytes 10-19/1000");
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), content.subarray(10, 20));
  const suffix = await fetch(`${berth.endpoint}/v2/${name}/blobs/${digest}`, { headers: { authorization: auth(), range: "bytes=-5" } });
  assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), content.subarray(995));

  const beyond = await oci.req("GET", `/v2/${name}/blobs/${digest}`, { headers: { range: "bytes=1000-" } });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get("content-range"), "bytes */1000");

  const unknown = await oci.req("GET", `/v2/${name}/blobs/${sha256("nothing")}`);
  assert.equal(unknown.status, 404);
  assert.equal(errorCode(unknown), "BLOB_UNKNOWN");
});

test("POST then PUT, and chunked PATCHes with Content-Range; out of order is 416; status and cancel", async () => {
  const name = await repo("api/chunks");
  const whole = randomBytes(3000);

  const start = await oci.req("POST", `/v2/${name}/blobs/uploads/`);
  assert.equal(start.status, 202);
  const location = start.headers.get("location")!;
  assert.match(location, new RegExp(`^/v2/${name}/blobs/uploads/[0-9a-f-]{36}$`));
  assert.equal(start.headers.get("docker-upload-uuid"), location.split("/").pop());

  const p1 = await oci.req("PATCH", location, { body: whole.subarray(0, 1000), headers: { "content-range": "0-999", "content-type": "application/octet-stream" } });
  assert.equal(p1.status, 202);
  assert.equal(p1.headers.get("range"), "0-999");
  const outOfOrder = await oci.req("PATCH", location, { body: whole.subarray(2000, 3000), headers: { "content-range": "2000-2999" } });
  assert.equal(outOfOrder.status, 416);
  const status = await oci.req("GET", location);
  assert.equal(status.status, 204);
  assert.equal(status.headers.get("range"), "0-999");
  assert.equal(status.headers.get("location"), location);
  const p2 = await oci.req("PATCH", location, { body: whole.subarray(1000, 2000), headers: { "content-range": "1000-1999" } });
  assert.equal(p2.headers.get("range"), "0-1999");
  // The last chunk rides on the closing PUT.
  const done = await oci.req("PUT", `${location}?digest=${sha256(whole)}`, { body: whole.subarray(2000), headers: { "content-range": "2000-2999" } });
  assert.equal(done.status, 201);
  assert.equal(done.headers.get("location"), `/v2/${name}/blobs/${sha256(whole)}`);
  assert.equal(done.headers.get("docker-content-digest"), sha256(whole));
  const got = await oci.req("HEAD", `/v2/${name}/blobs/${sha256(whole)}`);
  assert.equal(got.headers.get("content-length"), "3000");
  assert.equal((await oci.req("GET", location)).status, 404, "the session is over");

  // POST, then the whole blob in the PUT.
  const s2 = await oci.req("POST", `/v2/${name}/blobs/uploads/`);
  const blob = Buffer.from("posted then put");
  assert.equal((await oci.req("PUT", `${s2.headers.get("location")}?digest=${sha256(blob)}`, { body: blob })).status, 201);

  // Cancel.
  const s3 = await oci.req("POST", `/v2/${name}/blobs/uploads/`);
  assert.equal((await oci.req("DELETE", s3.headers.get("location")!)).status, 204);
  const gone = await oci.req("GET", s3.headers.get("location")!);
  assert.equal(gone.status, 404);
  assert.equal(errorCode(gone), "BLOB_UPLOAD_UNKNOWN");
  // An upload id is good only in the repository it was started in.
  const other = await repo("api/chunks-other");
  const s4 = await oci.req("POST", `/v2/${name}/blobs/uploads/`);
  const id = s4.headers.get("docker-upload-uuid");
  assert.equal(errorCode(await oci.req("GET", `/v2/${other}/blobs/uploads/${id}`)), "BLOB_UPLOAD_UNKNOWN");
});

test("a digest mismatch is refused and stores nothing", async () => {
  const name = await repo("api/mismatch");
  const claimed = sha256("the claimed content");
  const mono = await oci.req("POST", `/v2/${name}/blobs/uploads/?digest=${claimed}`, { body: "other content" });
  assert.equal(mono.status, 400);
  assert.equal(errorCode(mono), "DIGEST_INVALID");
  const s = await oci.req("POST", `/v2/${name}/blobs/uploads/`);
  await oci.req("PATCH", s.headers.get("location")!, { body: "other content" });
  const put = await oci.req("PUT", `${s.headers.get("location")}?digest=${claimed}`);
  assert.equal(errorCode(put), "DIGEST_INVALID");
  assert.equal((await oci.req("HEAD", `/v2/${name}/blobs/${claimed}`)).status, 404);
  assert.equal((await oci.req("HEAD", `/v2/${name}/blobs/${sha256("other content")}`)).status, 404);
  assert.equal((await oci.req("GET", s.headers.get("location")!)).status, 404, "the failed session is discarded");
});

test("sha512 blobs and manifests", async () => {
  const name = await repo("api/sha512");
  const content = Buffer.from("five hundred and twelve");
  const res = await oci.req("POST", `/v2/${name}/blobs/uploads/?digest=${sha512(content)}`, { body: content });
  assert.equal(res.status, 201);
  assert.equal((await oci.req("GET", `/v2/${name}/blobs/${sha512(content)}`)).text, content.toString());
  const layer = await oci.pushBlob(name, "layer");
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha512(content), size: content.length }, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layer, size: 5 }] });
  const put = await oci.req("PUT", `/v2/${name}/manifests/${sha512(manifest)}`, { body: manifest, headers: { "content-type": OCI_MANIFEST } });
  assert.equal(put.status, 201);
  assert.equal(put.headers.get("docker-content-digest"), sha512(manifest));
  assert.equal((await oci.req("GET", `/v2/${name}/manifests/${sha512(manifest)}`)).text, manifest);
});

test("cross-repository mount, and fallback to an upload when the blob cannot be mounted", async () => {
  const from = await repo("api/mount-from");
  const to = await repo("api/mount-to");
  const digest = await oci.pushBlob(from, "shared layer");
  const mounted = await oci.req("POST", `/v2/${to}/blobs/uploads/?mount=${digest}&from=${from}`);
  assert.equal(mounted.status, 201);
  assert.equal(mounted.headers.get("location"), `/v2/${to}/blobs/${digest}`);
  assert.equal((await oci.req("GET", `/v2/${to}/blobs/${digest}`)).text, "shared layer");
  const fallback = await oci.req("POST", `/v2/${to}/blobs/uploads/?mount=${sha256("absent")}&from=${from}`);
  assert.equal(fallback.status, 202);
  assert.match(fallback.headers.get("location")!, /\/blobs\/uploads\//);
  // Without the mount, another repository does not see the blob.
  const third = await repo("api/mount-none");
  assert.equal((await oci.req("HEAD", `/v2/${third}/blobs/${digest}`)).status, 404);
});

test("manifests by tag and digest: Location, Docker-Content-Digest, HEAD, exact bytes", async () => {
  const name = await repo("api/manifests");
  const { digest, res, manifest } = await oci.pushImage(name, "v1");
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("docker-content-digest"), digest);
  assert.equal(res.headers.get("location"), `/v2/${name}/manifests/${digest}`);
  for (const ref of ["v1", digest]) {
    const got = await oci.req("GET", `/v2/${name}/manifests/${ref}`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get("content-type"), OCI_MANIFEST);
    assert.equal(got.headers.get("docker-content-digest"), digest);
    assert.equal(got.text, JSON.stringify(manifest));
    const head = await oci.req("HEAD", `/v2/${name}/manifests/${ref}`);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(JSON.stringify(manifest).length));
  }
  // By digest: the digest must be the content's.
  const body = JSON.stringify({ ...manifest, annotations: { a: "b" } });
  assert.equal((await oci.req("PUT", `/v2/${name}/manifests/${sha256(body)}`, { body, headers: { "content-type": OCI_MANIFEST } })).status, 201);
  const wrong = await oci.req("PUT", `/v2/${name}/manifests/${sha256("x")}`, { body, headers: { "content-type": OCI_MANIFEST } });
  assert.equal(errorCode(wrong), "DIGEST_INVALID");
  assert.equal(errorCode(await oci.req("GET", `/v2/${name}/manifests/nope`)), "MANIFEST_UNKNOWN");
  // A Docker schema 2 manifest and a manifest list.
  const docker = { ...manifest, mediaType: "application/vnd.docker.distribution.manifest.v2+json" };
  const dres = await oci.pushManifest(name, "docker", docker, "application/vnd.docker.distribution.manifest.v2+json");
  assert.equal(dres.status, 201);
  const list = { schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.list.v2+json", manifests: [{ mediaType: docker.mediaType, digest: sha256(JSON.stringify(docker)), size: JSON.stringify(docker).length, platform: { architecture: "amd64", os: "linux" } }] };
  assert.equal((await oci.pushManifest(name, "list", list, list.mediaType)).status, 201);
  assert.equal((await oci.req("GET", `/v2/${name}/manifests/list`)).headers.get("content-type"), list.mediaType);
});

test("manifests naming missing blobs or child manifests are MANIFEST_BLOB_UNKNOWN; bad ones MANIFEST_INVALID", async () => {
  const name = await repo("api/missing");
  const config = await oci.pushBlob(name, "{}");
  const missing = sha256("never pushed");
  const res = await oci.pushManifest(name, "x", { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: 2 }, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: missing, size: 12 }] });
  assert.equal(res.status, 400);
  assert.equal(errorCode(res), "MANIFEST_BLOB_UNKNOWN");
  assert.deepEqual(res.json().errors[0].detail, { missing: [missing] });
  const index = await oci.pushManifest(name, "i", { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: missing, size: 10 }] }, OCI_INDEX);
  assert.equal(errorCode(index), "MANIFEST_BLOB_UNKNOWN");
  assert.equal(errorCode(await oci.req("PUT", `/v2/${name}/manifests/x`, { body: "{not json", headers: { "content-type": OCI_MANIFEST } })), "MANIFEST_INVALID");
  assert.equal(errorCode(await oci.req("GET", `/v2/${name}/tags/list`)), undefined);
  assert.deepEqual((await oci.req("GET", `/v2/${name}/tags/list`)).json().tags, []);
});

test("manifests over 4 MiB are refused on their declared length, without reading the body", async () => {
  const name = await repo("api/big");
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL(`${berth.endpoint}/v2/${name}/manifests/big`);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: "PUT", headers: { authorization: auth(), "content-type": OCI_MANIFEST, "content-length": String(5 * 1024 * 1024) } }, (res) => {
      let data = "";
      res.on("data", (d) => (data += d));
      res.on("end", () => resolve({ status: res.statusCode!, body: data }));
    });
    req.on("error", reject);
    req.write("{"); // a byte, then nothing: the answer must come without the rest
  });
  assert.equal(status, 413);
  assert.equal(JSON.parse(body).errors[0].code, "SIZE_INVALID");
  // A streamed (chunked) body is refused once it runs past the limit.
  const chunked = await new Promise<number>((resolve, reject) => {
    const url = new URL(`${berth.endpoint}/v2/${name}/manifests/big`);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: "PUT", headers: { authorization: auth(), "content-type": OCI_MANIFEST, "transfer-encoding": "chunked" } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on("error", reject);
    for (let i = 0; i < 4; i++) req.write(Buffer.alloc(1024 * 1024, 0x20));
    req.end(" ");
  });
  assert.equal(chunked, 413);
  assert.equal(errorCode(await oci.req("GET", `/v2/${name}/manifests/big`)), "MANIFEST_UNKNOWN");
});

test("tags list with n/last pagination and Link; catalog likewise; n is bounded", async () => {
  const name = await repo("api/tags");
  const { manifest } = await oci.pushImage(name, "t0");
  for (const t of ["t3", "t1", "t2", "a", "B"]) assert.equal((await oci.pushManifest(name, t, manifest)).status, 201);
  const all = await oci.req("GET", `/v2/${name}/tags/list`);
  assert.deepEqual(all.json(), { name, tags: ["B", "a", "t0", "t1", "t2", "t3"] });
  const page1 = await oci.req("GET", `/v2/${name}/tags/list?n=2`);
  assert.deepEqual(page1.json().tags, ["B", "a"]);
  assert.equal(page1.headers.get("link"), `</v2/${name}/tags/list?n=2&last=a>; rel="next"`);
  const page2 = await oci.req("GET", `/v2/${name}/tags/list?n=2&last=a`);
  assert.deepEqual(page2.json().tags, ["t0", "t1"]);
  const last = await oci.req("GET", `/v2/${name}/tags/list?n=2&last=t1`);
  assert.deepEqual(last.json().tags, ["t2", "t3"]);
  assert.equal(last.headers.get("link"), null);
  const zero = await oci.req("GET", `/v2/${name}/tags/list?n=0`);
  assert.deepEqual(zero.json().tags, []);
  assert.equal(zero.headers.get("link"), null);
  assert.equal(errorCode(await oci.req("GET", `/v2/${name}/tags/list?n=-1`)), "PAGINATION_NUMBER_INVALID");
  assert.equal((await oci.req("GET", `/v2/${name}/tags/list?n=100000000`)).json().tags.length, 6);

  // The catalog lists the caller's account and region only.
  for (const r of ["cat/b", "cat/a", "cat/c"]) await createRepository(berth, { repositoryName: r }, "eu-central-1");
  const euOci = new Oci(berth.endpoint, await registryPassword(berth, "eu-central-1"));
  const cat = await euOci.req("GET", "/v2/_catalog?n=2");
  assert.deepEqual(cat.json(), { repositories: ["cat/a", "cat/b"] });
  assert.equal(cat.headers.get("link"), `</v2/_catalog?n=2&last=cat%2Fb>; rel="next"`);
  assert.deepEqual((await euOci.req("GET", "/v2/_catalog?last=cat%2Fb")).json(), { repositories: ["cat/c"] });
});

test("DELETE of tags, manifests and blobs", async () => {
  const name = await repo("api/delete");
  const { digest, manifest } = await oci.pushImage(name, "keep");
  await oci.pushManifest(name, "drop", manifest);
  assert.equal((await oci.req("DELETE", `/v2/${name}/manifests/drop`)).status, 202);
  assert.deepEqual((await oci.req("GET", `/v2/${name}/tags/list`)).json().tags, ["keep"]);
  assert.equal((await oci.req("GET", `/v2/${name}/manifests/${digest}`)).status, 200, "deleting a tag keeps the manifest");
  assert.equal((await oci.req("DELETE", `/v2/${name}/manifests/${digest}`)).status, 202);
  assert.equal(errorCode(await oci.req("GET", `/v2/${name}/manifests/keep`)), "MANIFEST_UNKNOWN");
  assert.deepEqual((await oci.req("GET", `/v2/${name}/tags/list`)).json().tags, []);
  assert.equal(errorCode(await oci.req("DELETE", `/v2/${name}/manifests/${digest}`)), "MANIFEST_UNKNOWN");
  const layer = manifest.layers[0].digest;
  assert.equal((await oci.req("DELETE", `/v2/${name}/blobs/${layer}`)).status, 202);
  assert.equal((await oci.req("HEAD", `/v2/${name}/blobs/${layer}`)).status, 404);
  assert.equal(errorCode(await oci.req("DELETE", `/v2/${name}/blobs/${layer}`)), "BLOB_UNKNOWN");
});

test("referrers: subject, OCI-Subject, artifactType filter and OCI-Filters-Applied", async () => {
  const name = await repo("api/referrers");
  const subject = await oci.pushImage(name, "app");
  const subjectDesc = { mediaType: OCI_MANIFEST, digest: subject.digest, size: JSON.stringify(subject.manifest).length };
  const sbom = await oci.pushImage(name, "sbom", { artifactType: "application/vnd.example.sbom", subject: subjectDesc, annotations: { kind: "sbom" } });
  assert.equal(sbom.res.headers.get("oci-subject"), subject.digest);
  const sig = await oci.pushImage(name, "sig", { subject: subjectDesc });
  const all = await oci.req("GET", `/v2/${name}/referrers/${subject.digest}`);
  assert.equal(all.status, 200);
  assert.equal(all.headers.get("content-type"), OCI_INDEX);
  const index = all.json();
  assert.equal(index.schemaVersion, 2);
  assert.deepEqual(new Set(index.manifests.map((m: { digest: string }) => m.digest)), new Set([sbom.digest, sig.digest]));
  const sbomDesc = index.manifests.find((m: { digest: string }) => m.digest === sbom.digest);
  assert.equal(sbomDesc.artifactType, "application/vnd.example.sbom");
  assert.deepEqual(sbomDesc.annotations, { kind: "sbom" });
  assert.equal(index.manifests.find((m: { digest: string }) => m.digest === sig.digest).artifactType, "application/vnd.oci.image.config.v1+json");
  const filtered = await oci.req("GET", `/v2/${name}/referrers/${subject.digest}?artifactType=application/vnd.example.sbom`);
  assert.equal(filtered.headers.get("oci-filters-applied"), "artifactType");
  assert.deepEqual(filtered.json().manifests.map((m: { digest: string }) => m.digest), [sbom.digest]);
  assert.deepEqual((await oci.req("GET", `/v2/${name}/referrers/${sha256("none")}`)).json().manifests, []);
  assert.equal(errorCode(await oci.req("GET", `/v2/${name}/referrers/sha256:abc`)), "DIGEST_INVALID");
});

test("concurrent pushes of one tag: mutable keeps every manifest pullable, immutable lets exactly one win", async () => {
  const mutable = await repo("api/race-mutable");
  const results = await Promise.all(Array.from({ length: 8 }, () => oci.pushImage(mutable, "latest")));
  for (const r of results) assert.equal((await oci.req("GET", `/v2/${mutable}/manifests/${r.digest}`)).status, 200);
  const tagged = (await oci.req("HEAD", `/v2/${mutable}/manifests/latest`)).headers.get("docker-content-digest");
  assert.ok(results.some((r) => r.digest === tagged), "the tag names one of the pushed manifests");

  const immutable = await repo("api/race-immutable", { imageTagMutability: "IMMUTABLE" });
  const images = await Promise.all(Array.from({ length: 8 }, async () => {
    const { manifest } = await oci.pushImage(immutable, `prep-${randomBytes(4).toString("hex")}`);
    return manifest;
  }));
  const pushes = await Promise.all(images.map((m) => oci.pushManifest(immutable, "v1", m)));
  const won = pushes.filter((p) => p.status === 201);
  assert.equal(won.length, 1, pushes.map((p) => p.status).join(","));
  for (const p of pushes.filter((x) => x.status !== 201)) {
    assert.equal(p.status, 400);
    assert.equal(errorCode(p), "TAG_INVALID");
    assert.match(p.json().errors[0].message, /cannot be overwritten because the repository is immutable/);
  }
  assert.equal((await oci.req("HEAD", `/v2/${immutable}/manifests/v1`)).headers.get("docker-content-digest"), won[0]!.headers.get("docker-content-digest"));
  // Pushing the same manifest to an immutable tag again is fine.
  const winner = images[pushes.indexOf(won[0]!)]!;
  assert.equal((await oci.pushManifest(immutable, "v1", winner)).status, 201);
});

test("unknown endpoints and methods get OCI errors", async () => {
  assert.equal((await oci.req("GET", "/v2/api/x/nothing")).status, 404);
  const wrong = await oci.req("PATCH", "/v2/api/x/manifests/latest");
  assert.equal(wrong.status, 405);
  assert.equal(errorCode(wrong), "UNSUPPORTED");
});

function auth() {
  return `Basic ${Buffer.from(`AWS:${oci.password}`).toString("base64")}`;
}
