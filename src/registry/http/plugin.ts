import type { Principal } from "../../aws/request-context.js";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../core/config.js";
import type { Clock } from "../../core/clock.js";
import type { RegistryStore } from "../registry-store.js";
import type { Scope } from "../../core/arn.js";
import { authenticate, type Caller } from "./auth.js";
import { downloadScope } from "./download-auth.js";
import { peerAddress } from "../../aws/gateway-front.js";
import { parseRoute, type Route } from "./route-path.js";
import { OciError, sendOciError } from "./oci-errors.js";
import type { Ctx } from "./context.js";
import { deleteManifest, getManifest, putManifest } from "./manifest-routes.js";
import { deleteBlob, getBlob } from "./blob-routes.js";
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from "./upload-routes.js";
import { catalog, listTags, referrers } from "./listing-routes.js";

export interface RegistryHttpDeps {
  store: RegistryStore;
  config: Config;
  clock: Clock;
  /** The token signing secret (auth-token.ts). */
  secret: Buffer;
  /** A role session's principal by its access key id (a token names its session: auth.ts). */
  sessionPrincipal?: (accessKeyId: string) => Principal | undefined;
  /**
   * Runs before a manifest is read (GET or HEAD), so that a pull-through cache can fetch a
   * missing image from its upstream first (src/ecr/pull-through.ts). Must not throw.
   */
  beforeManifestGet?: (scope: Scope, name: string, reference: string) => Promise<void>;
  /** Whether a pull by this caller updates lastRecordedPullTime (ECR's pull-time update exclusions); absent: always. */
  recordsPull?: (scope: Scope, caller: Caller | undefined) => boolean;
  /** Runs before a push starts (an upload or a manifest PUT): ECR's create-on-push may create the repository. */
  beforePush?: (scope: Scope, name: string) => void;
  /**
   * Whether the caller may make this request (iamEnforcement: src/ecr/registry-permissions.ts):
   * undefined when it may, else the message of the 403 DENIED answer. Runs after routing and
   * before the hooks above, so that a refused request creates nothing.
   */
  authorize?: (request: RegistryRequest) => string | undefined;
}

/** One /v2 request as authorization sees it. */
export interface RegistryRequest {
  caller: Caller;
  route: Route;
  /** GET, HEAD, PUT, PATCH, POST or DELETE (HEAD kept apart: ECR authorizes a HEAD of a layer as a check of its availability). */
  method: string;
  /** The connection's address (aws:SourceIp). */
  sourceIp: string;
}

type Handler = (c: Ctx, route: Route) => unknown;
type Kind = Route["kind"];

/** Which handler serves each endpoint and method; anything else is 405 UNSUPPORTED. */
const ENDPOINTS: Partial<Record<Kind, Partial<Record<string, Handler>>>> = {
  base: { GET: (c) => c.reply.status(200).header("content-type", "application/json").send("{}") },
  catalog: { GET: (c) => catalog(c) },
  manifest: {
    GET: (c, r) => withName(r, (name, rr) => getManifest(c, name, rr.reference)),
    PUT: (c, r) => withName(r, (name, rr) => putManifest(c, name, rr.reference)),
    DELETE: (c, r) => withName(r, (name, rr) => deleteManifest(c, name, rr.reference)),
  },
  blob: {
    GET: (c, r) => withName(r, (name, rr) => getBlob(c, name, rr.digest)),
    DELETE: (c, r) => withName(r, (name, rr) => deleteBlob(c, name, rr.digest)),
  },
  uploads: { POST: (c, r) => withName(r, (name) => startUpload(c, name)) },
  upload: {
    GET: (c, r) => withName(r, (name, rr) => uploadStatus(c, name, rr.id)),
    PATCH: (c, r) => withName(r, (name, rr) => patchUpload(c, name, rr.id)),
    PUT: (c, r) => withName(r, (name, rr) => finishUpload(c, name, rr.id)),
    DELETE: (c, r) => withName(r, (name, rr) => cancelUpload(c, name, rr.id)),
  },
  tags: { GET: (c, r) => withName(r, (name) => listTags(c, name)) },
  referrers: { GET: (c, r) => withName(r, (name, rr) => referrers(c, name, rr.digest)) },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const withName = (r: Route, fn: (name: string, r: any) => unknown) => fn((r as { name: string }).name, r);

/**
 * The OCI Distribution API under /v2, as an encapsulated plugin: inside it request bodies are
 * not parsed or buffered (the root instance reads them into a 1 MiB Buffer for the AWS APIs);
 * handlers stream `req.raw` into the blob store and only manifests are read, up to 4 MiB.
 * Errors get the OCI envelope, and every response names the API version, as Docker expects.
 */
export async function registryPlugin(app: FastifyInstance, deps: RegistryHttpDeps) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_req, _payload, done) => done(null));
  app.setErrorHandler((err, req, reply) => sendOciError(err, req, reply));

  app.addHook("onRequest", async (req, reply) => {
    reply.header("docker-distribution-api-version", "registry/2.0");
    // A client that goes away mid-upload makes the body stream fail; the handler reading it
    // sees that, and nothing must be left to crash the process as an unhandled 'error'.
    req.raw.on("error", () => {});
  });

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const route = parseRoute(req.raw.url ?? "");
    // A GetDownloadUrlForLayer URL carries its own grant (authorized when it was issued); everything else needs credentials.
    const granted = downloadScope(req, route, deps);
    const caller = granted ? undefined : authenticate(req, deps);
    const scope = granted ?? caller!.scope;
    if (route.kind === "traversal") throw new OciError("NAME_INVALID", "invalid repository name: the path contains '.' or '..' segments");
    const method = req.method === "HEAD" ? "GET" : req.method;
    const endpoint = ENDPOINTS[route.kind];
    if (!endpoint) throw new OciError("UNSUPPORTED", `no registry endpoint at ${(req.raw.url ?? "").split("?")[0]!.slice(0, 200)}`, undefined, 404);
    const handler = endpoint[method];
    if (!handler) {
      throw new OciError("UNSUPPORTED", `${req.method} is not supported here`, undefined, 405, { allow: Object.keys(endpoint).join(", ") });
    }
    // aws:SourceIp as the API gateway gives it (an IPv4-mapped IPv6 peer as IPv4).
    const sourceIp = peerAddress(req.socket.remoteAddress) ?? "";
    const denial = caller && deps.authorize?.({ caller, route, method: req.method, sourceIp });
    if (denial !== undefined) throw new OciError("DENIED", denial, undefined, 403);
    if (((route.kind === "uploads" && method === "POST") || (route.kind === "manifest" && method === "PUT")) && deps.beforePush) deps.beforePush(scope, route.name);
    if (route.kind === "manifest" && method === "GET" && deps.beforeManifestGet) await deps.beforeManifestGet(scope, route.name, route.reference);
    const authorize = deps.authorize;
    const mayRead = caller && authorize
      ? (from: string) => authorize({ caller, route: { kind: "blob", name: from, digest: "" }, method: "GET", sourceIp }) === undefined
      : undefined;
    const recordPull = deps.recordsPull ? deps.recordsPull(scope, caller) : true;
    return handler({ req, reply, scope, store: deps.store, recordPull, ...(mayRead ? { mayRead } : {}) }, route);
  };
  const methods = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"] as const;
  app.route({ method: [...methods], url: "/v2", handler: handle });
  app.route({ method: [...methods], url: "/v2/*", handler: handle });
}
