import { readFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { servesHost } from "./bound-host.js";

/** Where `npm run build` puts the bundled console (scripts/build-console.mjs): dist/console. */
export const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "console");

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * The console's page may load and call only this origin: its own bundle, and the APIs on the same
 * port. Nothing from a CDN or any other machine, whatever a rendered value contains. uPlot sizes
 * its canvas with style attributes, hence 'unsafe-inline' for styles (never for scripts).
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Whether a request at `/` is a browser asking for a page (not an AWS client, which never asks for HTML). */
export function wantsPage(req: FastifyRequest): boolean {
  const accept = req.headers.accept;
  return req.method === "GET" && typeof accept === "string" && accept.includes("text/html");
}

export interface ConsoleAssets {
  /** Whether a console was built (dist/console holds its page). */
  readonly built: boolean;
  /** Answers GET / for a browser with the console's page; false when no console was built. */
  page(req: FastifyRequest, reply: FastifyReply): boolean;
}

/**
 * The variant of a bundle file to send: brotli or gzip when the browser accepts it and the build
 * wrote one (scripts/build-console.mjs compresses each file once, at build time), else the file.
 * A q=0 ("not acceptable") is honoured; other weights are not ranked (brotli is smaller).
 */
function encodingFor(accept: string | undefined, has: (encoding: string) => boolean): "br" | "gzip" | undefined {
  const accepted = new Set((accept ?? "").split(",").map((part) => part.trim().toLowerCase()).filter((part) => !/;\s*q=0(\.0*)?$/.test(part)).map((part) => part.split(";")[0]!.trim()));
  if (accepted.has("br") && has("br")) return "br";
  if (accepted.has("gzip") && has("gz")) return "gzip";
  return undefined;
}

/**
 * Serves the web console built into dist/console: index.html at `/` (never cached: it names the
 * current bundle), and its hashed bundle files under /console/ (cached for a year, immutable:
 * a new build has new names), brotli- or gzip-compressed when the browser accepts it (compressed
 * at build time, so a request costs no compression). The files are read once, at start-up; they are small.
 * Only under the names of the address Berth binds (bound-host.ts); elsewhere `/` answers as the API.
 * A Berth run from sources without `npm run build` has no console: `/` then answers as the API.
 */
export function registerConsoleAssets(app: FastifyInstance, { host = "0.0.0.0", dir = CONSOLE_DIR }: { host?: string; dir?: string } = {}): ConsoleAssets {
  const files = new Map<string, Buffer>();
  if (existsSync(dir)) for (const name of readdirSync(dir)) files.set(name, readFileSync(join(dir, name)));
  const index = files.get("index.html");

  app.get("/console/:file", async (req, reply) => {
    const { file } = req.params as { file: string };
    // The compressed copies are sent only as an encoding of their file, never by their own name.
    const body = file === "index.html" || file.endsWith(".br") || file.endsWith(".gz") || !servesHost(host, req.headers.host) ? undefined : files.get(file);
    if (!body) return reply.status(404).header("content-type", "text/plain; charset=utf-8").send("Not found\n");
    const encoding = encodingFor(req.headers["accept-encoding"], (ext) => files.has(`${file}.${ext}`));
    if (encoding) reply.header("content-encoding", encoding);
    return reply
      .header("content-type", TYPES[extname(file)] ?? "application/octet-stream")
      .header("vary", "accept-encoding")
      .header("cache-control", "public, max-age=31536000, immutable")
      .header("x-content-type-options", "nosniff")
      .send(encoding ? files.get(`${file}.${encoding === "br" ? "br" : "gz"}`) : body);
  });

  return {
    built: index !== undefined,
    page(req, reply) {
      // Under another name than the bound address's (bound-host.ts), `/` answers as the API.
      if (!index || !servesHost(host, req.headers.host)) return false;
      void reply
        .header("content-type", TYPES[".html"])
        .header("cache-control", "no-cache")
        .header("content-security-policy", CSP)
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .send(index);
      return true;
    },
  };
}
