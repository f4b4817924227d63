import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { workerWithSemiSpace } from "./young-generation.js";

/** A worker that reports the size of its young generation's semi-space (V8's new_space space_size) in MB, and exits. */
const probe = new URL(`data:text/javascript,${encodeURIComponent(`
  import v8 from "node:v8";
  import { parentPort } from "node:worker_threads";
  parentPort.postMessage(v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / 2 ** 20);
`)}`);

async function youngGenerationMb(worker: Worker): Promise<number> {
  const [mb] = (await once(worker, "message")) as [number];
  await once(worker, "exit");
  return mb;
}

test("the worker gets semi-spaces of the size asked; a worker made after it gets V8's default again", async () => {
  const plainBefore = await youngGenerationMb(new Worker(probe));
  assert.ok(plainBefore < 16, `V8's default semi-space here is ${plainBefore} MB`);
  assert.equal(await youngGenerationMb(workerWithSemiSpace(probe, 16)), 16);
  // The flags were put back once the worker's isolate existed: later isolates are sized by V8 as before.
  assert.equal(await youngGenerationMb(new Worker(probe)), plainBefore);
});

test("a worker that cannot start puts the flags back too", async () => {
  const broken = workerWithSemiSpace(new URL("data:text/javascript,throw new Error('broken')"), 16);
  const exited = new Promise((resolve) => broken.once("exit", resolve));
  const [err] = (await once(broken, "error")) as [Error];
  assert.match(err.message, /broken/);
  await exited;
  const plain = await youngGenerationMb(new Worker(probe));
  assert.ok(plain < 16, `a later worker's semi-space is ${plain} MB`);
});
