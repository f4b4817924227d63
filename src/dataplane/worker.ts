import { parentPort, workerData } from "node:worker_threads";
import { DataPlaneEngine } from "./engine.js";
import { setThreadNice } from "./thread-priority.js";
import type { DataPlaneRequest, DataPlaneReply, DataPlaneStarted } from "./data-plane.js";

/**
 * The data plane's thread: one engine, driven by messages from DataPlane (data-plane.ts). Requests
 * are answered in order of completion, matched by id.
 */
const port = parentPort!;
const { nice } = workerData as { nice?: number };
if (nice !== undefined) {
  const set = setThreadNice(nice);
  port.postMessage({ op: "started", nice, applied: set.applied, ...(!set.applied && { reason: set.reason }) } satisfies DataPlaneStarted);
}
const engine = new DataPlaneEngine();

port.on("message", async (message: DataPlaneRequest) => {
  let reply: DataPlaneReply;
  try {
    switch (message.op) {
      case "apply":
        reply = { id: message.id, ok: true, value: await engine.apply(message.snapshot) };
        break;
      case "targetHealth":
        reply = { id: message.id, ok: true, value: engine.targetHealth() };
        break;
      case "trafficCounters":
        reply = { id: message.id, ok: true, value: engine.trafficCounters() };
        break;
      case "close":
        await engine.close();
        reply = { id: message.id, ok: true, value: undefined };
        break;
    }
  } catch (err) {
    reply = { id: message.id, ok: false, error: (err as Error).message };
  }
  port.postMessage(reply);
  if (message.op === "close") port.close();
});
