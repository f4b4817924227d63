import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { BerthProcess } from "./harness.js";
import { createRepository, errorCode, Oci, registryPassword } from "./registry-kit.js";
import { issueToken, tokenSecret } from "../src/registry/auth-token.js";

let berth: BerthProcess;
before(async () => {
  berth = await BerthProcess.start();
});
after(async () => {
  await berth.dispose();
});

/** The server's signing secret, read from its database as an attacker with disk access could. */
function serverSecret(): Buffer {
  const db = new Database(join(berth.dataDir, "berth.sqlite"), { readonly: true });
  try {
    return tokenSecret(db);
  } finally {
    db.close();
  }
}

test("no credentials: 401 with a Basic challenge that docker login understands", async () => {
  const res = await new Oci(berth.endpoint, undefined).req("GET", "/v2/");
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("www-authenticate"), 'Basic realm="Berth registry"');
  assert.equal(res.headers.get("docker-distribution-api-version"), "registry/2.0");
  assert.equal(errorCode(res), "UNAUTHORIZED");
});

test("expired, forged and malformed tokens get 401 UNAUTHORIZED", async () => {
  await createRepository(berth, { repositoryName: "auth/web" });
  const secret = serverSecret();
  const expired = issueToken(secret, { account: "000000000000", region: "us-east-1" }, new Date(Date.now() - 13 * 3600_000)).password;
  const forged = issueToken(Buffer.alloc(32, 7), { account: "000000000000", region: "us-east-1" }, new Date()).password;
  const valid = await registryPassword(berth);
  const tampered = valid.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
  for (const [what, password] of [["expired", expired], ["forged", forged], ["tampered", tampered], ["junk", "not-a-token"]] as const) {
    for (const path of ["/v2/", "/v2/auth/web/tags/list"]) {
      const res = await new Oci(berth.endpoint, password).req("GET", path);
      assert.equal(res.status, 401, `${what} ${path}`);
      assert.equal(errorCode(res), "UNAUTHORIZED");
      assert.match(res.headers.get("www-authenticate") ?? "", /^Basic realm=/);
    }
  }
  const expiredRes = await new Oci(berth.endpoint, expired).req("GET", "/v2/");
  assert.match(expiredRes.json().errors[0].message, /expired/);
  // The user name must be AWS.
  const res = await fetch(`${berth.endpoint}/v2/`, { headers: { authorization: `Basic ${Buffer.from(`admin:${valid}`).toString("base64")}` } });
  assert.equal(res.status, 401);
  // A valid token works as Basic and as Bearer.
  assert.equal((await new Oci(berth.endpoint, valid).req("GET", "/v2/")).status, 200);
  assert.equal((await fetch(`${berth.endpoint}/v2/`, { headers: { authorization: `Bearer ${valid}` } })).status, 200);
});

test("a token's account and region select the repositories the registry serves", async () => {
  await createRepository(berth, { repositoryName: "scoped/app" }, "eu-west-1");
  const eu = new Oci(berth.endpoint, await registryPassword(berth, "eu-west-1"));
  const us = new Oci(berth.endpoint, await registryPassword(berth, "us-east-1"));
  const other = new Oci(berth.endpoint, await registryPassword(berth, "eu-west-1", "111122223333"));
  assert.equal((await eu.req("GET", "/v2/scoped/app/tags/list")).status, 200);
  assert.equal(errorCode(await us.req("GET", "/v2/scoped/app/tags/list")), "NAME_UNKNOWN");
  const foreign = await other.req("GET", "/v2/scoped/app/tags/list");
  assert.equal(errorCode(foreign), "NAME_UNKNOWN");
  assert.match(foreign.json().errors[0].message, /registry with id '111122223333'/);
  assert.deepEqual((await eu.req("GET", "/v2/_catalog")).json().repositories, ["scoped/app"]);
});

test("open mode serves the default account and region without credentials", async () => {
  const open = await BerthProcess.start({ args: ["--registry-auth", "open"] });
  try {
    await createRepository(open, { repositoryName: "open/web" });
    const anon = new Oci(open.endpoint, undefined);
    assert.equal((await anon.req("GET", "/v2/")).status, 200);
    assert.deepEqual((await anon.req("GET", "/v2/open/web/tags/list")).json(), { name: "open/web", tags: [] });
    const digest = await anon.pushBlob("open/web", "anonymous");
    assert.equal((await anon.req("GET", `/v2/open/web/blobs/${digest}`)).text, "anonymous");
  } finally {
    await open.dispose();
  }
});
