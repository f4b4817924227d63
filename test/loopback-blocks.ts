import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Test files run in parallel, each with its own Berths on the one machine. Each Berth needs a
 * loopback block of its own (tasks' awsvpc addresses, load balancers' addresses): two Berths with
 * the same block would hand out the same address, and one's requests would reach the other's load
 * balancer. A block is claimed with a file created exclusively under the temporary directory,
 * naming the test process that holds it; the block of a process that has exited is free again.
 * (A number derived from the pid alone collided now and then in CI.)
 */
const claims = join(tmpdir(), "berth-test-loopback-blocks");
const FIRST = 20;
const COUNT = 230;
let next = process.pid % COUNT;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Claims the file for block n: true if this process now holds it. */
function claim(n: number): boolean {
  const file = join(claims, String(n));
  try {
    writeFileSync(file, String(process.pid), { flag: "wx" });
    return true;
  } catch {
    const holder = Number(readFileSync(file, "utf8").trim() || "0");
    if (holder === process.pid || holder === 0 || alive(holder)) return false;
    // Its process exited: free it, then race the other claimers for it again.
    rmSync(file, { force: true });
    return claim(n);
  }
}

/** The second octet n of a block 127.n.0.0/16 no other live test process holds. */
export function claimLoopbackBlock(): number {
  mkdirSync(claims, { recursive: true });
  for (let tried = 0; tried < COUNT; tried++) {
    const n = FIRST + (next++ % COUNT);
    if (claim(n)) return n;
  }
  throw new Error(`every loopback block 127.${FIRST}-${FIRST + COUNT - 1}.0.0/16 is held by a live test process (${claims})`);
}
