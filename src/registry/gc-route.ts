import type { FastifyInstance } from "fastify";
import type { GcScheduler } from "./gc-scheduler.js";

/**
 * POST /_berth/registry/gc: an operations endpoint that runs a garbage collection now and
 * answers its report (what was removed and kept), for operators who want disk space back
 * without waiting for registryGcIntervalSeconds, and for test suites.
 */
export function registerGcRoute(app: FastifyInstance, gc: GcScheduler): void {
  app.post("/_berth/registry/gc", async () => gc.run());
}
