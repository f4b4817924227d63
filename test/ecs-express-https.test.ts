import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateExpressGatewayServiceCommand, DeleteExpressGatewayServiceCommand } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client, DescribeListenersCommand, DescribeLoadBalancersCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { ensureTestImage, TEST_IMAGE } from "./images.js";
import { waitFor } from "./wait.js";

/**
 * Express services on HTTPS, as on AWS, when the operator gives Berth (which has no ACM) the
 * certificate for *.ecs.REGION.on.aws as `ecs-express-gateway.pem` in loadBalancerCertificatesDir:
 * the endpoint is https://, the shared ALB's HTTPS:443 listener holds the host rules, and HTTP:80
 * redirects there.
 */
const dir = mkdtempSync(join(tmpdir(), "berth-express-https-"));
const certs = join(dir, "certs");
let berth: BerthProcess | undefined;
let elb: ElasticLoadBalancingV2Client | undefined;
after(async () => {
  elb?.destroy();
  await berth?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** A self-signed certificate (openssl) for the express names of us-east-1, with its key. */
function expressCertificate(): string {
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-subj", "/CN=*.ecs.us-east-1.on.aws", "-addext", "subjectAltName=DNS:*.ecs.us-east-1.on.aws"], { stdio: "ignore" });
  return readFileSync(join(dir, "cert.pem"), "utf8") + readFileSync(join(dir, "key.pem"), "utf8");
}

function get(module: typeof http | typeof https, address: string, port: number, host: string, options: https.RequestOptions = {}): Promise<{ status: number; body: string; location?: string } | undefined> {
  return new Promise((resolve) => {
    const req = module.request({ host: address, port, path: "/", agent: false, headers: { host }, timeout: 2000, ...options }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c)).on("end", () => resolve({ status: res.statusCode!, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.on("error", () => resolve(undefined)).on("timeout", () => req.destroy());
    req.end();
  });
}

test("with the operator's express certificate, the endpoint is HTTPS on the shared ALB and HTTP redirects to it", async () => {
  await ensureTestImage();
  mkdirSync(certs);
  const pem = expressCertificate();
  writeFileSync(join(certs, "ecs-express-gateway.pem"), pem);
  berth = await BerthProcess.start({ dataDir: join(dir, "data"), args: ["--load-balancer-certificates-dir", certs, "--load-balancer-health-check-speedup", "5"] });
  const ecs = berth.ecs();
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });

  const service = (await ecs.send(new CreateExpressGatewayServiceCommand({
    serviceName: "secure", executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole", infrastructureRoleArn: "arn:aws:iam::000000000000:role/ecsInfrastructureRoleForExpressServices",
    primaryContainer: { image: TEST_IMAGE, containerPort: 8080, command: ["sh", "-c", "mkdir -p /www && echo ok > /www/ping && echo secure > /www/index.html && exec httpd -f -p 8080 -h /www"] },
    cpu: "256", memory: "512",
  }))).service!;
  const endpoint = service.activeConfigurations![0]!.ingressPaths![0]!.endpoint!;
  assert.match(endpoint, /^https:\/\/secure-[0-9a-f]{8}\.ecs\.us-east-1\.on\.aws\/$/);
  const host = new URL(endpoint).hostname;
  const lb = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers![0]!;
  const address = lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
  const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn! }))).Listeners!;
  assert.deepEqual(listeners.map((l) => [l.Protocol, l.Port, l.DefaultActions![0]!.Type, l.Certificates?.[0]?.CertificateArn]).sort(), [
    ["HTTP", 80, "redirect", undefined],
    ["HTTPS", 443, "fixed-response", "arn:aws:acm:us-east-1:000000000000:certificate/ecs-express-gateway"],
  ]);

  // The client checks the name against the certificate (SNI and Host: the service's hostname).
  await waitFor("the service answers over HTTPS", async () => (await get(https, address, 443, host, { servername: host, ca: pem }))?.body === "secure\n" || undefined, 120_000);
  assert.deepEqual(await get(http, address, 80, host), { status: 301, body: "", location: `https://${host}:443/` });

  await ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: service.serviceArn }));
  assert.deepEqual((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, []);
});
