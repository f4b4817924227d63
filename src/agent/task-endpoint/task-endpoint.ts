import { createServer, type IncomingMessage, type ServerResponse, type Server } from "node:http";
import { networkInterfaces } from "node:os";
import type { AddressInfo } from "node:net";
import type Docker from "dockerode";
import type { Logger } from "../../core/logger.js";
import type { TaskManager } from "../task-manager.js";
import { credentialsDocument } from "./task-identity.js";
import { containerMetadata, taskMetadata, type MetadataContext, type MetadataVersion } from "./task-metadata.js";
import type { Netfilter } from "./netfilter.js";
import { answerTaskProtection } from "./task-protection-endpoint.js";

/** How long a task's looked-up addresses are trusted. */
const SOURCES_REFRESH_MS = 500;
/** How often, at most, a request from an address the task does not have makes a fresh look. */
const MISS_REFRESH_MS = 100;

export interface TaskEndpointDeps {
  docker: Docker;
  log: Logger;
  /** The runner's live task managers. */
  managers: Map<string, TaskManager>;
  netfilter?: Netfilter;
  /** The ECS API the task-protection route calls (ECS's agent calls ECS); undefined while unknown. */
  api?: () => { host: string; port: number } | undefined;
}

/** Task-protection request bodies are a few dozen bytes; anything past this is refused. */
const MAX_BODY_BYTES = 16 * 1024;

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

interface Sources {
  ips: Set<string>;
  at: number;
}

/** Every IPv4 address of this host: the sources a host-mode container's requests come from. */
function hostAddresses(): Set<string> {
  return new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === "IPv4").map((a) => a.address)));
}

const normalize = (ip: string | undefined) => (ip ?? "").replace(/^::ffff:/, "");

/**
 * The agent's credentials and task metadata endpoint (ECS's 169.254.170.2, reached through
 * netfilter.ts): /v2/credentials/<id>, /v3/<id>[/task][/stats|/task/stats], /v4/<id>[...], and
 * ECS_AGENT_URI's /api/<id>/task-protection/v1/state (task-protection-endpoint.ts).
 * A request is answered only when its id is a live task's and it comes from that task's own
 * address: a bridge container's bridge IP, an awsvpc task's namespace address; host-mode tasks
 * share the host's addresses (docs/compatibility.md). Anything else gets the same 404 as an
 * unknown id, so a caller learns nothing from guessing. Nothing is listed.
 */
export function createTaskEndpoint({ docker, log, managers, netfilter, api = () => undefined }: TaskEndpointDeps) {
  const sources = new WeakMap<TaskManager, Sources>();

  async function inspect(id: string | undefined): Promise<Docker.ContainerInspectInfo | undefined> {
    if (!id) return undefined;
    return docker.getContainer(id).inspect().catch(() => undefined);
  }

  /**
   * The task's addresses on the bridge (awsvpc: its namespace's): those of its running
   * containers, looked up again when stale. An address is never kept after its container stops,
   * so an address the bridge gives to another container later does not carry the task's rights.
   */
  async function sourcesOf(m: TaskManager, maxAgeMs = SOURCES_REFRESH_MS): Promise<Set<string>> {
    const known = sources.get(m);
    if (known && Date.now() - known.at < maxAgeMs) return known.ips;
    const ids = m.plan.networkMode === "awsvpc" ? [m.pauseId] : [...m.containers.values()].map((s) => s.id);
    const ips = new Set<string>();
    for (const info of await Promise.all(ids.map(inspect))) {
      const ip = info?.State.Running ? info.NetworkSettings?.Networks?.bridge?.IPAddress : undefined;
      if (ip) ips.add(ip);
    }
    sources.set(m, { ips, at: Date.now() });
    if (netfilter) {
      for (const ip of ips) await netfilter.addSource(ip);
      for (const ip of known?.ips ?? []) if (!ips.has(ip)) await netfilter.removeSource(ip);
    }
    return ips;
  }

  async function fromTask(m: TaskManager, source: string): Promise<boolean> {
    if (m.status === "STOPPED" || m.disposed) return false;
    if (m.plan.networkMode === "host") return hostAddresses().has(source);
    if (m.plan.networkMode === "none") return false;
    // An unknown source makes a fresh look (a container that just started), at most every
    // MISS_REFRESH_MS, so a flood of refused requests costs the engine little.
    return (await sourcesOf(m)).has(source) || (await sourcesOf(m, MISS_REFRESH_MS)).has(source);
  }

  const byCredentialsId = (id: string) => [...managers.values()].find((m) => m.identity.credentialsId === id);
  const byMetadataId = (id: string) => {
    for (const m of managers.values()) {
      const name = m.identity.metadataIds.get(id);
      if (name !== undefined) return { m, name };
    }
    return undefined;
  };

  async function metadataContext(m: TaskManager): Promise<MetadataContext> {
    const inspected = new Map<string, Docker.ContainerInspectInfo>();
    await Promise.all([...m.containers.values()].map(async (s) => {
      const info = await inspect(s.id);
      if (info) inspected.set(s.plan.name, info);
    }));
    return { m, inspected, taskIp: m.taskIp };
  }

  async function stats(id: string | undefined): Promise<unknown> {
    if (!id) return null;
    return docker.getContainer(id).stats({ stream: false }).catch(() => null);
  }

  async function answer(req: IncomingMessage, source: string): Promise<{ status: number; body: unknown }> {
    const notFound = { status: 404, body: { code: "NotFound", message: "no such resource" } };
    const protection = /^\/api\/([0-9a-f]{64})\/task-protection\/v1\/state$/.exec((req.url ?? "").split("?")[0]!);
    if (protection) {
      const body = req.method === "PUT" ? await readBody(req) : "";
      const found = byMetadataId(protection[1]!);
      // Another task's id, or a stopped task's, is answered as an unknown one.
      const caller = found && (await fromTask(found.m, source)) ? { taskArn: found.m.plan.taskArn, clusterArn: found.m.plan.clusterArn, credentials: found.m.identity.credentials } : undefined;
      return answerTaskProtection(req.method ?? "", body ?? "\u0000", caller, api());
    }
    if (req.method !== "GET") return { status: 405, body: { code: "MethodNotAllowed", message: "only GET is served" } };
    const path = (req.url ?? "").split("?")[0]!;
    const creds = /^\/v2\/credentials\/([0-9a-f]{64})$/.exec(path);
    if (creds) {
      const m = byCredentialsId(creds[1]!);
      if (!m || !(await fromTask(m, source)) || !m.identity.credentials) return notFound;
      return { status: 200, body: credentialsDocument(m.identity.credentials) };
    }
    const meta = /^\/v([34])\/([0-9a-f]{64})(\/task)?(\/stats)?$/.exec(path);
    if (meta) {
      const found = byMetadataId(meta[2]!);
      if (!found || !(await fromTask(found.m, source))) return notFound;
      const version = Number(meta[1]) as MetadataVersion;
      const { m, name } = found;
      const self = m.containers.get(name)!;
      if (meta[3] && meta[4]) {
        const entries = await Promise.all([...m.containers.values()].filter((s) => s.id).map(async (s) => [s.id!, await stats(s.id)] as const));
        return { status: 200, body: Object.fromEntries(entries) };
      }
      if (meta[4]) return { status: 200, body: await stats(self.id) };
      const ctx = await metadataContext(m);
      return { status: 200, body: meta[3] ? taskMetadata(ctx, version) : containerMetadata(ctx, self, version) };
    }
    return notFound;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const source = normalize(req.socket.remoteAddress);
    let out: { status: number; body: unknown };
    try {
      out = await answer(req, source);
    } catch (err) {
      log.error({ err: (err as Error).message }, "task endpoint request failed");
      out = { status: 500, body: { code: "InternalError", message: "internal error" } };
    }
    // Refusals are logged without the id asked for: a log line must not hand an id to its reader.
    if (out.status !== 200) log.debug({ source, status: out.status }, "task endpoint refused a request");
    res.writeHead(out.status, { "content-type": "application/json" });
    res.end(JSON.stringify(out.body));
  }

  let server: Server | undefined;
  return {
    /** Listens on `host` (the Docker bridge gateway); resolves with the bound port. */
    async listen(host: string): Promise<number> {
      server = createServer((req, res) => void handle(req, res));
      // A client that half-closes after its request (busybox nc, a raw socket) still gets its
      // answer, as from ECS's agent: Node's server would otherwise drop it on the client's FIN.
      // httpAllowHalfOpen is Node's (long-standing, undocumented) switch for exactly that.
      (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
      await new Promise<void>((resolve, reject) => {
        server!.once("error", reject);
        server!.listen(0, host, () => resolve());
      });
      return (server.address() as AddressInfo).port;
    },
    /** A task's address is known: route it to this agent now (see Netfilter.addSource). */
    async taskAddressed(m: TaskManager): Promise<void> {
      if (m.plan.networkMode === "bridge" || m.plan.networkMode === "awsvpc") await sourcesOf(m, 0);
    },
    /** The task stopped: its routes go (its ids already answer nothing, its manager being STOPPED). */
    async taskStopped(m: TaskManager): Promise<void> {
      const known = sources.get(m);
      sources.delete(m);
      if (netfilter && known) for (const ip of known.ips) await netfilter.removeSource(ip);
    },
    async close(): Promise<void> {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server?.closeAllConnections();
    },
  };
}

export type TaskEndpoint = ReturnType<typeof createTaskEndpoint>;
