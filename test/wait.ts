import { DescribeTasksCommand, type ECSClient, type Task } from "@aws-sdk/client-ecs";

/** Polls until `check` returns a value; fails with the last state seen after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until the task's lastStatus is `status` and returns it. */
export async function waitForTask(ecs: ECSClient, cluster: string, taskArn: string, status: string, timeoutMs = 60_000): Promise<Task> {
  let seen: Task | undefined;
  try {
    return await waitFor(`task ${taskArn} ${status}`, async () => {
      const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
      seen = tasks?.[0];
      return seen?.lastStatus === status ? seen : undefined;
    }, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(seen)}`);
  }
}

/** Fetches a URL on a loopback address; undefined while nothing answers. */
export async function httpGet(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}
