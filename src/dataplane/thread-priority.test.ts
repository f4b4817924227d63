import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { startDataPlane, type DataPlaneStarted } from "./data-plane.js";
import { threadNices } from "../../test/thread-nices.js";

test("the data plane's worker thread takes the nice value it is given; every other thread keeps its own", async () => {
  const before = threadNices();
  // 7: raising a nice value needs no privilege, so the test holds as any user.
  let plane: ReturnType<typeof startDataPlane> | undefined;
  const report = await new Promise<DataPlaneStarted>((resolve) => (plane = startDataPlane({ nice: 7, onStarted: resolve })));
  try {
    assert.equal(report.applied, true, report.reason);
    assert.equal(report.nice, 7);
    const now = threadNices();
    const at7 = [...now].filter(([, nice]) => nice === 7).map(([tid]) => tid);
    assert.equal(at7.length, 1, `one thread at nice 7: ${JSON.stringify([...now])}`);
    assert.ok(!before.has(at7[0]!), "the thread at 7 is the new worker's");
    for (const [tid, nice] of before) if (now.has(tid)) assert.equal(now.get(tid), nice, `thread ${tid} kept its nice value`);
  } finally {
    await plane!.close();
  }
});

test("without the privilege to lower it, the data plane reports why and serves as before", () => {
  // In a process of its own without CAP_SYS_NICE: root drops it with util-linux's setpriv (the
  // bounding set, so the exec'd node never has it); any other user has no such privilege anyway.
  // A script's dynamic import (not --input-type=module: a worker inherits the flag and fails on it).
  const script = `import(${JSON.stringify(new URL("./data-plane.js", import.meta.url).href)}).then(({ startDataPlane }) => {
    const plane = startDataPlane({ nice: -5, onStarted: async (s) => {
      console.log(JSON.stringify({ report: s, health: await plane.targetHealth() }));
      await plane.close();
    } });
  });`;
  const [command, ...args] = process.getuid?.() === 0
    ? ["setpriv", "--inh-caps=-sys_nice", "--bounding-set=-sys_nice", process.execPath, "-e", script]
    : [process.execPath, "-e", script];
  const child = spawnSync(command!, args, { encoding: "utf8", timeout: 30_000 });
  assert.equal(child.status, 0, child.stderr);
  const { report, health } = JSON.parse(child.stdout) as { report: DataPlaneStarted; health: unknown[] };
  assert.equal(report.applied, false);
  assert.match(report.reason ?? "", /EACCES|EPERM/);
  // The worker answers requests all the same.
  assert.deepEqual(health, []);
});
