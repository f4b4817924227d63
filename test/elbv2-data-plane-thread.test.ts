import { test, after } from "node:test";
import assert from "node:assert/strict";
import { BerthProcess } from "./harness.js";
import { waitFor } from "./wait.js";
import { threadNices } from "./thread-nices.js";

/**
 * The load balancers' data plane runs in its own thread at loadBalancerThreadNice (default -10,
 * src/dataplane/thread-priority.ts): `berth up` wires the setting through to that thread, and only
 * to it. Read from /proc, as `ps -L -o tid,ni` shows it.
 */
let berth: BerthProcess | undefined;
after(async () => berth?.dispose());

async function loadBalancer(name: string): Promise<void> {
  const lb = (await berth!.aws("elbv2", "create-load-balancer", "--name", name, "--type", "application", "--subnets", "subnet-a", "subnet-b")).LoadBalancers[0];
  const tg = (await berth!.aws("elbv2", "create-target-group", "--name", name, "--protocol", "HTTP", "--port", "80", "--target-type", "ip", "--vpc-id", "vpc-1")).TargetGroups[0];
  await berth!.aws("elbv2", "create-listener", "--load-balancer-arn", lb.LoadBalancerArn, "--protocol", "HTTP", "--port", "8080",
    "--default-actions", `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`);
}

test("the data plane's thread runs at loadBalancerThreadNice, and no other thread of Berth does", async () => {
  berth = await BerthProcess.start({ args: ["--load-balancer-thread-nice", "5"] });
  const pid = berth.proc.pid!;
  assert.equal([...threadNices(pid).values()].filter((n) => n === 5).length, 0, "no data plane before the first load balancer");
  await loadBalancer("web");
  const at5 = await waitFor("a thread at nice 5", async () => {
    const tids = [...threadNices(pid)].filter(([, n]) => n === 5).map(([tid]) => tid);
    return tids.length > 0 ? tids : undefined;
  });
  assert.equal(at5.length, 1, "one thread: the data plane's");
  const nices = threadNices(pid);
  for (const [tid, nice] of nices) if (!at5.includes(tid)) assert.equal(nice, nices.get(pid), `thread ${tid} keeps the main thread's nice value`);
  await berth.dispose();
  berth = undefined;
});

test("a value outside -20..19 is refused at start with the setting named", async () => {
  await assert.rejects(BerthProcess.start({ args: ["--load-balancer-thread-nice=-21"] }), /loadBalancerThreadNice must be a whole number from -20 to 19, got -21/);
});
