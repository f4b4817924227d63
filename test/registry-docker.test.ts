import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { DockerCli } from "./docker-cli.js";
import { awsCli, BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { createRepository, Oci, registryPassword } from "./registry-kit.js";

const run = promisify(execFile);

// The real clients: Debian's AWS CLI for the password, the Docker CLI (login, push, pull, run)
// with a throw-away DOCKER_CONFIG so that ~/.docker is never touched, and skopeo.
let berth: BerthProcess;
let host: string;
let work: string;
const images = new Set<string>();

before(async () => {
  await ensureTestImage();
  berth = await BerthProcess.start();
  host = new URL(berth.endpoint).host;
  work = mkdtempSync(join(tmpdir(), "berth-registry-docker-"));
});
after(async () => {
  if (images.size) await run("docker", ["rmi", "-f", ...images]).catch(() => undefined);
  cli.dispose();
  rmSync(work, { recursive: true, force: true });
  await berth.dispose();
});

const cli = new DockerCli();
const docker = (...args: string[]) => cli.run(...args);
const skopeo = (...args: string[]) => run("skopeo", args, { maxBuffer: 16 * 1024 * 1024 });

const baseLayers = async () => Number((await docker("image", "inspect", TEST_IMAGE, "--format", "{{len .RootFS.Layers}}")).stdout.trim());

const dockerLogin = (password: string) => cli.login(host, password);

test("aws ecr get-login-password | docker login; push a multi-layer image, remove it, pull it back, run it", async () => {
  await createRepository(berth, { repositoryName: "web" });
  const { stdout: password } = await run(awsCli, ["ecr", "get-login-password", "--endpoint-url", berth.endpoint, "--region", "us-east-1"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_PAGER: "" },
  });
  assert.match(await dockerLogin(password.trim()), /Login Succeeded/);

  const marker = randomBytes(8).toString("hex");
  const ctx = join(work, "web");
  mkdirSync(ctx);
  writeFileSync(join(ctx, "a.txt"), `layer-a ${marker}\n`);
  writeFileSync(join(ctx, "b.txt"), `layer-b ${randomBytes(4096).toString("hex")}\n`);
  writeFileSync(join(ctx, "Dockerfile"), `FROM ${TEST_IMAGE}\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\nCMD ["cat", "/a.txt"]\n`);
  const ref = `${host}/web:1`;
  images.add(ref);
  await docker("build", "-q", "-t", ref, ctx);
  const pushed = await docker("push", ref);
  const digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.stdout)?.[1];
  assert.ok(digest, pushed.stdout);

  // The registry holds it: a manifest naming the base image's layers plus two more.
  const oci = new Oci(berth.endpoint, password.trim());
  const manifest = (await oci.req("GET", "/v2/web/manifests/1", { headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" } })).json();
  assert.equal(manifest.layers.length, (await baseLayers()) + 2);
  assert.deepEqual((await oci.req("GET", "/v2/web/tags/list")).json().tags, ["1"]);

  await docker("rmi", ref);
  const pulled = await docker("pull", ref);
  assert.match(pulled.stdout, new RegExp(`Digest: ${digest}`));
  const out = await docker("run", "--rm", ref);
  assert.equal(out.stdout, `layer-a ${marker}\n`);
});

test("skopeo: copy from the engine and from an OCI layout, inspect, list-tags, delete", async () => {
  await createRepository(berth, { repositoryName: "tools/busybox" });
  const password = await registryPassword(berth);
  const creds = `AWS:${password}`;
  const dest = `docker://${host}/tools/busybox`;
  await skopeo("copy", "--dest-tls-verify=false", "--dest-creds", creds, `docker-daemon:${TEST_IMAGE}`, `${dest}:engine`);

  // Through an OCI layout: OCI media types this time.
  const layout = join(work, "layout");
  await skopeo("copy", "--src-tls-verify=false", "--src-creds", creds, `${dest}:engine`, `oci:${layout}:x`, "--format", "oci");
  await skopeo("copy", "--dest-tls-verify=false", "--dest-creds", creds, `oci:${layout}:x`, `${dest}:oci`);

  const inspected = JSON.parse((await skopeo("inspect", "--tls-verify=false", "--creds", creds, `${dest}:oci`)).stdout);
  assert.equal(inspected.Name, `${host}/tools/busybox`);
  assert.match(inspected.Digest, /^sha256:[a-f0-9]{64}$/);
  assert.equal(inspected.Layers.length, await baseLayers());
  const raw = JSON.parse((await skopeo("inspect", "--raw", "--tls-verify=false", "--creds", creds, `${dest}:oci`)).stdout);
  assert.equal(raw.mediaType, "application/vnd.oci.image.manifest.v1+json");

  const tags = JSON.parse((await skopeo("list-tags", "--tls-verify=false", "--creds", creds, dest)).stdout);
  assert.deepEqual(tags.Tags.sort(), ["engine", "oci"]);

  await skopeo("delete", "--tls-verify=false", "--creds", creds, `${dest}:oci`);
  const after = JSON.parse((await skopeo("list-tags", "--tls-verify=false", "--creds", creds, dest)).stdout);
  assert.deepEqual(after.Tags, ["engine"]);
  await assert.rejects(skopeo("inspect", "--tls-verify=false", "--creds", creds, `${dest}:oci`), /manifest unknown|MANIFEST_UNKNOWN|not found/i);
  await assert.rejects(skopeo("inspect", "--tls-verify=false", "--creds", "AWS:forged.token", `${dest}:engine`), /unauthorized|invalid/i);
});
