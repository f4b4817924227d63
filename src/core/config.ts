import { readFileSync, existsSync, statSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { isLoopbackHost, TASK_RELAY_ADDRESS } from "./loopback.js";
import { readCaBundle } from "./trusted-ca.js";

/**
 * Berth's configuration, parsed once at start-up and passed down; nothing else reads
 * process.env. Precedence: defaults <- config file <- BERTH_* environment <- command-line flags.
 */
export interface Config {
  /** TCP port of the one HTTP endpoint (AWS APIs and the registry). */
  port: number;
  /** Address the HTTP endpoint binds to. */
  host: string;
  /** Directory holding the SQLite state and the registry's blobs. */
  dataDir: string;
  /** Docker Engine socket path. */
  dockerSocket: string;
  /** Account id used in every ARN unless a 12-digit access key id names another. */
  accountId: string;
  /** Region used when a request carries no SigV4 credential scope. */
  region: string;
  /** Verify SigV4 signatures against `credentials` and reject skewed clocks. */
  strictSigv4: boolean;
  /**
   * Calls signed with an IAM user's access keys or an assumed role's session are evaluated against
   * that identity's policies and refused (AccessDenied) unless allowed. The configured credentials
   * (the account's root) and unsigned calls are always allowed. Off: every call is allowed, as before.
   */
  iamEnforcement: boolean;
  /** accessKeyId -> secretAccessKey, used in strict mode. */
  credentials: Record<string, string>;
  /**
   * A file holding `credentials` (ACCESS_KEY:SECRET pairs separated by commas or newlines), so the
   * secrets never appear on a command line (visible to every local user in `ps`).
   */
  credentialsFile?: string;
  /**
   * Accepts listening on an address other machines can reach while requests are not
   * authenticated (strictSigv4 off, or on with the well-known default credentials).
   */
  allowUnauthenticatedNetworkAccess: boolean;
  /** Address that bridge-mode host ports are published on (the instance's host IP). */
  hostIp: string;
  /** Loopback block from which awsvpc tasks get their private IPv4 address. */
  awsvpcCidr: string;
  /** Loopback block from which each ELBv2 load balancer gets its own address (its listeners bind there). */
  loadBalancerCidr: string;
  /**
   * Local use: the data plane runs target groups' health checks this many times faster than
   * configured (interval and timeout divided by it); the API keeps AWS's values and ranges. 1: AWS's pace.
   */
  loadBalancerHealthCheckSpeedup: number;
  /**
   * The load balancers' data plane thread's nice value (-20 to 19; dataplane/thread-priority.ts):
   * below the process's, the scheduler runs a proxy that wakes with a request before other work on
   * a busy machine. Needs root or CAP_SYS_NICE to go below 0; without them it is left as is.
   */
  loadBalancerThreadNice: number;
  /**
   * Local use, "scale in seconds, not minutes": CloudWatch periods last this many times less real
   * time (1, 2, 5 or 10; with 10 a 60-second period lasts 6 s), and alarms evaluate that much more
   * often. The API keeps AWS's values and rules (Period 60 stays 60). 1: AWS's pace.
   */
  metricPeriodScale: number;
  /**
   * Berth has no ACM: the directory of PEM files (certificate chain and private key) that HTTPS and
   * TLS listeners present. Certificate ARN .../certificate/NAME is the file NAME.pem here.
   */
  loadBalancerCertificatesDir?: string;
  /**
   * A PEM bundle of certificate authorities Berth trusts, besides Node's bundled roots, when it
   * calls HTTPS endpoints itself (API destinations, OAuth token endpoints, SNS https subscriptions):
   * how a local endpoint with a certificate from a private CA is reached, since AWS calls HTTPS only.
   */
  trustedCaFile?: string;
  /** How long a STOPPED task stays describable before its containers are removed. */
  stoppedTaskRetentionSeconds: number;
  /** Log level for pino. */
  logLevel: string;
  /** "token": the registry (/v2) wants GetAuthorizationToken's password; "open": no auth needed. */
  registryAuth: "token" | "open";
  /** host:port that repository URIs name; unset means 127.0.0.1:<the bound port>. */
  registryHost?: string;
  /** How often every repository's ECR lifecycle policy is applied (0: only on PutLifecyclePolicy). */
  lifecyclePolicyIntervalSeconds: number;
  /** How often the registry's garbage collector runs on a timer (0: only after deletes and on demand). */
  registryGcIntervalSeconds: number;
  /**
   * How long an unreferenced blob (and a blob link no manifest uses) is kept before GC may
   * delete it: the time a push has between uploading a blob and PUTting its manifest.
   */
  registryGcGraceSeconds: number;
  /** An upload session nobody has written to for this long is cancelled by GC. */
  registryUploadExpirySeconds: number;
  /**
   * Directory of OSV vulnerability records (*.json, searched recursively) that ECR image scans
   * match packages against; unset means scans fail saying no database is configured.
   */
  scanDatabaseDir?: string;
  /** Virtual container instances registered at start-up in the cluster `default`, sharing the local engine. */
  instances: number;
  /** CPU units each virtual instance registers (1024 per vCPU). */
  instanceCpu: number;
  /** MiB of memory each virtual instance registers. */
  instanceMemory: number;
  /** EC2 instance type virtual instances show (attribute ecs.instance-type). */
  instanceType: string;
  /** Comma-separated availability zones, given to virtual instances round-robin. */
  availabilityZones: string;
  /**
   * Loopback block of the virtual instances' host addresses: instance k publishes bridge ports on
   * the k-th address of the block (127.0.1.2, 127.0.1.3, ...), except instance 1, which keeps hostIp.
   */
  instanceCidr: string;
  /** Shared secret `berth agent` processes present to join (flag --token / BERTH_AGENT_TOKEN); unset refuses every remote agent. */
  agentToken?: string;
  /** A file holding agentToken (surrounding whitespace ignored), so it never appears on a command line. */
  agentTokenFile?: string;
  /** A remote agent not heard from (no poll, no report) for this long is shown agentConnected=false and gets no placements. */
  agentHeartbeatTimeoutSeconds: number;
  /** After this long disconnected (beyond the heartbeat timeout), a remote agent's service tasks are stopped so services replace them. */
  agentDisconnectGraceSeconds: number;
  /** Chaos testing: each running FARGATE_SPOT task is interrupted at this mean rate per hour (0: only on demand). */
  spotInterruptionRatePerHour: number;
  /** The Spot interruption warning: a task's containers get SIGTERM, then SIGKILL after min(stopTimeout, this). */
  spotWarningSeconds: number;
  /**
   * The most virtual instances managed scaling keeps for one Auto Scaling group capacity provider
   * (the group's maxSize; its minSize is 0). Pool instances have instanceCpu, instanceMemory and instanceType.
   */
  capacityProviderPoolMaxSize: number;
  /** EC2 tasks may run privileged containers (ECS's behaviour); false refuses them and what amounts to them. See HostPolicy. */
  allowPrivileged: boolean;
  /**
   * How often Berth publishes the metrics it produces itself (AWS/ECS from the agents' measurements
   * of the containers, AWS/ApplicationELB and AWS/NetworkELB from the data plane) and how often the
   * agents measure. AWS publishes these every 60 seconds; a shorter interval gives local alarms and
   * scaling data in seconds, not minutes. The data points keep CloudWatch's meaning: a period
   * aggregates whatever was published in it.
   */
  metricsIntervalSeconds: number;
  /** Absolute path prefixes host volumes (sourcePath) and Docker volumes' bind devices must be under; unset: any path, as on ECS; []: none. */
  hostPathAllowList?: string[];
  /** Capabilities linuxParameters.capabilities.add may name; unset: any, as on ECS; []: none. */
  allowedCapabilities?: string[];
  /** DurationSeconds of the role session each task with a taskRoleArn gets (STS's range, 900 to 43200). */
  taskRoleSessionSeconds: number;
  /**
   * A task's role session this old is renewed and its credentials endpoint serves the new one
   * (ECS rotates task credentials well before they expire). Shorter than taskRoleSessionSeconds;
   * a few seconds in tests to see rotation happen.
   */
  taskCredentialsRefreshSeconds: number;
}

export const defaults: Config = {
  port: 4566,
  host: "127.0.0.1",
  dataDir: ".berth",
  dockerSocket: "/var/run/docker.sock",
  accountId: "000000000000",
  region: "us-east-1",
  strictSigv4: false,
  iamEnforcement: false,
  credentials: { test: "test" },
  allowUnauthenticatedNetworkAccess: false,
  hostIp: "127.0.0.1",
  awsvpcCidr: "127.10.0.0/16",
  loadBalancerCidr: "127.100.0.0/16",
  loadBalancerHealthCheckSpeedup: 1,
  loadBalancerThreadNice: -10,
  metricPeriodScale: 1,
  stoppedTaskRetentionSeconds: 3600,
  logLevel: "info",
  registryAuth: "token",
  lifecyclePolicyIntervalSeconds: 300,
  registryGcIntervalSeconds: 3600,
  registryGcGraceSeconds: 3600,
  registryUploadExpirySeconds: 86400,
  instances: 1,
  // The whole host by default, as the ECS agent registers the whole EC2 instance.
  instanceCpu: 1024 * availableParallelism(),
  instanceMemory: Math.floor(totalmem() / 2 ** 20),
  instanceType: "t3.large",
  // Derived from the region when no layer sets it (see zonesFor); this is the default region's.
  availabilityZones: "us-east-1a,us-east-1b,us-east-1c",
  instanceCidr: "127.0.1.0/24",
  agentHeartbeatTimeoutSeconds: 15,
  agentDisconnectGraceSeconds: 60,
  spotInterruptionRatePerHour: 0,
  // AWS's two-minute warning; shorten it to make interruptions quick in tests.
  spotWarningSeconds: 120,
  capacityProviderPoolMaxSize: 10,
  allowPrivileged: true,
  metricsIntervalSeconds: 60,
  taskRoleSessionSeconds: 3600,
  taskCredentialsRefreshSeconds: 1800,
};

export class ConfigError extends Error {}

/** AWS region names: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ... */
export const isRegion = (s: string) => /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(s);

/** pino's levels; anything else would make the logger throw at start-up. */
const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** "number": a non-negative integer; "signed": an integer that may be negative (a nice value). */
type Kind = "number" | "signed" | "string" | "boolean" | "credentials" | "list";
const kinds: Record<keyof Config, Kind> = {
  port: "number",
  host: "string",
  dataDir: "string",
  dockerSocket: "string",
  accountId: "string",
  region: "string",
  strictSigv4: "boolean",
  iamEnforcement: "boolean",
  credentials: "credentials",
  credentialsFile: "string",
  allowUnauthenticatedNetworkAccess: "boolean",
  hostIp: "string",
  awsvpcCidr: "string",
  loadBalancerCidr: "string",
  loadBalancerHealthCheckSpeedup: "number",
  loadBalancerThreadNice: "signed",
  metricPeriodScale: "number",
  loadBalancerCertificatesDir: "string",
  trustedCaFile: "string",
  stoppedTaskRetentionSeconds: "number",
  logLevel: "string",
  registryAuth: "string",
  registryHost: "string",
  lifecyclePolicyIntervalSeconds: "number",
  registryGcIntervalSeconds: "number",
  registryGcGraceSeconds: "number",
  registryUploadExpirySeconds: "number",
  scanDatabaseDir: "string",
  instances: "number",
  instanceCpu: "number",
  instanceMemory: "number",
  instanceType: "string",
  availabilityZones: "string",
  instanceCidr: "string",
  agentToken: "string",
  agentTokenFile: "string",
  agentHeartbeatTimeoutSeconds: "number",
  agentDisconnectGraceSeconds: "number",
  spotInterruptionRatePerHour: "number",
  spotWarningSeconds: "number",
  capacityProviderPoolMaxSize: "number",
  allowPrivileged: "boolean",
  metricsIntervalSeconds: "number",
  hostPathAllowList: "list",
  allowedCapabilities: "list",
  taskRoleSessionSeconds: "number",
  taskCredentialsRefreshSeconds: "number",
};

/** BERTH_DATA_DIR <-> dataDir, and the flag --data-dir <-> dataDir. */
const envName = (key: string) => "BERTH_" + key.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase();
export const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());

function coerce(key: keyof Config, raw: unknown, source: string): unknown {
  const kind = kinds[key];
  if (kind === "number") {
    // Strings must be plain digits: Number("") is 0 and Number("0x10") is 16, neither meant.
    const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < 0) throw new ConfigError(`${source}: ${key} must be a non-negative integer, got ${JSON.stringify(raw)}`);
    return n;
  }
  if (kind === "signed") {
    const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n)) throw new ConfigError(`${source}: ${key} must be an integer, got ${JSON.stringify(raw)}`);
    return n;
  }
  if (kind === "boolean") {
    if (typeof raw === "boolean") return raw;
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    throw new ConfigError(`${source}: ${key} must be true or false, got ${JSON.stringify(raw)}`);
  }
  if (kind === "credentials") {
    // "AKID:SECRET,AKID2:SECRET2" in the environment and flags; an object in the file.
    const out: Record<string, string> = {};
    if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
      for (const [id, secret] of Object.entries(raw)) {
        if (id === "" || typeof secret !== "string" || secret === "") {
          throw new ConfigError(`${source}: credentials must map each access key id to a non-empty secret string`);
        }
        out[id] = secret;
      }
      return out;
    }
    if (typeof raw !== "string") throw new ConfigError(`${source}: credentials must look like ACCESS_KEY:SECRET[,...]`);
    for (const pair of raw.split(",").filter(Boolean)) {
      const i = pair.indexOf(":");
      if (i <= 0 || i === pair.length - 1) throw new ConfigError(`${source}: credentials must look like ACCESS_KEY:SECRET[,...]`);
      out[pair.slice(0, i)] = pair.slice(i + 1);
    }
    return out;
  }
  if (kind === "list") {
    // "a,b" in the environment and flags ("none": the empty list); an array or such a string in the file.
    if (Array.isArray(raw) && raw.every((x) => typeof x === "string" && x.trim() !== "")) return raw.map((x: string) => x.trim());
    if (raw === "none") return [];
    if (typeof raw === "string" && raw.split(",").every((x) => x.trim() !== "")) return raw.split(",").map((x) => x.trim());
    throw new ConfigError(`${source}: ${key} must be a comma-separated list (or none), got ${JSON.stringify(raw)}`);
  }
  if (typeof raw !== "string" || raw === "") throw new ConfigError(`${source}: ${key} must be a non-empty string, got ${JSON.stringify(raw)}`);
  return raw;
}

/** Checks values against each other and the world; `origin` names the layer each value came from. */
function validate(c: Config, origin: Partial<Record<keyof Config, string>>): Config {
  const fail = (key: keyof Config, message: string) => new ConfigError(`${origin[key] ?? "defaults"}: ${message}`);
  if (c.port > 65535) throw fail("port", `port must be at most 65535, got ${c.port}`);
  // Whoever can call the API can run containers with host bind mounts or privileged: on a
  // network address that must be someone who holds a secret, unless the operator says otherwise.
  if (!isLoopbackHost(c.host) && !authenticatesCallers(c) && !c.allowUnauthenticatedNetworkAccess) {
    throw fail(
      "host",
      `host ${c.host} can be reached from other machines, where anyone could run containers as root on this host: ` +
        `turn on strictSigv4 with credentials of your own (credentialsFile or BERTH_CREDENTIALS), bind a loopback address such as 127.0.0.1, ` +
        `or accept the risk with allowUnauthenticatedNetworkAccess`,
    );
  }
  if (!/^\d{12}$/.test(c.accountId)) throw fail("accountId", `accountId must be 12 digits, got ${c.accountId}`);
  if (!isRegion(c.region)) throw fail("region", `region must look like us-east-1, got ${c.region}`);
  const awsvpc = loopbackBlock(c.awsvpcCidr);
  if (!awsvpc) throw fail("awsvpcCidr", `awsvpcCidr must be a loopback block such as 127.10.0.0/16, got ${c.awsvpcCidr}`);
  const ip = /^127\.(\d+)\.(\d+)\.(\d+)$/.exec(c.hostIp);
  if (c.hostIp !== "0.0.0.0" && (!ip || [ip[1], ip[2], ip[3]].some((o) => Number(o) > 255))) {
    throw fail("hostIp", `hostIp must be a loopback address (127.x.y.z) or 0.0.0.0, got ${c.hostIp}`);
  }
  if (c.registryAuth !== "token" && c.registryAuth !== "open") throw fail("registryAuth", `registryAuth must be token or open, got ${c.registryAuth}`);
  // An open registry lets whoever reaches it push over a tag a service runs: the same as running containers.
  if (c.registryAuth === "open" && !isLoopbackHost(c.host) && !c.allowUnauthenticatedNetworkAccess) {
    throw fail(
      "registryAuth",
      `registryAuth open on host ${c.host}, which other machines can reach, lets anyone push images, over a tag a service runs too: ` +
        `use registryAuth token, bind a loopback address such as 127.0.0.1, or accept the risk with allowUnauthenticatedNetworkAccess`,
    );
  }
  // An open registry answers every /v2 request as the root: IAM policies could never refuse a pull or push.
  if (c.registryAuth === "open" && c.iamEnforcement) {
    throw fail("registryAuth", "registryAuth open serves every registry request as the account's root, which iamEnforcement never refuses: use registryAuth token with iamEnforcement");
  }
  // Docker references put the registry before the first '/': a host (or IP) with an optional port.
  if (c.registryHost !== undefined && !/^[a-zA-Z0-9.-]+(:\d{1,5})?$/.test(c.registryHost)) {
    throw fail("registryHost", `registryHost must look like host:port (e.g. 127.0.0.1:4566), got ${c.registryHost}`);
  }
  if (c.scanDatabaseDir !== undefined && !isDirectory(c.scanDatabaseDir)) {
    throw fail("scanDatabaseDir", `scanDatabaseDir must be a directory of OSV records, got ${c.scanDatabaseDir}`);
  }
  if (!logLevels.includes(c.logLevel)) throw fail("logLevel", `logLevel must be one of ${logLevels.join(", ")}, got ${c.logLevel}`);
  // 0 would show every remote agent disconnected between two polls.
  if (c.agentHeartbeatTimeoutSeconds < 1) throw fail("agentHeartbeatTimeoutSeconds", `agentHeartbeatTimeoutSeconds must be at least 1, got ${c.agentHeartbeatTimeoutSeconds}`);
  validateInstances(c, awsvpc, fail);
  if (c.metricsIntervalSeconds < 1 || c.metricsIntervalSeconds > 60) {
    throw fail("metricsIntervalSeconds", `metricsIntervalSeconds must be from 1 to 60, got ${c.metricsIntervalSeconds}`);
  }
  if (c.loadBalancerCertificatesDir !== undefined && !isDirectory(c.loadBalancerCertificatesDir)) {
    throw fail("loadBalancerCertificatesDir", `loadBalancerCertificatesDir must be a directory of PEM files, got ${c.loadBalancerCertificatesDir}`);
  }
  if (c.trustedCaFile !== undefined) {
    try {
      readCaBundle(c.trustedCaFile);
    } catch (e) {
      throw fail("trustedCaFile", `trustedCaFile must be a PEM file of CA certificates: ${(e as Error).message}`);
    }
  }
  if (c.loadBalancerHealthCheckSpeedup < 1 || c.loadBalancerHealthCheckSpeedup > 100) {
    throw fail("loadBalancerHealthCheckSpeedup", `loadBalancerHealthCheckSpeedup must be from 1 to 100, got ${c.loadBalancerHealthCheckSpeedup}`);
  }
  if (!Number.isInteger(c.loadBalancerThreadNice) || c.loadBalancerThreadNice < -20 || c.loadBalancerThreadNice > 19) {
    throw fail("loadBalancerThreadNice", `loadBalancerThreadNice must be a whole number from -20 to 19, got ${c.loadBalancerThreadNice}`);
  }
  // Divisors of 10 only, so every alarm period (10, 20, 30, multiples of 60) stays whole seconds.
  if (![1, 2, 5, 10].includes(c.metricPeriodScale)) throw fail("metricPeriodScale", `metricPeriodScale must be 1, 2, 5 or 10, got ${c.metricPeriodScale}`);
  const lbs = loopbackBlock(c.loadBalancerCidr);
  if (!lbs) throw fail("loadBalancerCidr", `loadBalancerCidr must be a loopback block such as 127.100.0.0/16, got ${c.loadBalancerCidr}`);
  // The task relay's address marks task containers' requests (core/loopback.ts): no block may hand it out.
  for (const key of ["awsvpcCidr", "instanceCidr", "loadBalancerCidr"] as const) {
    const block = loopbackBlock(c[key])!;
    if (block.base <= RELAY && RELAY < block.base + block.size) throw fail(key, `${key} ${c[key]} holds ${TASK_RELAY_ADDRESS}, the address task containers' API calls come from`);
  }
  // Load balancers own their address's ports: a task or an instance on the same one would collide.
  for (const key of ["awsvpcCidr", "instanceCidr"] as const) {
    const other = loopbackBlock(c[key])!;
    if (lbs.base < other.base + other.size && other.base < lbs.base + lbs.size) throw fail("loadBalancerCidr", `loadBalancerCidr ${c.loadBalancerCidr} overlaps ${key} ${c[key]}`);
  }
  const badPath = c.hostPathAllowList?.find((p) => !p.startsWith("/") || p.split("/").includes(".."));
  if (badPath !== undefined) throw fail("hostPathAllowList", `hostPathAllowList must hold absolute paths without '..', got ${JSON.stringify(badPath)}`);
  const badCap = c.allowedCapabilities?.find((cap) => !/^[A-Za-z_]+$/.test(cap));
  if (badCap !== undefined) throw fail("allowedCapabilities", `allowedCapabilities must hold capability names such as NET_ADMIN, got ${JSON.stringify(badCap)}`);
  if (c.taskRoleSessionSeconds < 900 || c.taskRoleSessionSeconds > 43200) {
    throw fail("taskRoleSessionSeconds", `taskRoleSessionSeconds must be from 900 to 43200, got ${c.taskRoleSessionSeconds}`);
  }
  // The SDKs renew cached credentials 5 minutes before they expire: the endpoint must have newer ones by then.
  if (c.taskCredentialsRefreshSeconds < 1 || c.taskCredentialsRefreshSeconds > c.taskRoleSessionSeconds - 300) {
    throw fail("taskCredentialsRefreshSeconds", `taskCredentialsRefreshSeconds must be from 1 to taskRoleSessionSeconds - 300 (${c.taskRoleSessionSeconds - 300}), got ${c.taskCredentialsRefreshSeconds}`);
  }
  return c;
}

/** Strict SigV4 with credentials other than the well-known default pair test:test (in every README). */
export const authenticatesCallers = (c: Pick<Config, "strictSigv4" | "credentials">) =>
  c.strictSigv4 && !(Object.hasOwn(c.credentials, "test") && c.credentials.test === defaults.credentials.test);

/** Reads a secret from a file named by a setting; the message never quotes the file's content. */
function readSecretFile(key: keyof Config, path: string, source: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (e) {
    throw new ConfigError(`${source}: cannot read ${key} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (text === "") throw new ConfigError(`${source}: ${key} ${path} is empty`);
  return text;
}

/** credentialsFile and agentTokenFile replace credentials and agentToken; giving both spellings is a mistake. */
function readSecretFiles(c: Config, origin: Partial<Record<keyof Config, string>>): void {
  const both = (fileKey: keyof Config, key: keyof Config) =>
    new ConfigError(`${origin[fileKey]}: ${fileKey} and ${key} (from ${origin[key]}) are both set; give one`);
  if (c.credentialsFile !== undefined) {
    if (origin.credentials !== undefined) throw both("credentialsFile", "credentials");
    const where = `${origin.credentialsFile}: credentialsFile ${c.credentialsFile}`;
    // One pair a line, or comma-separated.
    const text = readSecretFile("credentialsFile", c.credentialsFile, origin.credentialsFile!);
    c.credentials = coerce("credentials", text.split(/[\s,]+/).join(","), where) as Record<string, string>;
    origin.credentials = where;
  }
  if (c.agentTokenFile !== undefined) {
    if (origin.agentToken !== undefined) throw both("agentTokenFile", "agentToken");
    c.agentToken = readSecretFile("agentTokenFile", c.agentTokenFile, origin.agentTokenFile!);
    origin.agentToken = `${origin.agentTokenFile}: agentTokenFile ${c.agentTokenFile}`;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** TASK_RELAY_ADDRESS as the number loopbackBlock's bases are. */
const RELAY = TASK_RELAY_ADDRESS.split(".").reduce((n, o) => n * 256 + Number(o), 0);

/** A loopback block "127.a.b.c/len" as its first address and size, or undefined. */
function loopbackBlock(cidr: string): { base: number; size: number } | undefined {
  const m = /^127\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m || [m[1], m[2], m[3]].some((o) => Number(o) > 255) || Number(m[4]) < 8 || Number(m[4]) > 28) return undefined;
  const size = 2 ** (32 - Number(m[4]));
  const addr = ((127 << 24) >>> 0) + Number(m[1]) * 65536 + Number(m[2]) * 256 + Number(m[3]);
  return { base: addr - (addr % size), size };
}

/** The virtual instances' settings, checked against each other and the region. */
function validateInstances(c: Config, awsvpc: { base: number; size: number }, fail: (key: keyof Config, message: string) => ConfigError) {
  if (c.instanceCpu < 1) throw fail("instanceCpu", `instanceCpu must be at least 1, got ${c.instanceCpu}`);
  if (c.instanceMemory < 1) throw fail("instanceMemory", `instanceMemory must be at least 1, got ${c.instanceMemory}`);
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(c.instanceType)) throw fail("instanceType", `instanceType must look like t3.large, got ${c.instanceType}`);
  const zones = c.availabilityZones.split(",").map((z) => z.trim());
  const bad = zones.find((z) => !(z.startsWith(c.region) && /^[a-z]$/.test(z.slice(c.region.length))));
  if (bad !== undefined) {
    throw fail("availabilityZones", `availabilityZones must be zones of region ${c.region} such as ${c.region}a, got ${JSON.stringify(bad)}`);
  }
  c.availabilityZones = zones.join(",");
  const block = loopbackBlock(c.instanceCidr);
  if (!block) throw fail("instanceCidr", `instanceCidr must be a loopback block such as 127.0.1.0/24, got ${c.instanceCidr}`);
  if (block.base < awsvpc.base + awsvpc.size && awsvpc.base < block.base + block.size) {
    throw fail("instanceCidr", `instanceCidr ${c.instanceCidr} overlaps awsvpcCidr ${c.awsvpcCidr}`);
  }
  // Instance k takes the k-th address; the last address of the block is left alone (broadcast).
  if (c.instances > block.size - 2) throw fail("instances", `instances must be at most ${block.size - 2} for instanceCidr ${c.instanceCidr}, got ${c.instances}`);
}

/** ECS names zones after their region: us-east-1a, us-east-1b, ... */
export const zonesFor = (region: string) => ["a", "b", "c"].map((l) => region + l).join(",");

/**
 * How often Berth publishes its own metrics and agents measure their containers: every
 * metricsIntervalSeconds, and at least once per 60-second period as metricPeriodScale shortens it.
 */
export function metricsPublishSeconds(config: Pick<Config, "metricsIntervalSeconds" | "metricPeriodScale">): number {
  return Math.min(config.metricsIntervalSeconds, Math.max(1, Math.floor(60 / config.metricPeriodScale)));
}

/** The address virtual instance `slot` (1-based) publishes bridge ports on. */
export function instanceHostIp(config: Pick<Config, "hostIp" | "instanceCidr">, slot: number): string {
  if (slot === 1) return config.hostIp;
  const n = loopbackBlock(config.instanceCidr)!.base + slot;
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join(".");
}

export interface ConfigSources {
  /** Flags already parsed into config keys (e.g. from util.parseArgs). */
  flags?: Partial<Record<keyof Config, unknown>>;
  env?: Record<string, string | undefined>;
  /** Explicit config file; otherwise <dataDir>/config.json when it exists. */
  file?: string;
}

export function loadConfig({ flags = {}, env = {}, file }: ConfigSources = {}): Config {
  const merged: Record<string, unknown> = { ...defaults };
  const origin: Partial<Record<keyof Config, string>> = {};
  const layers: Array<[string, Record<string, unknown>]> = [];

  const envLayer: Record<string, unknown> = {};
  for (const key of Object.keys(kinds)) {
    const v = env[envName(key)];
    if (v !== undefined) envLayer[key] = v;
  }
  const dataDir = String(flags.dataDir ?? envLayer.dataDir ?? defaults.dataDir);
  const path = file ?? (env.BERTH_CONFIG as string | undefined) ?? join(dataDir, "config.json");
  if (file || env.BERTH_CONFIG || existsSync(path)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, "utf8"));
    } catch (e) {
      throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ConfigError(`config file ${path} must hold a JSON object`);
    layers.push([path, parsed as Record<string, unknown>]);
  }
  layers.push(["environment", envLayer]);
  layers.push(["flags", flags as Record<string, unknown>]);

  for (const [source, layer] of layers) {
    for (const [key, raw] of Object.entries(layer)) {
      if (raw === undefined) continue;
      if (!Object.hasOwn(kinds, key)) throw new ConfigError(`${source}: unknown setting ${key}`);
      merged[key] = coerce(key as keyof Config, raw, source);
      origin[key as keyof Config] = source;
    }
  }
  const config = merged as unknown as Config;
  config.dataDir = resolve(config.dataDir);
  if (config.scanDatabaseDir !== undefined) config.scanDatabaseDir = resolve(config.scanDatabaseDir);
  if (config.loadBalancerCertificatesDir !== undefined) config.loadBalancerCertificatesDir = resolve(config.loadBalancerCertificatesDir);
  if (config.trustedCaFile !== undefined) config.trustedCaFile = resolve(config.trustedCaFile);
  // Zones belong to a region: unless some layer names them, follow the region that applies.
  if (origin.availabilityZones === undefined) config.availabilityZones = zonesFor(config.region);
  readSecretFiles(config, origin);
  return validate(config, origin);
}

export const configKeys = Object.keys(kinds) as Array<keyof Config>;
export const configKinds = kinds;
