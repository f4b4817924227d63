/**
 * Registry throughput: push and pull of a ~200 MB multi-layer image (MB/s) and manifest GETs per
 * second, Berth (token auth, and open mode) against the reference registry (CNCF distribution
 * 2.8 from Debian's `docker-registry`, no auth), same clients, loopback, in the same run.
 *   npm run build && node dist/bench/registry.js [--layers 8] [--layer-mb 25] [--reps 6] [--gets 20000] [--concurrency 16]
 * Push: `skopeo copy oci:LAYOUT docker://HOST/bench:bench`; pull: `skopeo copy docker://... oci:DIR`
 * into a fresh directory on tmpfs, and the same pull with the bench's lean client (oci-pull.ts),
 * with each client's CPU time beside the server's. Every registry starts each repetition empty (Berth: reset;
 * reference: restarted on fresh storage), so no blob is skipped or mounted. Not a test: nothing
 * here asserts a time.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { BerthProcess } from "../test/harness.js";
import { ecr, registryPassword } from "../test/registry-kit.js";
import { writeOciLayout, type GeneratedImage } from "./oci-layout.js";
import { ReferenceRegistry, referenceVersion } from "./reference-registry.js";
import { downloadRate, httpLoad, type LoadResult } from "./http-load.js";
import { ociPull } from "./oci-pull.js";

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    layers: { type: "string", default: "8" },
    "layer-mb": { type: "string", default: "25" },
    reps: { type: "string", default: "6" },
    gets: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "16" },
  },
});
const REPS = Number(values.reps);
const GETS = Number(values.gets);
const CONCURRENCY = Number(values.concurrency);
const REPO = "bench";
const MANIFEST_ACCEPT = "application/vnd.oci.image.manifest.v1+json";

/** One registry under test: how to empty it, where it is, and the credentials it wants. */
interface Target {
  name: string;
  host: string;
  /** `AWS:<password>` for skopeo, when the registry wants credentials. */
  creds?: string;
  /** Empties the registry (and re-creates the repository where one must exist). */
  fresh(): Promise<void>;
  /** The server process's CPU time so far (user + system), in seconds. */
  cpu(): number;
  close(): Promise<void>;
}

async function berthTarget(name: string, berth: BerthProcess, auth: boolean): Promise<Target> {
  const t: Target = {
    name,
    host: new URL(berth.endpoint).host,
    async fresh() {
      await berth.reset();
      await ecr(berth).send(new CreateRepositoryCommand({ repositoryName: REPO }));
      if (auth) t.creds = `AWS:${await registryPassword(berth)}`;
    },
    cpu: () => cpuSeconds(berth.proc.pid!),
    close: () => berth.dispose(),
  };
  return t;
}

async function referenceTarget(root: string): Promise<Target> {
  let reg = await ReferenceRegistry.start(root);
  const t: Target = {
    name: "reference (distribution, no auth)",
    host: reg.host,
    async fresh() {
      await reg.stop();
      reg = await ReferenceRegistry.start(root);
      t.host = reg.host;
    },
    cpu: () => cpuSeconds(reg.proc.pid!),
    close: () => reg.stop(),
  };
  return t;
}

/** utime + stime of a process from /proc (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function push(t: Target, image: GeneratedImage): Promise<number> {
  const creds = t.creds ? ["--dest-creds", t.creds] : [];
  const t0 = process.hrtime.bigint();
  // --preserve-digests: push the layers as they are (skopeo would otherwise gzip them for a registry).
  await run("skopeo", ["copy", "--quiet", "--preserve-digests", "--dest-tls-verify=false", ...creds, `oci:${image.dir}:${image.tag}`, `docker://${t.host}/${REPO}:${image.tag}`]);
  return seconds(t0);
}

/** CPU time (user + system, seconds) of this process's children that have exited: the skopeo runs. */
function childCpuSeconds(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** A skopeo pull into a fresh directory; `clientCpu` gets skopeo's CPU seconds. */
async function pull(t: Target, image: GeneratedImage, into: string, clientCpu: number[]): Promise<number> {
  const creds = t.creds ? ["--src-creds", t.creds] : [];
  const dest = mkdtempSync(join(into, "pull-"));
  try {
    const c0 = childCpuSeconds();
    const t0 = process.hrtime.bigint();
    await run("skopeo", ["copy", "--quiet", "--preserve-digests", "--dest-oci-accept-uncompressed-layers", "--src-tls-verify=false", ...creds, `docker://${t.host}/${REPO}:${image.tag}`, `oci:${dest}:${image.tag}`]);
    const s = seconds(t0);
    clientCpu.push(childCpuSeconds() - c0);
    return s;
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}

/** The same pull with the bench's lean client (oci-pull.ts); `clientCpu` gets its CPU seconds. */
async function leanPull(t: Target, image: GeneratedImage, into: string, clientCpu: number[]): Promise<number> {
  const dest = mkdtempSync(join(into, "lean-"));
  try {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await ociPull(`http://${t.host}`, REPO, image.tag, authHeaders(t), dest);
    const s = seconds(t0);
    const c = process.cpuUsage(c0);
    clientCpu.push((c.user + c.system) / 1e6);
    return s;
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}

const authHeaders = (t: Target): Record<string, string> => (t.creds ? { authorization: `Basic ${Buffer.from(t.creds).toString("base64")}` } : {});

/** The layers downloaded at once by plain HTTP, bodies discarded: the registry's serving path alone. */
const blobGets = (t: Target, image: GeneratedImage) =>
  downloadRate(`http://${t.host}`, image.layerDigests.map((d) => `/v2/${REPO}/blobs/${d}`), authHeaders(t), 3);

async function manifestGets(t: Target, image: GeneratedImage, requests: number): Promise<LoadResult> {
  const headers: Record<string, string> = { accept: MANIFEST_ACCEPT, ...authHeaders(t) };
  const path = `/v2/${REPO}/manifests/${image.tag}`;
  return httpLoad(`http://${t.host}`, path, headers, { requests, concurrency: CONCURRENCY, maxSeconds: 60 });
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), "berth-bench-registry-"));
  // The pulled copies go to tmpfs, so the client's disk is not what is measured.
  const pulls = mkdtempSync(join("/dev/shm", "berth-bench-pull-"));
  const layerBytes = Number(values["layer-mb"]) * 1024 * 1024;
  const image = writeOciLayout(join(work, "layout"), { layers: Number(values.layers), layerBytes });
  const mb = image.bytes / 1e6;
  const targets: Target[] = [];
  try {
    targets.push(await berthTarget("Berth (token auth)", await BerthProcess.start(), true));
    targets.push(await berthTarget("Berth (open)", await BerthProcess.start({ args: ["--registry-auth", "open"] }), false));
    targets.push(await referenceTarget(join(work, "reference")));

    const pushS = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const pullS = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const rawMBs = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const pushCpu = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const pullCpu = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const leanS = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const leanCpu = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const skopeoCpu = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const leanClientCpu = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const timed = async (t: Target, into: Map<string, number[]>, cpuInto: Map<string, number[]>, op: () => Promise<number>) => {
      const c0 = t.cpu();
      into.get(t.name)!.push(await op());
      cpuInto.get(t.name)!.push(t.cpu() - c0);
    };
    for (let rep = 0; rep < REPS; rep++) {
      // Rotate the order so every registry takes every position equally often: on this VM
      // the process that runs in a given position was seen to get a consistently slower CPU.
      const order = targets.map((_, i) => targets[(i + rep) % targets.length]!);
      for (const t of order) {
        await t.fresh();
        await timed(t, pushS, pushCpu, () => push(t, image));
        await timed(t, pullS, pullCpu, () => pull(t, image, pulls, skopeoCpu.get(t.name)!));
        await timed(t, pullS, pullCpu, () => pull(t, image, pulls, skopeoCpu.get(t.name)!));
        await timed(t, leanS, leanCpu, () => leanPull(t, image, pulls, leanClientCpu.get(t.name)!));
        await timed(t, leanS, leanCpu, () => leanPull(t, image, pulls, leanClientCpu.get(t.name)!));
        rawMBs.get(t.name)!.push(await blobGets(t, image));
        process.stderr.write(".");
      }
    }
    // Manifest GETs: a warm-up each (the JIT, the connection pool), then three rounds in
    // rotating order; the median round counts.
    for (const t of targets) await manifestGets(t, image, 5000);
    const rounds = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
    for (let r = 0; r < 3; r++) {
      for (const t of targets.map((_, i) => targets[(i + r) % targets.length]!)) rounds.get(t.name)!.push(await manifestGets(t, image, GETS));
    }
    const gets = new Map<string, LoadResult>(targets.map((t) => [t.name, [...rounds.get(t.name)!].sort((a, b) => a.perSecond - b.perSecond)[1]!]));
    process.stderr.write("\n");

    const ref = targets[targets.length - 1]!.name;
    const pushMBs = (name: string) => mb / median(pushS.get(name)!);
    const pullMBs = (name: string) => mb / median(pullS.get(name)!);
    const rps = (name: string) => gets.get(name)!.perSecond;
    const raw = (name: string) => median(rawMBs.get(name)!);
    const skopeo = execFileSync("skopeo", ["--version"], { encoding: "utf8" }).trim();
    const berthVersion = (JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "package.json"), "utf8")) as { version: string }).version;
    console.log(`\nRegistry throughput — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    console.log(`Berth ${berthVersion}; reference: docker-registry ${referenceVersion()}; client: ${skopeo}, undici`);
    console.log(`Image: ${image.layers} uncompressed layers of ${values["layer-mb"]} MiB random bytes, ${mb.toFixed(1)} MB; ${REPS} pushes and ${REPS * 2} pulls each (median); 3 rounds of ${GETS} manifest GETs by tag at concurrency ${CONCURRENCY} (median round)\n`);
    console.log("| measure | " + targets.map((t) => t.name).join(" | ") + " | Berth (token) / reference | target |");
    console.log("|---|" + targets.map(() => "---:|").join("") + "---:|---|");
    const row = (label: string, f: (n: string) => number, unit: string, target: string) =>
      console.log(`| ${label} | ${targets.map((t) => `${f(t.name).toFixed(unit === "req/s" ? 0 : 1)} ${unit}`).join(" | ")} | ${(f(targets[0]!.name) / f(ref)).toFixed(2)}x | ${target} |`);
    row("push", pushMBs, "MB/s", ">= 1.0x");
    row("pull (skopeo)", pullMBs, "MB/s", ">= 1.2x");
    row("pull (lean client)", (name) => mb / median(leanS.get(name)!), "MB/s", "(same target)");
    row("manifest GET", rps, "req/s", ">= 1.0x");
    row("blob GET, raw HTTP (no hashing, bodies discarded)", raw, "MB/s", "(no target)");
    const cpuRow = (label: string, m: Map<string, number[]>) =>
      console.log(`| ${label} | ${targets.map((t) => `${median(m.get(t.name)!).toFixed(2)} s`).join(" | ")} | ${(median(m.get(targets[0]!.name)!) / median(m.get(ref)!)).toFixed(2)}x | (lower is better) |`);
    cpuRow("server CPU per push", pushCpu);
    cpuRow("server CPU per pull (skopeo)", pullCpu);
    cpuRow("skopeo's CPU per pull", skopeoCpu);
    cpuRow("server CPU per pull (lean client)", leanCpu);
    cpuRow("lean client's CPU per pull", leanClientCpu);
    console.log(`\nManifest GET latency p50/p99: ${targets.map((t) => `${t.name} ${gets.get(t.name)!.p50Ms.toFixed(2)}/${gets.get(t.name)!.p99Ms.toFixed(2)} ms`).join("; ")}`);
    console.log(`Raw seconds — push: ${targets.map((t) => `${t.name} [${pushS.get(t.name)!.map((s) => s.toFixed(2)).join(", ")}]`).join("; ")}`);
    console.log(`Raw seconds — pull: ${targets.map((t) => `${t.name} [${pullS.get(t.name)!.map((s) => s.toFixed(2)).join(", ")}]`).join("; ")}`);
    console.log(`Raw seconds — lean pull: ${targets.map((t) => `${t.name} [${leanS.get(t.name)!.map((s) => s.toFixed(2)).join(", ")}]`).join("; ")}`);
    console.log(`Raw MB/s — blob GET: ${targets.map((t) => `${t.name} [${rawMBs.get(t.name)!.map((s) => s.toFixed(0)).join(", ")}]`).join("; ")}`);
  } finally {
    for (const t of targets) await t.close().catch((err) => console.error(`closing ${t.name}: ${(err as Error).message}`));
    rmSync(work, { recursive: true, force: true });
    rmSync(pulls, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
