import assert from "node:assert/strict";

/** The error a call fails with: SDK v3 names a modelled error by its shape (LoadBalancerNotFoundException), the CLI by its code. */
export async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { name: string; message: string };
  }
  assert.fail("expected the call to fail");
}

/** The error a call fails with as a plain { name, message }, to compare whole with deepEqual. */
export async function refusal(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  const { name, message } = await failure(p);
  return { name, message };
}
