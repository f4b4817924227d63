import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../../core/logger.js";
import type { LaunchSpec } from "../../agent/protocol/task-runner.js";
import type { RoleSessions } from "../../sts/role-sessions.js";
import { createTaskCredentials } from "./task-credentials.js";

const TASK = "arn:aws:ecs:eu-west-1:123456789012:task/dev/0123456789abcdef";
const spec = (taskRoleArn?: string, overrideRole?: string): LaunchSpec => ({
  task: { taskArn: TASK, lastStatus: "PROVISIONING", overrides: overrideRole ? { taskRoleArn: overrideRole } : {} },
  taskDefinition: { family: "app", taskRoleArn },
});

function setup() {
  let now = Date.parse("2026-01-01T00:00:00Z");
  let n = 0;
  const calls: string[] = [];
  const rotated: string[] = [];
  const sessions: RoleSessions = {
    assumeRoleForService(scope, input) {
      if (input.roleArn.endsWith("/missing")) throw new Error("The role with name missing cannot be found.");
      calls.push(`assume ${scope.account} ${scope.region} ${input.roleArn} ${input.sessionName} ${input.service} ${input.durationSeconds}`);
      n++;
      return { accessKeyId: `ASIA${n}`, secretAccessKey: `secret${n}`, sessionToken: `token${n}`, expiration: new Date(now + input.durationSeconds * 1000) };
    },
    revoke: (id) => void calls.push(`revoke ${id}`),
  };
  const creds = createTaskCredentials({ roleSessions: sessions, clock: { now: () => new Date(now) }, log: createLogger("silent"), sessionSeconds: 3600, refreshSeconds: 1800, rotate: (arn) => void rotated.push(arn) });
  return { creds, calls, rotated, advance: (s: number) => (now += s * 1000) };
}

test("a task with a role gets a session named after it, of ecs-tasks.amazonaws.com, in the task's account and region", () => {
  const { creds, calls } = setup();
  const out = creds.withCredentials(spec("arn:aws:iam::123456789012:role/app"));
  assert.deepEqual(out.credentials, { roleArn: "arn:aws:iam::123456789012:role/app", accessKeyId: "ASIA1", secretAccessKey: "secret1", sessionToken: "token1", expiration: "2026-01-01T01:00:00.000Z" });
  assert.deepEqual(calls, ["assume 123456789012 eu-west-1 arn:aws:iam::123456789012:role/app 0123456789abcdef ecs-tasks.amazonaws.com 3600"]);
  // Delivered again (a resend): the same session, not a new one.
  assert.equal(creds.withCredentials(spec("arn:aws:iam::123456789012:role/app")).credentials?.accessKeyId, "ASIA1");
  assert.equal(calls.length, 1);
});

test("the override's role wins; a task without a role is unchanged", () => {
  const { creds } = setup();
  assert.equal(creds.withCredentials(spec("arn:aws:iam::123456789012:role/app", "arn:aws:iam::123456789012:role/over")).credentials?.roleArn, "arn:aws:iam::123456789012:role/over");
  const plain = spec();
  assert.equal(creds.withCredentials(plain), plain);
});

test("a role that cannot be assumed becomes the launch's credentialsError", () => {
  const { creds } = setup();
  const out = creds.withCredentials(spec("arn:aws:iam::123456789012:role/missing"));
  assert.equal(out.credentials, undefined);
  assert.equal(out.credentialsError, "unable to assume the task role arn:aws:iam::123456789012:role/missing: The role with name missing cannot be found.");
});

test("stopping revokes every session the task was given, rotations included", () => {
  const { creds, calls, advance } = setup();
  creds.withCredentials(spec("arn:aws:iam::123456789012:role/app"));
  advance(1800);
  assert.equal(creds.withCredentials(spec("arn:aws:iam::123456789012:role/app")).credentials?.accessKeyId, "ASIA2", "a due session is renewed at delivery");
  assert.equal(creds.current(TASK)?.accessKeyId, "ASIA2");
  creds.onReport({ taskArn: TASK, at: new Date(), lastStatus: "RUNNING" });
  assert.ok(!calls.some((c) => c.startsWith("revoke")));
  creds.onReport({ taskArn: TASK, at: new Date(), lastStatus: "STOPPED" });
  assert.deepEqual(calls.filter((c) => c.startsWith("revoke")), ["revoke ASIA1", "revoke ASIA2"]);
  assert.equal(creds.current(TASK), undefined);
});

test("a stopped task's launch gets no session", () => {
  const { creds, calls } = setup();
  const s = spec("arn:aws:iam::123456789012:role/app");
  s.task.desiredStatus = "STOPPED";
  assert.equal(creds.withCredentials(s).credentials, undefined);
  assert.deepEqual(calls, []);
});
