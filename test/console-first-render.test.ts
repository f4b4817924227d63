import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser, HTTPRequest, Page } from "puppeteer-core";
import { CreateClusterCommand } from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { launchBrowser, waitForText, watch } from "./console-kit.js";

/**
 * The console's first render depends on nothing that can hang: opened on a cluster's page while
 * the page modules the entry loads on demand (the landing page's among them, which the first
 * render waits for a moment) do not arrive, it still renders at once (the page says it is
 * loading), and shows the page once they arrive. (In CI the console once rendered nothing at all
 * for minutes: its first render waited for that module without a bound.) A page module whose
 * fetch failed is fetched again. Headless Debian chromium against a live Berth; requests are held
 * or failed by chromium itself (request interception), never answered differently.
 */
let berth: BerthProcess;
let browser: Browser;
let page: Page;
/** The entry and the chunks it imports statically, all the way down. */
const entryChunks = new Set<string>();

before(async () => {
  berth = await BerthProcess.start();
  await berth.ecs().send(new CreateClusterCommand({ clusterName: "held" }));
  browser = await launchBrowser();
  page = await browser.newPage();
  // The entry and what it imports statically, all the way down: without them nothing can run, so
  // they are let through. Every other chunk is a page's module, or what only page modules import.
  const html = await (await fetch(`${berth.endpoint}/`, { headers: { accept: "text/html" } })).text();
  const add = async (path: string): Promise<void> => {
    if (entryChunks.has(path)) return;
    entryChunks.add(path);
    const code = await (await fetch(`${berth.endpoint}${path}`)).text();
    for (const m of code.matchAll(/from"\.\/(chunk-[A-Z0-9]+\.js)"/g)) await add(`/console/${m[1]}`);
  };
  await add(/<script type="module" src="([^"]+)"/.exec(html)![1]!);
});

after(async () => {
  await browser?.close();
  await berth?.dispose();
});

test("opened on a cluster's page whose module does not arrive, the console renders at once, then shows the page when the module arrives", async () => {
  const needed = entryChunks;
  const held: HTTPRequest[] = [];
  let holding = true;
  await page.setRequestInterception(true);
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (holding && path.startsWith("/console/chunk-") && !needed.has(path)) held.push(r);
    else void r.continue();
  });

  // Not openPage: the held modules are preloaded, so the page's load event waits for them too.
  watch(page);
  await page.goto(`${berth.endpoint}/#/clusters/held`, { waitUntil: "domcontentloaded" });
  const loading = await waitForText(page, ["Loading…"]);
  assert.ok(held.length > 0, "the page modules were held");
  assert.doesNotMatch(loading, /Services/, "the cluster page itself is not there yet");

  holding = false;
  for (const r of held) void r.continue();
  const shown = await waitForText(page, ["held", "ACTIVE", "Services (0)"]);
  assert.match(shown, /0 running, 0 pending tasks/);
});

test("a page module whose import failed (as chromium fails requests when the machine's network changes) is fetched again: the page shows", async () => {
  const p = await browser.newPage();
  try {
    const tries = new Map<string, number>();
    await p.setRequestInterception(true);
    p.on("request", (r) => {
      const path = new URL(r.url()).pathname;
      const n = (tries.get(path) ?? 0) + 1;
      tries.set(path, n);
      // Every page module's first two requests fail (a preload's, if any, and an import's): the
      // import fails at least once. The entry and its static imports come through.
      if (path.startsWith("/console/chunk-") && n <= 2 && !entryChunks.has(path)) void r.abort("internetdisconnected");
      else void r.continue();
    });
    watch(p);
    await p.goto(`${berth.endpoint}/#/clusters/held`, { waitUntil: "domcontentloaded" });
    await waitForText(p, ["held", "ACTIVE", "Services (0)"]);
    assert.ok([...tries].some(([path, n]) => path.startsWith("/console/chunk-") && n > 2), "a module whose import failed was fetched again");
  } finally {
    await p.close();
  }
});
