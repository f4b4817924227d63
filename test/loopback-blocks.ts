import { createServer, type Server } from "node:net";

/**
 * Test files run in parallel, each with its own Berths (and remote agents) on the one machine. Each
 * needs a loopback block of its own (tasks' awsvpc addresses, load balancers' addresses): two with
 * the same block would hand out the same address, and one's requests would reach the other's load
 * balancer. (A number derived from the pid alone collided now and then in CI.)
 *
 * A block is claimed by listening on an abstract Unix socket named for it (Linux): the kernel
 * gives a name to one socket at a time and frees it when the process holding it exits, however it
 * exits. Claim files under /tmp did the same with more ways to fail: a file left by a dead process
 * had to be removed, and two claimers removing the same stale file could both end up holding it.
 */
const FIRST = 20;
const COUNT = 230;
/** Berth's default blocks (src/core/config.ts): a Berth started without the harness's flags uses them. */
const DEFAULTS = new Set([10, 100]);
let next = process.pid % COUNT;
/** Held until this process exits: closing one would free its block while a Berth may still use it. */
const held: Server[] = [];

/** Claims `name` among live test processes: true if this process now holds it. */
function claim(name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const lock = createServer();
    lock.once("error", () => resolve(false));
    lock.listen(`\0berth-test-${name}`, () => {
      lock.unref(); // a held claim never keeps the test process alive
      held.push(lock);
      resolve(true);
    });
  });
}

/** The second octet n of a block 127.n.0.0/16 that no other live test process holds. */
export async function claimLoopbackBlock(): Promise<number> {
  for (let tried = 0; tried < COUNT; tried++) {
    const n = FIRST + (next++ % COUNT);
    if (!DEFAULTS.has(n) && (await claim(`loopback-block-${n}`))) return n;
  }
  throw new Error(`every loopback block 127.${FIRST}-${FIRST + COUNT - 1}.0.0/16 is held by a live test process`);
}

/**
 * A number in [0, count) under `kind` (a network namespace's subnet, ...) that no other live test
 * process holds, claimed the same way; the search starts at `from` (a pid, say).
 */
export async function claimNumber(kind: string, count: number, from: number): Promise<number> {
  for (let tried = 0; tried < count; tried++) {
    const n = (from + tried) % count;
    if (await claim(`${kind}-${n}`)) return n;
  }
  throw new Error(`every ${kind} (${count}) is held by a live test process`);
}
