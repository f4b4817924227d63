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
