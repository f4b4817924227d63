import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import puppeteer, { type Browser, type HTTPRequest, type Page } from "puppeteer-core";

/** Debian's chromium (scripts/setup-debian.sh); puppeteer-core never downloads a browser of its own. */
export const CHROMIUM = process.env.BERTH_CHROMIUM ?? "/usr/bin/chromium";
/** Where screenshots of the main pages go: docs/screenshots when refreshing the README's, a temporary directory otherwise. */
export const SHOTS = process.env.BERTH_SCREENSHOT_DIR ?? join(tmpdir(), "berth-console-screenshots");

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  // --disable-dev-shm-usage: a container's small /dev/shm must not crash the renderer.
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"] });
}

/** What went wrong in each page opened by openPage or watched (script errors, failed requests, crashes), told when a wait fails. */
const troubles = new WeakMap<Page, string[]>();

export function watch(p: Page): void {
  if (troubles.has(p)) return;
  const seen: string[] = [];
  troubles.set(p, seen);
  const note = (line: string) => { if (seen.length < 50) seen.push(`${new Date().toISOString()} ${line}`); };
  p.on("pageerror", (err) => note(`page error: ${String(err)}`));
  p.on("error", (err) => note(`page crashed: ${String(err)}`));
  p.on("console", (m) => { if (m.type() === "error" || m.type() === "warn") note(`console ${m.type()}: ${m.text()}`); });
  p.on("requestfailed", (r) => {
    note(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ""}`);
    if (r.failure()?.errorText === NETWORK_CHANGED) networkChanges.set(p, (networkChanges.get(p) ?? 0) + 1);
  });
  p.on("response", (r) => { if (r.status() >= 400) note(`response ${r.status()}: ${r.request().method()} ${r.url()}`); });
  // Requests still unanswered when a wait fails: a stalled fetch (a page module, an API call).
  const open = new Map<HTTPRequest, string>();
  unanswered.set(p, open);
  p.on("request", (r) => open.set(r, `${new Date().toISOString()} ${r.method()} ${r.url()}`));
  p.on("requestfinished", (r) => open.delete(r));
  p.on("requestfailed", (r) => open.delete(r));
}

const unanswered = new WeakMap<Page, Map<HTTPRequest, string>>();

/**
 * Chromium fails every request in flight with this when the machine's network interfaces change,
 * loopback ones included, and Docker adds or removes an interface for every container it starts or
 * stops (this test's tasks, other test files'). A console whose script was lost that way never
 * renders (seen in CI: a blank page).
 */
const NETWORK_CHANGED = "net::ERR_NETWORK_CHANGED";
const networkChanges = new WeakMap<Page, number>();

/**
 * Opens a console URL and waits until the console has rendered (its <main>). A load that lost a
 * request to a network change (above) and rendered nothing is loaded again, as a user would reload
 * the page: that is the machine's doing, not Berth's. A load that rendered nothing for any other
 * reason is left as it is, for the wait that follows to report.
 */
export async function load(p: Page, url: string): Promise<void> {
  watch(p);
  for (let attempt = 1; ; attempt++) {
    const changesBefore = networkChanges.get(p) ?? 0;
    const lost = () => (networkChanges.get(p) ?? 0) > changesBefore;
    const last = attempt === LOAD_ATTEMPTS;
    try {
      // The same URL again (a retry) would only be a fragment navigation: reload instead.
      if (attempt > 1 && p.url() === url) await p.reload();
      else await p.goto(url);
    } catch (err) {
      if (!String((err as Error).message).includes(NETWORK_CHANGED) || last) throw err;
      continue;
    }
    // Rendered: done. Lost a request to a network change and still nothing after a grace period
    // (the script that did arrive renders at once): load again. Neither within 30 s: the wait
    // that follows reports what the page shows and what went wrong in it.
    let lostSince: number | undefined;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      if (await p.$("main").catch(() => null)) return;
      if (lost()) lostSince ??= Date.now();
      if (lostSince !== undefined && Date.now() - lostSince > 5_000) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (lostSince === undefined || last) return;
  }
}

/** Loads before a page that keeps losing its script to network changes is left for the wait to report. */
const LOAD_ATTEMPTS = 5;

/** The page's address and what went wrong in it, for a failure's message. */
function story(p: Page): string {
  const lines = troubles.get(p) ?? [];
  // The event stream stays open as long as the page does: not a stall.
  const open = [...(unanswered.get(p)?.values() ?? [])].filter((r) => !r.includes("/_berth/events"));
  return `page ${p.isClosed() ? "closed" : p.url()}; ${lines.length ? `what went wrong in it:\n${lines.join("\n")}` : "no script error, failed request or crash was seen"}` +
    (open.length ? `\nrequests sent and still unanswered:\n${open.slice(0, 20).join("\n")}` : "");
}

/** The visible text of the page's <main>. */
export const mainText = (p: Page) => p.$eval("main", (el) => (el as unknown as { innerText: string }).innerText);

/** Waits until the page's <main> shows every one of `texts` (the page updates itself; nothing reloads it). */
export async function waitForText(p: Page, texts: string[], timeout = 60_000): Promise<string> {
  try {
    await p.waitForFunction(
      (wanted: string[]) => {
        const text = (globalThis as unknown as { document: { querySelector(s: string): { innerText: string } | null } }).document.querySelector("main")?.innerText ?? "";
        return wanted.every((w) => text.includes(w));
      },
      { timeout, polling: 200 },
      texts,
    );
  } catch (err) {
    const shows = await mainText(p).catch((e: Error) => `(nothing: ${e.message})`);
    throw new Error(`page never showed ${JSON.stringify(texts)}; it shows:\n${shows}\n${story(p)}\n${(err as Error).message}`);
  }
  return mainText(p);
}

/** Opens a console page by its URL (#/...) and waits until it shows `texts`. */
export async function openPage(p: Page, endpoint: string, hash: string, texts: string[]): Promise<string> {
  await load(p, `${endpoint}/#/${hash}`);
  return waitForText(p, texts);
}

export async function shot(p: Page, name: string): Promise<void> {
  await p.screenshot({ path: join(SHOTS, `${name}.png`), optimizeForSpeed: true });
}

/** Clicks the button whose text contains `label`. */
export async function clickButton(p: Page, label: string): Promise<void> {
  const [button] = await p.$$(`xpath/.//button[contains(., '${label}')]`);
  if (!button) throw new Error(`no button "${label}" on the page:\n${await mainText(p)}`);
  await button.click();
}

/**
 * Sets an input's value and fires its input event in one step, as the end of a user's typing: a
 * page that re-renders between a clear and a typed key (a live page does) cannot mix the two.
 */
export async function fill(p: Page, selector: string, value: string): Promise<void> {
  await p.$eval(selector, (el, v) => {
    const input = el as unknown as { value: string; dispatchEvent(e: unknown): boolean };
    const G = globalThis as unknown as { Event: new (type: string, init: { bubbles: boolean }) => unknown };
    input.value = v;
    input.dispatchEvent(new G.Event("input", { bubbles: true }));
  }, value);
}
