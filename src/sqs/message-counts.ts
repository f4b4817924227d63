import type { Queue } from "./queue-store.js";

/**
 * ApproximateNumberOfMessages (visible), ...NotVisible (received, in flight) and ...Delayed (not
 * yet visible, never received). Counted exactly: Berth holds every message in one place.
 */
export function countMessages(q: Queue, now: number): { visible: number; notVisible: number; delayed: number } {
  let visible = 0;
  let notVisible = 0;
  let delayed = 0;
  for (const m of q.messages.values()) {
    if (m.visibleAt <= now) visible++;
    else if (m.receiveCount > 0) notVisible++;
    else delayed++;
  }
  return { visible, notVisible, delayed };
}
