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
  return { loaded: () => module, load: () => (pending ??= importer().then((m) => (module = m))) };
}

/** Renders a page of a lazy module, once the module is in (at once when it already is). */
export function Lazy<M>({ module, render }: { module: LazyModule<M>; render: (m: M) => VNode }) {
  const [, set] = useState(0);
  const [error, setError] = useState<unknown>();
  const m = module.loaded();
  useEffect(() => {
    if (!m) module.load().then(() => set((n) => n + 1), setError);
  }, [module, m]);
  if (m) return render(m);
  return <main id="main">{error !== undefined ? <ErrorBox error={error} /> : <p class="muted" aria-busy="true">Loading…</p>}</main>;
}
