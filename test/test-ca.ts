import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A certificate authority made for one test run with openssl, and a server certificate it issued
 * for 127.0.0.1: a local HTTPS endpoint Berth reaches when started with `--trusted-ca-file caFile`,
 * and refuses (an unknown issuer) without it.
 */
export interface TestCa {
  /** The CA's certificate (PEM file), for trustedCaFile. */
  caFile: string;
  /** The server's key and certificate (PEM), for https.createServer. */
  key: string;
  cert: string;
  dispose(): void;
}

export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), "berth-test-ca-"));
  const at = (name: string) => join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
  openssl("req", "-x509", ...ec, "-days", "2", "-keyout", at("ca.key"), "-out", at("ca.pem"), "-subj", "/CN=Berth Test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
  openssl("req", ...ec, "-keyout", at("server.key"), "-out", at("server.csr"), "-subj", "/CN=127.0.0.1");
  writeFileSync(at("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  openssl("x509", "-req", "-in", at("server.csr"), "-CA", at("ca.pem"), "-CAkey", at("ca.key"), "-CAcreateserial", "-days", "2",
    "-out", at("server.pem"), "-extfile", at("server.ext"));
  return {
    caFile: at("ca.pem"), key: readFileSync(at("server.key"), "utf8"), cert: readFileSync(at("server.pem"), "utf8"),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
