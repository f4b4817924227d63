import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type tls from "node:tls";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import {
  AddListenerCertificatesCommand, DescribeListenerCertificatesCommand, DescribeListenersCommand, DescribeSSLPoliciesCommand, ElasticLoadBalancingV2Client,
  RemoveListenerCertificatesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BerthProcess } from "./harness.js";
import { failure } from "./failure.js";

/**
 * An HTTPS listener's certificate list (SNI) and the SSL policies, end to end: certificates added
 * with AddListenerCertificates are presented to clients asking for their names; the default one
 * answers every other name and cannot be removed; DescribeSSLPolicies lists the policies listeners
 * accept.
 */
const dir = mkdtempSync(join(tmpdir(), "berth-elb-sni-"));
const certs = join(dir, "certs");
let berth: BerthProcess | undefined;
let elb: ElasticLoadBalancingV2Client | undefined;
const backends: http.Server[] = [];
const arn = (name: string) => `arn:aws:acm:us-east-1:000000000000:certificate/${name}`;

after(async () => {
  elb?.destroy();
  await berth?.dispose();
  for (const b of backends) b.closeAllConnections(), b.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A self-signed certificate for `host`, saved as NAME.pem; returns the certificate (the CA to trust). */
function selfSigned(name: string, host: string): string {
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-subj", `/CN=${host}`, "-addext", `subjectAltName=DNS:${host}`], { stdio: "ignore" });
  const cert = readFileSync(join(dir, "cert.pem"), "utf8");
  writeFileSync(join(certs, `${name}.pem`), cert + readFileSync(join(dir, "key.pem"), "utf8"));
  return cert;
}

/** The certificate's CN the listener presents for `servername` (trusting both test certificates), and the body. */
function presented(address: string, port: number, servername: string, ca: string[]): Promise<{ cn: string; body: string }> {
  return new Promise((resolve, reject) => {
    // The chain is verified against the test CAs; the name is not, so a default certificate for another name can be seen.
    https.get({ host: address, port, path: "/", servername, ca, agent: false, headers: { host: servername }, checkServerIdentity: () => undefined }, (res) => {
      const cn = String((res.socket as tls.TLSSocket).getPeerCertificate().subject?.CN ?? "");
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => resolve({ cn, body }));
    }).on("error", reject);
  });
}

test("SNI certificates: AddListenerCertificates serves a second name; the default answers the rest and stays", async () => {
  mkdirSync(certs);
  const ca = [selfSigned("shop", "shop.example.test"), selfSigned("api", "api.example.test")];
  berth = await BerthProcess.start({ args: ["--load-balancer-certificates-dir", certs] });
  elb = new ElasticLoadBalancingV2Client({ endpoint: berth.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  const target = http.createServer((req, res) => res.end(`hello ${req.headers.host}`));
  backends.push(target);
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));

  const lb = (await berth.aws("elbv2", "create-load-balancer", "--name", "sni", "--type", "application", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0];
  const address: string = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
  const tg = (await berth.aws("elbv2", "create-target-group", "--name", "sni", "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1")).TargetGroups[0];
  await berth.aws("elbv2", "register-targets", "--target-group-arn", tg.TargetGroupArn, "--targets", `Id=127.0.0.1,Port=${(target.address() as AddressInfo).port}`);
  // Also taken on 127.0.0.1 by the localhost front: a port per test process, so parallel runs do not compete.
  const port = 21000 + (process.pid % 9000);
  const listener = (await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "HTTPS", "--port", String(port),
    "--certificates", `CertificateArn=${arn("shop")}`, "--default-actions", `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`)).Listeners[0];
  const http80 = (await berth.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "HTTP", "--port", "8080",
    "--default-actions", `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`)).Listeners[0];

  // Only the default certificate so far: it answers every name.
  assert.equal((await presented(address, port, "api.example.test", ca)).cn, "shop.example.test");

  const added = await berth.aws("elbv2", "add-listener-certificates", "--listener-arn", listener.ListenerArn, "--certificates", `CertificateArn=${arn("api")}`);
  assert.deepEqual(added.Certificates, [{ CertificateArn: arn("api"), IsDefault: false }]);
  assert.deepEqual((await presented(address, port, "api.example.test", ca)), { cn: "api.example.test", body: "hello api.example.test" });
  assert.equal((await presented(address, port, "shop.example.test", ca)).cn, "shop.example.test");
  assert.equal((await presented(address, port, "other.example.test", ca)).cn, "shop.example.test");

  // The localhost front on 127.0.0.1 routes HTTPS by SNI: the DNSName, or a name the listener's certificates cover.
  const dnsName: string = lb.DNSName;
  assert.deepEqual(await presented("127.0.0.1", port, dnsName, ca), { cn: "shop.example.test", body: `hello ${dnsName}` });
  assert.deepEqual(await presented("127.0.0.1", port, "api.example.test", ca), { cn: "api.example.test", body: "hello api.example.test" });
  // A name no HTTPS listener on that port has: the handshake fails.
  await assert.rejects(presented("127.0.0.1", port, "nobody.example.test", ca));

  const list = async () => (await elb!.send(new DescribeListenerCertificatesCommand({ ListenerArn: listener.ListenerArn }))).Certificates;
  const expected = [{ CertificateArn: arn("shop"), IsDefault: true }, { CertificateArn: arn("api"), IsDefault: false }];
  assert.deepEqual(await list(), expected);
  // DescribeListeners shows only the default certificate, as on AWS.
  assert.deepEqual((await elb.send(new DescribeListenersCommand({ ListenerArns: [listener.ListenerArn] }))).Listeners![0]!.Certificates, [{ CertificateArn: arn("shop") }]);
  // Adding one that is already there succeeds and adds nothing.
  await elb.send(new AddListenerCertificatesCommand({ ListenerArn: listener.ListenerArn, Certificates: [{ CertificateArn: arn("api") }, { CertificateArn: arn("shop") }] }));
  assert.deepEqual(await list(), expected);
  // Pages.
  const first = await elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: listener.ListenerArn, PageSize: 1 }));
  assert.deepEqual(first.Certificates, [expected[0]]);
  assert.deepEqual((await elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: listener.ListenerArn, PageSize: 1, Marker: first.NextMarker }))).Certificates, [expected[1]]);

  // Bad input: AWS's errors, nothing changes.
  const missing = await failure(elb.send(new AddListenerCertificatesCommand({ ListenerArn: listener.ListenerArn, Certificates: [{ CertificateArn: arn("gone") }] })));
  assert.equal(missing.name, "CertificateNotFoundException");
  assert.equal(missing.message, `Certificate '${arn("gone")}' not found`);
  const removeDefault = await failure(elb.send(new RemoveListenerCertificatesCommand({ ListenerArn: listener.ListenerArn, Certificates: [{ CertificateArn: arn("shop") }] })));
  assert.equal(removeDefault.name, "OperationNotPermittedException");
  const onHttp = await failure(elb.send(new AddListenerCertificatesCommand({ ListenerArn: http80.ListenerArn, Certificates: [{ CertificateArn: arn("api") }] })));
  assert.equal(onHttp.name, "ValidationError");
  const noListener = await failure(elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: `${listener.ListenerArn}0` })));
  assert.equal(noListener.name, "ListenerNotFoundException");
  assert.deepEqual(await list(), expected);

  // Removed: the name falls back to the default certificate.
  await berth.aws("elbv2", "remove-listener-certificates", "--listener-arn", listener.ListenerArn, "--certificates", `CertificateArn=${arn("api")}`);
  assert.deepEqual(await list(), [expected[0]]);
  assert.equal((await presented(address, port, "api.example.test", ca)).cn, "shop.example.test");
});

test("DescribeSSLPolicies lists the policies listeners accept, with their protocols; unknown names are SSLPolicyNotFound", async () => {
  const all = await berth!.aws("elbv2", "describe-ssl-policies");
  const names: string[] = all.SslPolicies.map((p: { Name: string }) => p.Name);
  assert.ok(names.includes("ELBSecurityPolicy-2016-08") && names.includes("ELBSecurityPolicy-TLS13-1-2-2021-06"));
  const one = (await elb!.send(new DescribeSSLPoliciesCommand({ Names: ["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-2016-08"] }))).SslPolicies!;
  assert.deepEqual(one.map((p) => [p.Name, p.SslProtocols]), [
    ["ELBSecurityPolicy-TLS13-1-2-2021-06", ["TLSv1.2", "TLSv1.3"]],
    ["ELBSecurityPolicy-2016-08", ["TLSv1", "TLSv1.1", "TLSv1.2"]],
  ]);
  assert.ok(one[0]!.Ciphers!.some((c) => c.Name === "TLS_AES_128_GCM_SHA256" && c.Priority === 1));
  assert.ok(!one[1]!.Ciphers!.some((c) => c.Name!.startsWith("TLS_")));
  assert.deepEqual(one[0]!.SupportedLoadBalancerTypes, ["application", "network"]);
  const unknown = await failure(elb!.send(new DescribeSSLPoliciesCommand({ Names: ["ELBSecurityPolicy-Nope"] })));
  assert.equal(unknown.name, "SSLPolicyNotFoundException");
  assert.equal(unknown.message, "SSL policy 'ELBSecurityPolicy-Nope' not found");
  const page1 = await elb!.send(new DescribeSSLPoliciesCommand({ PageSize: 5 }));
  assert.equal(page1.SslPolicies!.length, 5);
  const page2 = await elb!.send(new DescribeSSLPoliciesCommand({ PageSize: 400, Marker: page1.NextMarker }));
  assert.deepEqual([...page1.SslPolicies!, ...page2.SslPolicies!].map((p) => p.Name), names);
  assert.deepEqual((await elb!.send(new DescribeSSLPoliciesCommand({ LoadBalancerType: "gateway" }))).SslPolicies, []);
});
