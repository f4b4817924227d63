import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ErrorBox } from "./ui";

/**
 * A page module fetched the first time one of its pages is shown: esbuild splits the bundle at
 * each dynamic import(), so the first page parses only its own code and its services' SDK clients
 * (the EventBridge, Scheduler or ECR clients wait until a page needs them).
 */
export interface LazyModule<M> {
  loaded: () => M | undefined;
  load: () => Promise<M>;
}

export function lazyModule<M>(importer: () => Promise<M>): LazyModule<M> {
  let module: M | undefined;
  let pending: Promise<M> | undefined;
  // A failed import is forgotten, so the next load fetches the module again: chromium fails every
  // request in flight when the machine's network interfaces change (Docker adds one per container).
  const forget = (err: unknown): never => {
    pending = undefined;
    throw err;
  };
  return { loaded: () => module, load: () => (pending ??= importer().then((m) => (module = m), forget)) };
}

/** Tries of a page module's import before the page shows its error, RETRY_MS apart. */
const TRIES = 3;
const RETRY_MS = 1_000;

/** Renders a page of a lazy module, once the module is in (at once when it already is). */
export function Lazy<M>({ module, render }: { module: LazyModule<M>; render: (m: M) => VNode }) {
  const [, set] = useState(0);
  const [error, setError] = useState<unknown>();
  const m = module.loaded();
  useEffect(() => {
    if (m) return;
    let left = TRIES;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = () => module.load().then(() => set((n) => n + 1), (err: unknown) => {
      if (--left > 0) timer = setTimeout(attempt, RETRY_MS);
      else setError(err);
    });
    void attempt();
    return () => clearTimeout(timer);
  }, [module, m]);
  if (m) return render(m);
  return <main id="main">{error !== undefined ? <ErrorBox error={error} /> : <p class="muted" aria-busy="true">Loading…</p>}</main>;
}
