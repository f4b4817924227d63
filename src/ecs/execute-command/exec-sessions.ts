import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../core/clock.js";

/** What one ExecuteCommand session may reach: one container of one task, one command. */
export interface ExecTarget {
  sessionId: string;
  taskArn: string;
  clusterArn: string;
  containerName: string;
  /** The container's Docker id (the Container's runtimeId). */
  runtimeId: string;
  command: string;
  /** The CloudWatch Logs group (and its region) the session's output is recorded in, if any. */
  log?: { group: string; region: string };
}

/** How long a session's token may wait before the client opens the data channel. */
export const TOKEN_TTL_MS = 120_000;

export interface ExecSessions {
  /** A new session for `target`, and its token (returned once, kept only as a hash). */
  issue(target: Omit<ExecTarget, "sessionId">): { sessionId: string; tokenValue: string };
  /** Whether a session is waiting under this id. */
  pending(sessionId: string): boolean;
  /**
   * The session's target when `token` is its token and it has not expired; the session is then
   * used up, whatever the outcome of this call, so a token opens one data channel at most and a
   * wrong guess costs the session.
   */
  claim(sessionId: string, token: string): ExecTarget | undefined;
}

const digest = (token: string) => createHash("sha256").update(token).digest();

/**
 * Sessions live in memory: a token is short-lived and single-use, so a restart simply invalidates
 * the ones not yet opened (the client asks ExecuteCommand again). Tokens are compared by their
 * SHA-256 in constant time and never stored or logged.
 */
export function createExecSessions({ clock }: { clock: Clock }): ExecSessions {
  const waiting = new Map<string, { target: ExecTarget; tokenHash: Buffer; expiresAt: number }>();
  const sweep = () => {
    const now = clock.now().getTime();
    for (const [id, s] of waiting) if (s.expiresAt <= now) waiting.delete(id);
  };
  return {
    issue(target) {
      sweep();
      // AWS's session ids: ecs-execute-command-<17 hex digits>.
      const sessionId = `ecs-execute-command-${randomBytes(9).toString("hex").slice(0, 17)}`;
      const tokenValue = randomBytes(48).toString("base64url");
      waiting.set(sessionId, { target: { ...target, sessionId }, tokenHash: digest(tokenValue), expiresAt: clock.now().getTime() + TOKEN_TTL_MS });
      return { sessionId, tokenValue };
    },
    pending(sessionId) {
      sweep();
      return waiting.has(sessionId);
    },
    claim(sessionId, token) {
      sweep();
      const s = waiting.get(sessionId);
      if (!s) return undefined;
      waiting.delete(sessionId);
      return timingSafeEqual(s.tokenHash, digest(token)) ? s.target : undefined;
    },
  };
}
