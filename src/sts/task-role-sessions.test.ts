import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { openDatabase } from "../store/database.js";
import { defaults } from "../core/config.js";
import type { Clock } from "../core/clock.js";
import { resolveCaller } from "../aws/request-context.js";
import { insertRole } from "../iam/roles.js";
import { issuedCredentials } from "../iam/issued-credentials.js";
import { createRoleSessions } from "./task-role-sessions.js";
import type { TemporaryCredentials } from "./role-sessions.js";

const ACCOUNT = "123456789012";
const trust = (service: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "berth-sessions-"));
  const db = openDatabase(dir);
  let now = new Date("2026-06-01T12:00:00Z");
  const clock: Clock = { now: () => now };
  for (const [name, service] of [["task", "ecs-tasks.amazonaws.com"], ["ec2", "ec2.amazonaws.com"]] as const) {
    insertRole(db, ACCOUNT, {
      Path: "/", RoleName: name, RoleId: `AROA${name.toUpperCase().padEnd(17, "X")}`, Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
      CreateDate: now.toISOString(), AssumeRolePolicyDocument: trust(service), MaxSessionDuration: 3600, Tags: [],
    });
  }
  const config = { ...defaults, strictSigv4: true, credentials: { root: "root-secret" } };
  return { db, clock, config, advance: (s: number) => (now = new Date(now.getTime() + s * 1000)), dispose: () => (db.close(), rmSync(dir, { recursive: true })) };
}

/** A request signed as the SDKs sign it, at the clock's time, with the session token header. */
async function signed(c: TemporaryCredentials, clock: Clock, { token = c.sessionToken }: { token?: string } = {}) {
  const body = "Action=GetCallerIdentity&Version=2011-06-15";
  const signer = new SignatureV4({ credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: token }, region: "us-east-1", service: "sts", sha256: Sha256 });
  const req = await signer.sign({ method: "POST", protocol: "http:", hostname: "127.0.0.1", path: "/", query: {}, headers: { host: "127.0.0.1", "content-type": "application/x-www-form-urlencoded" }, body }, { signingDate: clock.now() });
  return { method: "POST", url: "/", headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v])), body };
}

test("a task role session is the assumed role under strict SigV4 until it expires, then ExpiredToken", async () => {
  const { db, clock, config, advance, dispose } = setup();
  try {
    const sessions = createRoleSessions({ db, clock });
    const creds = sessions.assumeRoleForService({ account: ACCOUNT, region: "us-east-1" }, { roleArn: `arn:aws:iam::${ACCOUNT}:role/task`, sessionName: "0123abcd", service: "ecs-tasks.amazonaws.com", durationSeconds: 900 });
    assert.match(creds.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(creds.expiration.getTime(), clock.now().getTime() + 900_000);
    const deps = { config, clock, issued: issuedCredentials(db) };
    const caller = resolveCaller(await signed(creds, clock), deps, "sts");
    assert.equal(caller.account, ACCOUNT);
    assert.equal(caller.principal?.arn, `arn:aws:sts::${ACCOUNT}:assumed-role/task/0123abcd`);
    assert.equal(caller.principal?.userId, "AROATASKXXXXXXXXXXXXX:0123abcd");
    // A wrong or missing token: the key is not valid without its own.
    const noToken = await signed(creds, clock);
    delete (noToken.headers as Record<string, unknown>)["x-amz-security-token"];
    assert.throws(() => resolveCaller(noToken, deps, "sts"), { code: "UnrecognizedClientException" });
    const wrongToken = await signed(creds, clock, { token: "other" });
    assert.throws(() => resolveCaller(wrongToken, deps, "sts"), { code: "UnrecognizedClientException", message: "The security token included in the request is invalid." });
    // Still valid a second before the expiration, expired at it.
    advance(899);
    assert.equal(resolveCaller(await signed(creds, clock), deps, "sts").principal?.name, "task");
    advance(1);
    const late = await signedNow();
    assert.throws(() => resolveCaller(late, deps, "sts"), { code: "ExpiredTokenException", message: "The security token included in the request is expired" });
    async function signedNow() {
      return signed(creds, clock);
    }
  } finally {
    dispose();
  }
});

test("revoke makes a session's credentials fail at once; the trust policy must name the service; a missing role is NoSuchEntity", async () => {
  const { db, clock, config, dispose } = setup();
  try {
    const sessions = createRoleSessions({ db, clock });
    const scope = { account: ACCOUNT, region: "us-east-1" };
    const creds = sessions.assumeRoleForService(scope, { roleArn: `arn:aws:iam::${ACCOUNT}:role/task`, sessionName: "t1", service: "ecs-tasks.amazonaws.com", durationSeconds: 3600 });
    const deps = { config, clock, issued: issuedCredentials(db) };
    const req = await signed(creds, clock);
    assert.equal(resolveCaller(req, deps, "sts").principal?.type, "AssumedRole");
    sessions.revoke(creds.accessKeyId);
    assert.throws(() => resolveCaller(req, deps, "sts"), { code: "UnrecognizedClientException" });
    assert.throws(() => sessions.assumeRoleForService(scope, { roleArn: `arn:aws:iam::${ACCOUNT}:role/ec2`, sessionName: "t2", service: "ecs-tasks.amazonaws.com", durationSeconds: 3600 }), {
      code: "AccessDeniedException", message: `User: ecs-tasks.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/ec2`,
    });
    assert.throws(() => sessions.assumeRoleForService(scope, { roleArn: `arn:aws:iam::${ACCOUNT}:role/nope`, sessionName: "t3", service: "ecs-tasks.amazonaws.com", durationSeconds: 3600 }), {
      code: "NoSuchEntityException", message: "The role with name nope cannot be found.",
    });
  } finally {
    dispose();
  }
});
