import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { isAuthError } from "./aws";
import { href } from "./router";
import { localTime } from "./locale-free";
import type { Loaded } from "./live";

export function Page({ title, crumbs = [], actions, children }: { title: string; crumbs?: Array<[string, string]>; actions?: ComponentChildren; children: ComponentChildren }) {
  return (
    <main id="main" tabIndex={-1}>
      {crumbs.length > 0 && (
        <nav class="crumbs" aria-label="Breadcrumb">
          {crumbs.map(([label, link]) => (
            <span key={link}><a href={link}>{label}</a> / </span>
          ))}
        </nav>
      )}
      <div class="title-row">
        <h1>{title}</h1>
        {actions && <div class="actions">{actions}</div>}
      </div>
      {children}
    </main>
  );
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" id={id} aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** How many rows a table shows until asked for all: a cluster of 1,000 tasks renders 100 rows, not 1,000. */
const FIRST_ROWS = 100;

/**
 * A table of rows; `empty` says what an empty list means. Scrolls sideways on a phone. It shows
 * `limit` rows until asked for all (a list that loads only what it shows passes its own length).
 */
export function Table({ head, rows, empty = "None.", limit = FIRST_ROWS }: { head: string[]; rows: ComponentChildren[][]; empty?: string; limit?: number }) {
  const [all, setAll] = useState(false);
  if (rows.length === 0) return <p class="muted">{empty}</p>;
  const shown = all ? rows : rows.slice(0, limit);
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>{head.map((h) => <th scope="col" key={h}>{h}</th>)}</tr>
        </thead>
        <tbody>
          {shown.map((r, i) => (
            <tr key={i}>{r.map((c, j) => <td key={j}>{c}</td>)}</tr>
          ))}
        </tbody>
      </table>
      {shown.length < rows.length && (
        <button type="button" class="more" onClick={() => setAll(true)}>Show all {rows.length} (first {shown.length} shown)</button>
      )}
    </div>
  );
}

const TONES: Record<string, string> = {
  RUNNING: "ok", ACTIVE: "ok", COMPLETED: "ok", healthy: "ok", OK: "ok", HEALTHY: "ok", PRIMARY: "ok", active: "ok", COMPLETE: "ok", ENABLED: "ok", Successful: "ok", DELIVERED: "ok",
  PENDING: "warn", PROVISIONING: "warn", ACTIVATING: "warn", IN_PROGRESS: "warn", initial: "warn", draining: "warn", DEACTIVATING: "warn", STOPPING: "warn", DEPROVISIONING: "warn", INSUFFICIENT_DATA: "warn", provisioning: "warn", UNKNOWN: "warn", IN_PROGRESS_SCAN: "warn", RETRYING: "warn", DEAD_LETTERED: "bad",
  STOPPED: "off", INACTIVE: "off", DISABLED: "off", unused: "off", DRAINING: "warn",
  FAILED: "bad", unhealthy: "bad", ALARM: "bad", UNHEALTHY: "bad", CRITICAL: "bad", Failed: "bad", HIGH: "bad", failed: "bad",
};
export function Badge({ value }: { value: string | undefined }) {
  if (!value) return <span class="muted">—</span>;
  return <span class={`badge ${TONES[value] ?? "plain"}`}>{value}</span>;
}

export function Time({ at }: { at: Date | string | undefined }) {
  if (!at) return <span class="muted">—</span>;
  const d = new Date(at);
  return <time dateTime={d.toISOString()} title={d.toISOString()}>{localTime(d)}</time>;
}

export function Bytes({ n }: { n: number | undefined }) {
  if (n === undefined) return <span class="muted">—</span>;
  const units = ["B", "KB", "MB", "GB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) (v /= 1024), u++;
  return <span title={`${n} bytes`}>{v.toFixed(u ? 1 : 0)} {units[u]}</span>;
}

/**
 * An action's state for its button or form: `busy` while `run`'s call is under way, `error` the
 * error it ended with (cleared when the next one starts).
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async (act: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await act();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

export function ErrorBox({ error }: { error: unknown }) {
  const e = error as { name?: string; message?: string };
  return (
    <div class="error" role="alert">
      <strong>{e?.name ?? "Error"}</strong>: {e?.message ?? String(error)}
      {isAuthError(error) && <p>These credentials are not accepted. <a href={href("settings")}>Enter credentials</a>.</p>}
    </div>
  );
}

/**
 * What a page shows while it loads, when it failed, or its content once loaded. A loader that
 * found nothing returns null (the page says so); undefined means "not read yet".
 */
export function Loading<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.data !== undefined) return <>{loaded.error !== undefined && <ErrorBox error={loaded.error} />}{children(loaded.data)}</>;
  if (loaded.error !== undefined) return <ErrorBox error={loaded.error} />;
  return <p class="muted" aria-busy="true">Loading…</p>;
}

export const Link = ({ to, children }: { to: string[]; children: ComponentChildren }) => <a href={href(...to)}>{children}</a>;
