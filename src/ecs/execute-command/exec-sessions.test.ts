import { test } from "node:test";
import assert from "node:assert/strict";
import { createExecSessions, TOKEN_TTL_MS } from "./exec-sessions.js";

const target = { taskArn: "arn:aws:ecs:us-east-1:000000000000:task/c/0123456789abcdef0123456789abcdef", clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/c", containerName: "app", runtimeId: "abc", command: "/bin/sh" };

test("a token opens its own session once, within its lifetime; a wrong one uses the session up", () => {
  let now = 1_000_000;
  const sessions = createExecSessions({ clock: { now: () => new Date(now) } });

  const a = sessions.issue(target);
  const b = sessions.issue(target);
  assert.notEqual(a.sessionId, b.sessionId);
  assert.notEqual(a.tokenValue, b.tokenValue);
  assert.equal(sessions.claim(a.sessionId, b.tokenValue), undefined, "another session's token");
  assert.equal(sessions.pending(a.sessionId), false, "a wrong token uses the session up");
  assert.deepEqual(sessions.claim(b.sessionId, b.tokenValue), { ...target, sessionId: b.sessionId });
  assert.equal(sessions.claim(b.sessionId, b.tokenValue), undefined, "single use");

  const c = sessions.issue(target);
  now += TOKEN_TTL_MS;
  assert.equal(sessions.pending(c.sessionId), false);
  assert.equal(sessions.claim(c.sessionId, c.tokenValue), undefined, "expired");
  const d = sessions.issue(target);
  now += TOKEN_TTL_MS - 1;
  assert.equal(sessions.claim(d.sessionId, d.tokenValue)?.sessionId, d.sessionId);
});
