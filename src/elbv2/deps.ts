import type { Clock } from "../core/clock.js";
import type { Config } from "../core/config.js";
import type { Db } from "../store/database.js";
import type { TargetHealthSource } from "./targets/target-health.js";

/** What the ELBv2 API needs from the composition root. */
export interface Elbv2Deps {
  db: Db;
  clock: Clock;
  config: Pick<Config, "loadBalancerCidr" | "availabilityZones" | "loadBalancerCertificatesDir">;
  /** Where target health comes from: the data plane's health checks once it runs, the store's view before. */
  health: TargetHealthSource;
  /**
   * Called after a mutating call's transaction committed; resolves once the data plane serves the
   * change (so `create-listener` then `curl` works). Absent: nothing serves traffic.
   */
  changed?: () => Promise<void>;
  /** Why some listener of a load balancer serves nothing (data-plane-feed.ts), reported as its State. */
  unboundListeners?: (loadBalancerArn: string) => string | undefined;
}
