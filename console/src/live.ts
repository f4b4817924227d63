import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { berthGet } from "./berth";

/** A change Berth announced on /_berth/events (task-events.ts). */
export interface TaskChange {
  taskArn: string;
  lastStatus: string | null;
}

type Listener = (change: TaskChange) => void;
/** Not a change: the stream (re)opened, so whatever a page shows may be stale. Every page reloads. */
const RESYNC: TaskChange = { taskArn: "", lastStatus: null };
const listeners = new Set<Listener>();
/** "live": the event stream is open; "polling": it could not be opened, pages poll instead. */
export let liveMode: "connecting" | "live" | "polling" = "connecting";
const modeListeners = new Set<() => void>();
const setMode = (m: typeof liveMode) => {
  liveMode = m;
  for (const l of modeListeners) l();
};

/** How often a page re-reads itself when the event stream is down, and only while it is visible. */
const POLL_MS = 5_000;
/** How often a page re-reads itself anyway (what no task event announces: an alarm's state, a metric). */
const REFRESH_MS = 30_000;
/** Changes that arrive together (a deployment of 100 tasks) make one re-read, not one each. */
const DEBOUNCE_MS = 400;

let stream: AbortController | undefined;

/**
 * The first page's reads, and what waits for them: chromium opens at most 6 connections to one
 * host, and the event stream holds one for as long as it is open, so opening it (and reading what
 * is below the fold) only once the page's first reads are in leaves all six to them. Resolved when
 * the reads started in the first render are all answered and shown, or after FIRST_READS_MS at the
 * latest (a page that reads nothing, a read that hangs, a hidden tab that paints nothing).
 */
const FIRST_READS_MS = 3_000;
let firstReadsOut = 0;
let firstReadsDone = false;
let settleFirstReads: () => void = () => undefined;
export const firstReads = new Promise<void>((resolve) => (settleFirstReads = () => {
  firstReadsDone = true;
  resolve();
}));
setTimeout(() => settleFirstReads(), FIRST_READS_MS);

/**
 * Reads started before the page rendered, by key: main.tsx starts the landing page's first reads
 * as soon as its module is in, instead of after Preact rendered the page and ran its effects (a
 * frame or two later), and the page's useLoad of the same key takes the read in flight instead of
 * starting one. A read no page took within FIRST_READS_MS is dropped: a page shown later reads
 * afresh, never this old answer.
 */
const primed = new Map<string, Promise<unknown>>();
export function prime(key: string, load: () => Promise<unknown>): void {
  if (primed.has(key)) return;
  const read = load();
  // Its failure is the page's to show; one no page took is not an unhandled rejection.
  read.catch(() => undefined);
  primed.set(key, read);
  setTimeout(() => primed.get(key) === read && primed.delete(key), FIRST_READS_MS);
}
function takePrimed<T>(key: string | undefined): Promise<T> | undefined {
  const read = key === undefined ? undefined : primed.get(key);
  if (read) primed.delete(key!);
  return read as Promise<T> | undefined;
}

/**
 * Opens GET /_berth/events, signed with SigV4 like the CLI's `berth` calls (EventSource cannot
 * send an Authorization header, so the stream is read with fetch). Reconnects after a failure;
 * while it is down, pages poll (only the visible page, every 5 s).
 */
export function startEvents(): void {
  stream?.abort();
  const controller = new AbortController();
  stream = controller;
  const run = async () => {
    await firstReads;
    while (!controller.signal.aborted) {
      try {
        await readEvents(controller.signal);
      } catch {
        // The stream failed or was refused: poll until it opens again.
      }
      if (controller.signal.aborted) return;
      setMode("polling");
      await new Promise((r) => setTimeout(r, 10_000));
    }
  };
  void run();
}

/**
 * A page the browser keeps in its back/forward cache (the user went to another page in the same
 * tab) stays alive, frozen, with its fetches open: its event stream would keep holding one of the
 * browser's 6 connections to this host until the cache drops the page (about a minute later in
 * chromium). Six such pages held all six, and the next console page's calls waited for a
 * connection for up to a minute (docs/benchmarks.md, the stall). So the stream closes when the
 * page is hidden that way, and opens again if the page is shown from the cache (opening makes
 * every page read again: what it showed may be stale by then).
 */
addEventListener("pagehide", () => stream?.abort());
addEventListener("pageshow", (e) => void (e.persisted && startEvents()));

async function readEvents(signal: AbortSignal): Promise<void> {
  const res = await berthGet("/_berth/events", {}, { signal });
  if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
  setMode("live");
  // What a page read before the stream was open may have changed since: each page reads once more.
  for (const l of listeners) l(RESYNC);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (!data) continue;
      const change = JSON.parse(data) as TaskChange;
      for (const l of listeners) l(change);
    }
  }
}

export function useLiveMode(): typeof liveMode {
  const [, set] = useState(0);
  useEffect(() => {
    const l = () => set((n) => n + 1);
    modeListeners.add(l);
    return () => void modeListeners.delete(l);
  }, []);
  return liveMode;
}

export interface Loaded<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads a page's data through the AWS APIs and keeps it current: again when a task change the
 * page cares about arrives (`affects`), every 30 s while visible, every 5 s while the event
 * stream is down, and when the tab becomes visible again. A hidden tab reads nothing. A `deferred`
 * read (a section below the fold) waits for the page's first reads (`firstReads`); `refreshMs`
 * shortens the 30 s for what changes often and no task event announces. With a `primed` key, the
 * first read is the one prime() started under that key, if any.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], affects: (c: TaskChange) => boolean = () => true, { deferred = false, refreshMs = REFRESH_MS, primed: key }: { deferred?: boolean; refreshMs?: number; primed?: string } = {}): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const generation = useRef(0);
  const inFlight = useRef(false);
  const again = useRef(false);
  const loadRef = useRef(load);
  loadRef.current = load;
  const affectsRef = useRef(affects);
  affectsRef.current = affects;

  /** Reads; resolves when this read is answered (at once when it only asked for one more after the read in flight). */
  const read = useCallback((started?: Promise<T>): Promise<void> => {
    // One read at a time per page: a change during a read asks for one more read after it.
    if (inFlight.current) {
      again.current = true;
      return Promise.resolve();
    }
    inFlight.current = true;
    const g = generation.current;
    return (started ?? loadRef.current()).then(
      (data) => void (g === generation.current && setState({ data, loading: false })),
      (error: unknown) => void (g === generation.current && setState((s) => ({ ...s, error, loading: false }))),
    ).finally(() => {
      inFlight.current = false;
      if (again.current && g === generation.current) {
        again.current = false;
        void read();
      }
    });
  }, []);
  const reload = useCallback(() => void read(), []);

  useEffect(() => {
    generation.current++;
    inFlight.current = false;
    again.current = false;
    // (Unchanged on a first mount: no render for nothing.)
    setState((s) => (s.loading && s.data === undefined && s.error === undefined ? s : { loading: true }));
    let cancelled = false;
    if (deferred) void firstReads.then(() => !cancelled && reload());
    else if (firstReadsDone) reload();
    else {
      // One of the first page's reads: the stream and deferred reads wait until they are all in.
      firstReadsOut++;
      // Settled once what they read is on the screen (after the next frame is painted): what waits
      // for them (three more calls, the stream) would otherwise take the page's main thread while
      // it renders their tables.
      void read(takePrimed<T>(key)).finally(() => --firstReadsOut === 0 && requestAnimationFrame(() => setTimeout(settleFirstReads)));
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      if (document.visibilityState !== "visible" || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        reload();
      }, DEBOUNCE_MS);
    };
    const onChange: Listener = (c) => (c === RESYNC || affectsRef.current(c)) && soon();
    listeners.add(onChange);
    let last = Date.now();
    const tick = setInterval(() => {
      const every = liveMode === "live" ? refreshMs : Math.min(POLL_MS, refreshMs);
      if (document.visibilityState === "visible" && Date.now() - last >= every) {
        last = Date.now();
        reload();
      }
    }, 1_000);
    const onVisible = () => document.visibilityState === "visible" && reload();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      cancelled = true;
      listeners.delete(onChange);
      clearInterval(tick);
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, deps);
  return { ...state, reload };
}
