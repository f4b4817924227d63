import type { Scope } from "../core/arn.js";

/** Temporary credentials of a session, as STS's Credentials shape carries them. */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/**
 * Assumed-role sessions minted inside Berth, for the task credentials endpoint: each task with a
 * taskRoleArn gets a session of that role, as ECS's agent obtains it (the role's trust policy must
 * let `ecs-tasks.amazonaws.com` assume it), and the session ends when the task stops. Credentials
 * given here are accepted by strict SigV4 until they expire or are revoked, and calls made with
 * them are the assumed role (GetCallerIdentity: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION).
 */
export interface RoleSessions {
  /** Throws the STS/IAM error AWS gives (NoSuchEntity for a missing role, AccessDenied when the trust policy refuses). */
  assumeRoleForService(scope: Scope, input: { roleArn: string; sessionName: string; service: string; durationSeconds: number }): TemporaryCredentials;
  /** The credentials stop working at once (the task stopped). */
  revoke(accessKeyId: string): void;
}
