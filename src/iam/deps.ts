import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { CredentialSecrets } from "./credential-secrets.js";

export interface IamDeps {
  db: Db;
  clock: Clock;
  /** Seals access keys' secrets at rest. */
  secrets: CredentialSecrets;
}
