import { request } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import type { Logger } from "../core/logger.js";

/** A read the warm-up makes: an ECS operation and its input, as the console's SDK client sends it. */
type Read = (operation: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>;

export interface WarmUpTarget {
  /** Where this Berth listens: a loopback address when it binds every address. */
  host: string;
  port: number;
  /** The access key pair calls are signed with (the first configured one: strict SigV4 checks it). */
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  log: Logger;
}

/**
 * Reads a cluster page's data once, as the web console's first load does, right after Berth
 * starts listening: the first call of each request path in a fresh process is several times
 * slower than the next ones (V8 compiles each function on its first call and optimizes it only
 * after many; SQLite's page cache is empty), and the console's first page load after `berth up`
 * makes those calls — 20 of them at once on a cluster of 100 services — so it came out 100–200 ms
 * slower than every later load (docs/benchmarks.md). The warm-up makes the same calls first.
 *
 * The page and its entry script are asked for first, as a browser does. The reads are ordinary
 * signed requests to this Berth's own port over HTTP, so every part of the path runs (HTTP
 * parsing, SigV4, decoding, validation, the handlers, SQLite, serialization), and they only read:
 * List* and Describe* of ECS, whose answers nothing records (Berth keeps no call log, no call
 * metrics and no events of reads). The cluster read is the busiest one of the configured
 * region (most services and tasks), where a slow first load would show most. Anything that fails
 * (the server closing meanwhile) ends the warm-up quietly: it is an optimization, never an error.
 */
export async function warmUpConsoleReads(target: WarmUpTarget): Promise<void> {
  const read = signedReads(target);
  const started = performance.now();
  try {
    // The page and its entry script first, as a browser asks for them (Fastify's routes, not the API's).
    const page = await get(target, "/", { accept: "text/html" });
    const entry = /<script type="module" src="(\/console\/[^"]+)"/.exec(page)?.[1];
    if (entry) await get(target, entry, { "accept-encoding": "br, gzip" });
    const clusterArns = ((await read("ListClusters", { maxResults: 100 })).clusterArns ?? []) as string[];
    if (clusterArns.length === 0) return;
    const { clusters = [] } = (await read("DescribeClusters", { clusters: clusterArns })) as { clusters?: Array<Record<string, number | string>> };
    const size = (c: Record<string, number | string>) => Number(c.activeServicesCount ?? 0) + Number(c.runningTasksCount ?? 0) + Number(c.pendingTasksCount ?? 0);
    const busiest = clusters.sort((a, b) => size(b) - size(a))[0];
    if (!busiest) return;
    const cluster = String(busiest.clusterName);
    // Twice: the second pass finds the first one's functions compiled and runs them enough times
    // for V8 to optimize the hot ones (a row's presentation runs once per service and task).
    for (let pass = 0; pass < 2; pass++) await clusterPageReads(read, cluster);
    target.log.debug({ cluster, ms: Math.round(performance.now() - started) }, "console reads warmed up");
  } catch (err) {
    target.log.debug({ err }, "console warm-up stopped");
  }
}

/** The reads of the console's cluster page (console/src/pages/clusters.tsx, task-list.tsx, run-task.tsx), at once as it makes them. */
async function clusterPageReads(read: Read, cluster: string): Promise<void> {
  const services = async () => {
    const arns = ((await read("ListServices", { cluster, maxResults: 100 })).serviceArns ?? []) as string[];
    await Promise.all(chunks(arns, 10).map((batch) => read("DescribeServices", { cluster, services: batch })));
  };
  const tasks = async () => {
    const listed = await Promise.all(["RUNNING", "STOPPED"].map(async (desiredStatus) => ((await read("ListTasks", { cluster, desiredStatus, maxResults: 100 })).taskArns ?? []) as string[]));
    const arns = listed.flat().slice(0, 100);
    if (arns.length) await read("DescribeTasks", { cluster, tasks: arns });
  };
  const instances = async () => {
    const arns = ((await read("ListContainerInstances", { cluster, maxResults: 100 })).containerInstanceArns ?? []) as string[];
    if (arns.length) await read("DescribeContainerInstances", { cluster, containerInstances: arns });
  };
  await Promise.all([read("DescribeClusters", { clusters: [cluster] }), services(), tasks(), instances(), read("ListTaskDefinitions", { status: "ACTIVE", sort: "DESC", maxResults: 100 })]);
}

/** A GET to this Berth (the console's page or a bundle file): the body as text. */
async function get(target: WarmUpTarget, path: string, headers: Record<string, string>): Promise<string> {
  return (await send(target, { method: "GET", path, headers })).text;
}

/**
 * One request to this Berth, its answer read whole. agent: false: one connection a request, closed
 * after it, so no idle connection outlives the warm-up.
 */
function send({ host, port }: WarmUpTarget, { method, path, headers }: { method: string; path: string; headers: Record<string, string> }, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, method, path, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const chunks = <T>(list: T[], n: number): T[][] => Array.from({ length: Math.ceil(list.length / n) }, (_, i) => list.slice(i * n, (i + 1) * n));

/**
 * ECS calls (AWS JSON 1.1) to this Berth, SigV4-signed as the SDK signs them. Hand-written rather
 * than the SDK's ECS client: that is a development dependency only (the console bundles its own),
 * and these few reads need nothing of it but the signature, which @smithy/signature-v4 makes.
 */
function signedReads(target: WarmUpTarget): Read {
  const { host, port, accessKeyId, secretAccessKey, region } = target;
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region, service: "ecs", sha256: Sha256 });
  const authority = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  return async (operation, input) => {
    const body = JSON.stringify(input);
    const signed = await signer.sign({
      method: "POST", protocol: "http:", hostname: host, port, path: "/",
      headers: { host: authority, "content-type": "application/x-amz-json-1.1", "x-amz-target": `AmazonEC2ContainerServiceV20141113.${operation}` },
      body,
    });
    const answer = await send(target, { method: "POST", path: "/", headers: { ...(signed.headers as Record<string, string>), "content-length": String(Buffer.byteLength(body)) } }, body);
    if (answer.status !== 200) throw new Error(`${operation} answered ${answer.status}`);
    return JSON.parse(answer.text) as Record<string, unknown>;
  };
}
