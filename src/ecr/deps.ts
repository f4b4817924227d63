import type { Db } from "../store/database.js";
import type { Clock } from "../core/clock.js";
import type { RegistryStore } from "../registry/registry-store.js";
import type { ImageScans } from "../registry/scan/image-scans.js";
import type { Replicator } from "./replication.js";
import type { SecretReader } from "../secretsmanager/secret-reader.js";

/** What ECR handlers are built from; wired once in server.ts. */
export interface EcrDeps {
  db: Db;
  clock: Clock;
  store: RegistryStore;
  /** The registry token signing secret (registry/auth-token.ts). */
  secret: Buffer;
  /** host:port of the registry, as repository URIs name it (known once the server listens). */
  registryHost: () => string;
  /** Image scanning (basic scanning): scans, their findings, scan on push. */
  scans: ImageScans;
  /** Copies pushed images to the destinations of the replication configuration. */
  replicator: Replicator;
  /** Secrets Manager, for the credentials of pull-through cache rules. */
  secrets: SecretReader;
}
