import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type tls from "node:tls";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { ElasticLoadBalancingV2Client, CreateListenerCommand, DescribeListenersCommand, ModifyListenerCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { failure } from "./failure.js";
import { waitFor } from "./wait.js";

/**
 * HTTPS listeners end to end: Berth has no ACM, so the certificate is a PEM file in the directory
 * `--load-balancer-certificates-dir` names, found by the ARN's last part. The AWS CLI creates the
 * listener; an HTTPS client trusting the self-signed certificate (made here with openssl) reaches
 * the target through it; unknown certificates and policies get AWS's errors and change nothing.
 */
const dir = mkdtempSync(join(tmpdir(), "berth-elb-https-"));
const certs = join(dir, "certs");
let berth: BerthProcess | undefined;
let elb: ElasticLoadBalancingV2Client | undefined;
const backends: http.Server[] = [];

after(async () => {
  elb?.destroy();
  await berth?.dispose();
  for (const b of backends) b.closeAllConnections(), b.close();
  rmSync(dir, { recursive: true, force: true });
});

function selfSigned(name: string): string {
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-subj", `/CN=${name}`, "-addext", `subjectAltName=DNS:${name}`], { stdio: "ignore" });
  return readFileSync(join(dir, "cert.pem"), "utf8") + readFileSync(join(dir, "key.pem"), "utf8");
}

function httpsGet(address: string, port: number, servername: string, ca: string, options: https.RequestOptions = {}): Promise<{ status: number; body: string; subject: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: address, port, path: "/", servername, ca, agent: false, headers: { host: servername }, ...options }, (res) => {
      const subject = String((res.socket as tls.TLSSocket).getPeerCertificate().subject?.CN ?? "");
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => resolve({ status: res.statusCode!, body, subject }));
    });
    req.on("error", reject).end();
  });
}

test("an HTTPS listener presents the user's certificate from loadBalancerCertificatesDir and forwards to the target", async () => {
  execFileSync("mkdir", ["-p", certs]);
  const pem = selfSigned("shop.example.test");
  writeFileSync(join(certs, "shop.pem"), pem);
  const certificateArn = "arn:aws:acm:us-east-1:000000000000:certificate/shop";

  berth = await BerthProcess.start({ dataDir: join(dir, "data"), args: ["--load-balancer-certificates-dir", certs] });
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  const target = http.createServer((req, res) => res.end(`shop ${req.headers["x-forwarded-proto"]} ${req.headers["x-forwarded-port"]}`));
  backends.push(target);
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));

  const lb = (await berth.aws("elbv2", "create-load-balancer", "--name", "shop", "--type", "application", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0];
  const address: string = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
  const tg = (await berth.aws("elbv2", "create-target-group", "--name", "shop", "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1")).TargetGroups[0];
  await berth.aws("elbv2", "register-targets", "--target-group-arn", tg.TargetGroupArn, "--targets", `Id=127.0.0.1,Port=${(target.address() as AddressInfo).port}`);
  const forward = [{ Type: "forward" as const, TargetGroupArn: tg.TargetGroupArn as string }];

  // Bad input: AWS's errors, and no listener appears.
  const unknown = await failure(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTPS", Port: 443, DefaultActions: forward, Certificates: [{ CertificateArn: `${certificateArn}-gone` }] })));
  assert.equal(unknown.name, "CertificateNotFoundException");
  assert.equal(unknown.message, `Certificate '${certificateArn}-gone' not found`);
  const policy = await failure(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTPS", Port: 443, DefaultActions: forward, Certificates: [{ CertificateArn: certificateArn }], SslPolicy: "ELBSecurityPolicy-Nope" })));
  assert.equal(policy.name, "SSLPolicyNotFoundException");
  assert.equal(policy.message, "SSL policy 'ELBSecurityPolicy-Nope' not found");
  assert.equal((await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners!.length, 0);

  // The CLI call a user makes; the API's default policy is AWS's for the API (the console picks a newer one).
  const listener = (await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "HTTPS", "--port", "443",
    "--certificates", `CertificateArn=${certificateArn}`, "--default-actions", `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`)).Listeners[0];
  assert.equal(listener.SslPolicy, "ELBSecurityPolicy-2016-08");
  assert.deepEqual(listener.Certificates, [{ CertificateArn: certificateArn }]);

  const res = await httpsGet(address, 443, "shop.example.test", pem);
  assert.equal(res.status, 200);
  assert.equal(res.subject, "shop.example.test");
  assert.equal(res.body, "shop https 443");

  // A TLS 1.3-only policy: a client limited to TLS 1.2 is refused once the change is served.
  await elb.send(new ModifyListenerCommand({ ListenerArn: listener.ListenerArn, SslPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06" }));
  await waitFor("the TLS 1.3-only policy", async () => (await httpsGet(address, 443, "shop.example.test", pem, { maxVersion: "TLSv1.2" }).then(() => false, () => true)) || undefined);
  assert.equal((await httpsGet(address, 443, "shop.example.test", pem)).body, "shop https 443");
  const bad = await failure(elb.send(new ModifyListenerCommand({ ListenerArn: listener.ListenerArn, Certificates: [{ CertificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/../../etc/passwd" }] })));
  assert.equal(bad.name, "CertificateNotFoundException");
  assert.equal((await elb.send(new DescribeListenersCommand({ ListenerArns: [listener.ListenerArn] }))).Listeners![0]!.SslPolicy, "ELBSecurityPolicy-TLS13-1-3-2021-06");
});
