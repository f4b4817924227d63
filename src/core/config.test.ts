import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, defaults, instanceHostIp, isRegion, loadConfig, type ConfigSources } from "./config.js";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "berth-config-test-"));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A config file in the test's directory. */
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

/** Every load gets its own empty data directory unless the test names one, so no stray config.json is read. */
function load(sources: ConfigSources = {}) {
  const dataDir = sources.flags?.dataDir ?? mkdtempSync(join(dir, "data-"));
  return loadConfig({ ...sources, flags: { dataDir, ...sources.flags } });
}

function fails(sources: ConfigSources, message: RegExp) {
  assert.throws(() => load(sources), (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

test("with nothing set, the defaults apply", () => {
  const c = load();
  const { dataDir: _, ...rest } = c;
  const { dataDir: __, ...expected } = defaults;
  assert.deepEqual(rest, expected);
});

test("the data directory is made absolute", () => {
  const c = loadConfig({ flags: { dataDir: "relative/dir" } });
  assert.equal(c.dataDir, join(process.cwd(), "relative/dir"));
});

test("precedence: defaults <- file <- BERTH_* environment <- flags", () => {
  const path = file("precedence.json", { port: 1111, region: "eu-west-1", accountId: "111111111111", logLevel: "debug" });
  const env = { BERTH_PORT: "2222", BERTH_REGION: "eu-west-2" };
  const flags = { port: "3333" };

  const fromFile = load({ file: path });
  assert.equal(fromFile.port, 1111);
  assert.equal(fromFile.region, "eu-west-1");
  assert.equal(fromFile.host, defaults.host, "what the file does not set keeps its default");

  const fromEnv = load({ file: path, env });
  assert.equal(fromEnv.port, 2222);
  assert.equal(fromEnv.region, "eu-west-2");
  assert.equal(fromEnv.accountId, "111111111111", "what the environment does not set keeps the file's value");

  const fromFlags = load({ file: path, env, flags });
  assert.equal(fromFlags.port, 3333);
  assert.equal(fromFlags.region, "eu-west-2");
  assert.equal(fromFlags.logLevel, "debug");
});

test("environment names are BERTH_ plus the key in upper snake case", () => {
  const c = load({
    env: {
      BERTH_STRICT_SIGV4: "true",
      BERTH_ACCOUNT_ID: "123456789012",
      BERTH_DOCKER_SOCKET: "/tmp/docker.sock",
      BERTH_STOPPED_TASK_RETENTION_SECONDS: "60",
      BERTH_HOST_IP: "127.0.0.2",
      BERTH_AWSVPC_CIDR: "127.20.0.0/16",
      BERTH_CREDENTIALS: "AKID1:s1,AKID2:s2:with:colons",
      BERTH_PORTX: "ignored",
      OTHER: "ignored",
    },
  });
  assert.equal(c.strictSigv4, true);
  assert.equal(c.accountId, "123456789012");
  assert.equal(c.dockerSocket, "/tmp/docker.sock");
  assert.equal(c.stoppedTaskRetentionSeconds, 60);
  assert.equal(c.hostIp, "127.0.0.2");
  assert.equal(c.awsvpcCidr, "127.20.0.0/16");
  assert.deepEqual(c.credentials, { AKID1: "s1", AKID2: "s2:with:colons" });
});

test("the file is --config, else BERTH_CONFIG, else <dataDir>/config.json when it exists", () => {
  const explicit = file("explicit.json", { port: 4001 });
  const viaEnv = file("via-env.json", { port: 4002 });
  const dataDir = join(dir, "with-config");
  mkdirSync(dataDir);
  writeFileSync(join(dataDir, "config.json"), JSON.stringify({ port: 4003 }));
  assert.equal(load({ flags: { dataDir }, file: explicit, env: { BERTH_CONFIG: viaEnv } }).port, 4001);
  assert.equal(load({ flags: { dataDir }, env: { BERTH_CONFIG: viaEnv } }).port, 4002);
  assert.equal(load({ flags: { dataDir } }).port, 4003);
  assert.equal(loadConfig({ env: { BERTH_DATA_DIR: dataDir } }).port, 4003, "BERTH_DATA_DIR locates the file too");
  assert.equal(load().port, defaults.port);
});

test("booleans and numbers are read from strings; credentials from a string or an object", () => {
  assert.equal(load({ env: { BERTH_STRICT_SIGV4: "1" } }).strictSigv4, true);
  assert.equal(load({ env: { BERTH_STRICT_SIGV4: "false" } }).strictSigv4, false);
  assert.equal(load({ flags: { strictSigv4: true } }).strictSigv4, true);
  assert.equal(load({ env: { BERTH_PORT: " 8080 " } }).port, 8080);
  assert.equal(load({ flags: { port: 0 } }).port, 0);
  const path = file("creds.json", { credentials: { AKIDFILE: "from-file" } });
  assert.deepEqual(load({ file: path }).credentials, { AKIDFILE: "from-file" });
  assert.deepEqual(load({ file: path, flags: { credentials: "AKIDFLAG:from-flag" } }).credentials, { AKIDFLAG: "from-flag" });
});

test("bad numbers fail with a message naming the source, key and value", () => {
  fails({ env: { BERTH_PORT: "abc" } }, /^environment: port must be a non-negative integer, got "abc"$/);
  fails({ env: { BERTH_PORT: "" } }, /^environment: port must be a non-negative integer, got ""$/);
  fails({ env: { BERTH_PORT: "0x10" } }, /port must be a non-negative integer/);
  fails({ env: { BERTH_PORT: "1e3" } }, /port must be a non-negative integer/);
  fails({ flags: { port: "-1" } }, /^flags: port must be a non-negative integer, got "-1"$/);
  fails({ flags: { port: "80.5" } }, /port must be a non-negative integer/);
  fails({ file: file("port.json", { port: true }) }, /port\.json: port must be a non-negative integer, got true$/);
  fails({ env: { BERTH_PORT: "70000" } }, /^environment: port must be at most 65535, got 70000$/);
  fails({ env: { BERTH_STOPPED_TASK_RETENTION_SECONDS: "99999999999999999999" } }, /stoppedTaskRetentionSeconds must be a non-negative integer/);
});

test("a signed setting (the data plane's nice value) takes negative integers, in its range only", () => {
  assert.equal(load({ env: { BERTH_LOAD_BALANCER_THREAD_NICE: "-5" } }).loadBalancerThreadNice, -5);
  assert.equal(load({ file: file("nice.json", { loadBalancerThreadNice: 3 }) }).loadBalancerThreadNice, 3);
  assert.equal(load().loadBalancerThreadNice, -10);
  fails({ env: { BERTH_LOAD_BALANCER_THREAD_NICE: "-" } }, /^environment: loadBalancerThreadNice must be an integer, got "-"$/);
  fails({ flags: { loadBalancerThreadNice: "-1.5" } }, /^flags: loadBalancerThreadNice must be an integer, got "-1.5"$/);
  fails({ flags: { loadBalancerThreadNice: "20" } }, /^flags: loadBalancerThreadNice must be a whole number from -20 to 19, got 20$/);
  fails({ file: file("nice-low.json", { loadBalancerThreadNice: -21 }) }, /loadBalancerThreadNice must be a whole number from -20 to 19, got -21$/);
});

test("bad booleans, strings and credentials fail clearly", () => {
  fails({ env: { BERTH_STRICT_SIGV4: "yes" } }, /^environment: strictSigv4 must be true or false, got "yes"$/);
  fails({ file: file("host.json", { host: 123 }) }, /host\.json: host must be a non-empty string, got 123$/);
  fails({ env: { BERTH_HOST: "" } }, /^environment: host must be a non-empty string/);
  fails({ env: { BERTH_CREDENTIALS: "nocolon" } }, /^environment: credentials must look like ACCESS_KEY:SECRET\[,\.\.\.\]$/);
  fails({ env: { BERTH_CREDENTIALS: ":secret" } }, /credentials must look like/);
  fails({ env: { BERTH_CREDENTIALS: "AKID:" } }, /credentials must look like/);
  fails({ file: file("creds-bad.json", { credentials: { AKID: 5 } }) }, /credentials must map each access key id to a non-empty secret string/);
  fails({ file: file("creds-array.json", { credentials: ["AKID:x"] }) }, /credentials must look like/);
});

test("values that do not make sense fail with the layer they came from", () => {
  fails({ env: { BERTH_REGION: "mars" } }, /^environment: region must look like us-east-1, got mars$/);
  fails({ file: file("region.json", { region: "US-EAST-1" }) }, /region\.json: region must look like us-east-1/);
  fails({ flags: { accountId: "12345" } }, /^flags: accountId must be 12 digits, got 12345$/);
  fails({ env: { BERTH_AWSVPC_CIDR: "10.0.0.0/8" } }, /^environment: awsvpcCidr must be a loopback block/);
  fails({ env: { BERTH_AWSVPC_CIDR: "127.300.0.0/16" } }, /awsvpcCidr must be a loopback block/);
  fails({ env: { BERTH_AWSVPC_CIDR: "127.10.0.0/30" } }, /awsvpcCidr must be a loopback block/);
  fails({ env: { BERTH_HOST_IP: "8.8.8.8" } }, /^environment: hostIp must be a loopback address/);
  fails({ env: { BERTH_HOST_IP: "127.0.0.256" } }, /hostIp must be a loopback address/);
  fails({ flags: { logLevel: "loud" } }, /^flags: logLevel must be one of fatal, error, warn, info, debug, trace, silent, got loud$/);
});

test("the config file must be a readable JSON object of known settings", () => {
  fails({ file: join(dir, "missing.json") }, /^cannot read config file .*missing\.json: /);
  fails({ file: file("broken.json", "{ port: 1") }, /^cannot read config file .*broken\.json: /);
  fails({ file: file("array.json", [1, 2]) }, /^config file .*array\.json must hold a JSON object$/);
  fails({ file: file("null.json", "null") }, /must hold a JSON object/);
  fails({ file: file("unknown.json", { prot: 4566 }) }, /unknown\.json: unknown setting prot$/);
  fails({ file: file("proto.json", '{"toString": "x"}') }, /unknown setting toString$/);
  fails({ file: file("proto2.json", '{"__proto__": {"port": 1}}') }, /unknown setting __proto__$/);
  fails({ env: { BERTH_CONFIG: join(dir, "nope.json") } }, /^cannot read config file .*nope\.json/);
});

test("isRegion accepts AWS region names and nothing else", () => {
  for (const r of ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "il-central-1", "us-isob-east-1"]) assert.ok(isRegion(r), r);
  for (const r of ["", "us-east", "useast1", "US-EAST-1", "us-east-1 ", "us-east-1/x", "us-east-123", "local"]) assert.ok(!isRegion(r), r);
});

test("virtual instances: sizes, zones of the region, and one loopback address each", () => {
  const c = load({ flags: { instances: "3", instanceCpu: "4096", instanceMemory: "8192", instanceType: "m5.xlarge" } });
  assert.equal(c.instances, 3);
  assert.equal(c.instanceCpu, 4096);
  assert.equal(c.instanceMemory, 8192);
  assert.equal(c.instanceType, "m5.xlarge");
  assert.equal(load({ env: { BERTH_REGION: "eu-west-1" } }).availabilityZones, "eu-west-1a,eu-west-1b,eu-west-1c", "zones follow the region");
  assert.equal(load({ env: { BERTH_REGION: "eu-west-1", BERTH_AVAILABILITY_ZONES: "eu-west-1b, eu-west-1c" } }).availabilityZones, "eu-west-1b,eu-west-1c");
  assert.equal(instanceHostIp(c, 1), "127.0.0.1", "instance 1 keeps hostIp");
  assert.equal(instanceHostIp(c, 2), "127.0.1.2");
  assert.equal(instanceHostIp({ hostIp: "127.0.0.1", instanceCidr: "127.5.0.0/16" }, 300), "127.5.1.44");
  assert.ok(defaults.instanceCpu >= 1024 && defaults.instanceCpu % 1024 === 0, "1024 units per host core");
  assert.ok(defaults.instanceMemory > 0);

  fails({ env: { BERTH_AVAILABILITY_ZONES: "eu-west-1a" } }, /^environment: availabilityZones must be zones of region us-east-1/);
  fails({ env: { BERTH_AVAILABILITY_ZONES: "us-east-1a,,us-east-1b" } }, /availabilityZones must be zones/);
  fails({ flags: { instanceCidr: "10.0.1.0/24" } }, /^flags: instanceCidr must be a loopback block/);
  fails({ flags: { instanceCidr: "127.10.3.0/24" } }, /instanceCidr 127\.10\.3\.0\/24 overlaps awsvpcCidr 127\.10\.0\.0\/16/);
  fails({ flags: { instances: "15", instanceCidr: "127.0.1.0/28" } }, /^flags: instances must be at most 14 for instanceCidr 127\.0\.1\.0\/28, got 15$/);
  fails({ flags: { instanceType: "large" } }, /instanceType must look like t3\.large/);
  fails({ flags: { instanceMemory: "0" } }, /instanceMemory must be at least 1/);
});

test("a host other machines can reach needs strict SigV4 with credentials of one's own, or the operator's explicit consent", () => {
  const refused = /^(flags|environment): host \S+ can be reached from other machines, where anyone could run containers as root on this host: turn on strictSigv4 with credentials of your own \(credentialsFile or BERTH_CREDENTIALS\), bind a loopback address such as 127\.0\.0\.1, or accept the risk with allowUnauthenticatedNetworkAccess$/;
  for (const host of ["0.0.0.0", "::", "192.0.2.7", "berth.example.internal", "::ffff:10.0.0.1"]) fails({ flags: { host } }, refused);
  fails({ env: { BERTH_HOST: "0.0.0.0", BERTH_STRICT_SIGV4: "true" } }, refused);
  fails({ flags: { host: "0.0.0.0", strictSigv4: true, credentials: "test:test,AKID:s" } }, refused);
  for (const host of ["127.0.0.1", "127.3.2.1", "::1", "localhost", "::ffff:127.0.0.1"]) assert.equal(load({ flags: { host } }).host, host);
  assert.equal(load({ flags: { host: "0.0.0.0", strictSigv4: true, credentials: "AKID:s" } }).host, "0.0.0.0");
  assert.equal(load({ flags: { host: "::", allowUnauthenticatedNetworkAccess: true } }).host, "::");
  assert.equal(load({ env: { BERTH_HOST: "0.0.0.0", BERTH_ALLOW_UNAUTHENTICATED_NETWORK_ACCESS: "true" } }).allowUnauthenticatedNetworkAccess, true);
});

test("an open registry on a host other machines can reach is refused unless the operator accepts the risk", () => {
  const strict = { host: "0.0.0.0", strictSigv4: true, credentials: "AKID:s" };
  fails({ flags: { ...strict, registryAuth: "open" } },
    /^flags: registryAuth open on host 0\.0\.0\.0, which other machines can reach, lets anyone push images, over a tag a service runs too: use registryAuth token, bind a loopback address such as 127\.0\.0\.1, or accept the risk with allowUnauthenticatedNetworkAccess$/);
  fails({ flags: strict, env: { BERTH_REGISTRY_AUTH: "open" } }, /^environment: registryAuth open on host 0\.0\.0\.0/);
  assert.equal(load({ flags: { ...strict, registryAuth: "open", allowUnauthenticatedNetworkAccess: true } }).registryAuth, "open");
  assert.equal(load({ flags: { host: "127.0.0.1", registryAuth: "open" } }).registryAuth, "open", "loopback stays as it was");
  fails({ flags: { host: "127.0.0.1", registryAuth: "open", iamEnforcement: true } },
    /^flags: registryAuth open serves every registry request as the account's root, which iamEnforcement never refuses: use registryAuth token with iamEnforcement$/);
  assert.equal(load({ flags: { ...strict, registryAuth: "token" } }).registryAuth, "token");
});

test("credentials and the agent token can come from files named in any layer", () => {
  const creds = file("creds", "AKID1:s1\nAKID2:s2:with:colons, AKID3:s3\n");
  assert.deepEqual(load({ flags: { credentialsFile: creds } }).credentials, { AKID1: "s1", AKID2: "s2:with:colons", AKID3: "s3" });
  assert.deepEqual(load({ env: { BERTH_CREDENTIALS_FILE: creds } }).credentials.AKID1, "s1");
  const token = file("token", "  t0ken\n");
  assert.equal(load({ env: { BERTH_AGENT_TOKEN_FILE: token } }).agentToken, "t0ken");
  assert.equal(load({ file: file("with-token-file.json", { agentTokenFile: token }) }).agentToken, "t0ken");
  // The file's credentials are one's own: they open a network address in strict mode.
  assert.equal(load({ flags: { host: "0.0.0.0", strictSigv4: true, credentialsFile: creds } }).host, "0.0.0.0");

  fails({ flags: { credentialsFile: creds }, env: { BERTH_CREDENTIALS: "A:b" } }, /^flags: credentialsFile and credentials \(from environment\) are both set; give one$/);
  fails({ flags: { agentToken: "x" }, env: { BERTH_AGENT_TOKEN_FILE: token } }, /^environment: agentTokenFile and agentToken \(from flags\) are both set; give one$/);
  fails({ flags: { agentTokenFile: file("empty", "\n") } }, /^flags: agentTokenFile .*empty is empty$/);
  fails({ flags: { credentialsFile: join(dir, "missing") } }, /^flags: cannot read credentialsFile .*missing: ENOENT$/);
  // A malformed file is named, and its content (a secret) is not repeated.
  assert.throws(() => load({ flags: { credentialsFile: file("bad-creds", "only-a-secret-value") } }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /credentialsFile .*bad-creds: credentials must look like ACCESS_KEY:SECRET/);
    assert.ok(!err.message.includes("only-a-secret-value"));
    return true;
  });
});

test("the host policy: privileged allowed and no lists by default; lists from the file, environment and flags", () => {
  const c = load();
  assert.equal(c.allowPrivileged, true);
  assert.equal(c.hostPathAllowList, undefined);
  assert.equal(c.allowedCapabilities, undefined);
  assert.equal(load({ env: { BERTH_ALLOW_PRIVILEGED: "false" } }).allowPrivileged, false);
  assert.deepEqual(load({ env: { BERTH_HOST_PATH_ALLOW_LIST: "/srv, /data" } }).hostPathAllowList, ["/srv", "/data"]);
  assert.deepEqual(load({ flags: { allowedCapabilities: "none" } }).allowedCapabilities, []);
  assert.deepEqual(load({ file: file("policy.json", { hostPathAllowList: ["/srv"], allowedCapabilities: "NET_ADMIN,SYS_PTRACE" }) }).allowedCapabilities, ["NET_ADMIN", "SYS_PTRACE"]);
  fails({ env: { BERTH_HOST_PATH_ALLOW_LIST: "srv" } }, /environment: hostPathAllowList must hold absolute paths without '\.\.', got "srv"/);
  fails({ flags: { hostPathAllowList: "/srv/../etc" } }, /flags: hostPathAllowList must hold absolute paths/);
  fails({ flags: { hostPathAllowList: "/srv,,/data" } }, /flags: hostPathAllowList must be a comma-separated list \(or none\)/);
  fails({ flags: { hostPathAllowList: "" } }, /must be a comma-separated list/);
  fails({ file: file("bad-caps.json", { allowedCapabilities: ["NET ADMIN"] }) }, /allowedCapabilities must hold capability names/);
});

test("trustedCaFile must be a readable PEM file of certificates", () => {
  fails({ flags: { trustedCaFile: join(dir, "no-such.pem") } }, /flags: trustedCaFile must be a PEM file of CA certificates: cannot read .*no-such\.pem: ENOENT/);
  fails({ env: { BERTH_TRUSTED_CA_FILE: file("empty.pem", "not a certificate") } }, /BERTH_TRUSTED_CA_FILE|environment.*trustedCaFile .*holds no PEM certificate/);
  fails({ flags: { trustedCaFile: file("broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n") } }, /certificate 1 of .*broken\.pem is not a valid X\.509 certificate/);
});
