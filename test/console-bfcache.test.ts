import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { BerthProcess } from "./harness.js";
import { TEST_IMAGE } from "./images.js";
import { launchBrowser, load, waitForText } from "./console-kit.js";

/**
 * The console and chromium's back/forward cache. A page left for another one in the same tab is
 * kept in the cache, frozen, with its fetches open; the console's event stream (/_berth/events)
 * would hold one of the browser's 6 connections to Berth until the cache dropped the page (about
 * a minute later), and six such pages held all six: the next console page waited that long for
 * its first call (the bench's stalls, docs/benchmarks.md). The stream closes when the page is
 * hidden, and a page shown from the cache opens it again and reads again.
 */
let berth: BerthProcess;
let browser: Browser;

before(async () => {
  berth = await BerthProcess.start();
  browser = await launchBrowser();
  // No task runs: the services want none.
  await berth.ecs().send(new CreateClusterCommand({ clusterName: "default" }));
  await berth.ecs().send(new RegisterTaskDefinitionCommand({ family: "web", containerDefinitions: [{ name: "app", image: TEST_IMAGE, memory: 32 }] }));
  await berth.ecs().send(new CreateServiceCommand({ cluster: "default", serviceName: "web", taskDefinition: "web", desiredCount: 0 }));
});

after(async () => {
  await browser?.close();
  await berth?.dispose();
});

const live = (p: Page) => p.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector(".live")?.textContent === "● live", { timeout: 30_000 });

test("a console page left for another closes its event stream; shown again from the back/forward cache, it reads again", async () => {
  const context = await browser.createBrowserContext();
  try {
    const p = await context.newPage();
    // Whether the page shown last came from the back/forward cache (pageshow's persisted).
    await p.evaluateOnNewDocument(() => {
      const w = globalThis as unknown as { addEventListener(t: string, f: (e: { persisted: boolean }) => void): void; restored?: boolean };
      w.addEventListener("pageshow", (e) => (w.restored = e.persisted));
    });
    // More console pages in a row than the browser's 6 connections to one host, each left for
    // another page once its event stream is open (the page is then kept in the cache): each loads.
    // (Before the stream closed on pagehide, the seventh waited for a connection until the cache
    // dropped a page, about a minute: its navigation timed out.)
    for (let i = 0; i < 8; i++) {
      await load(p, `${berth.endpoint}/#/clusters/default`);
      await waitForText(p, ["Services (1)", "web"]);
      await live(p);
      await p.goto("about:blank");
    }

    // While the page is away, the cluster changes; shown again from the cache, it shows the change.
    await berth.ecs().send(new CreateServiceCommand({ cluster: "default", serviceName: "api", taskDefinition: "web", desiredCount: 0 }));
    await p.goBack();
    assert.equal(await p.evaluate(() => (globalThis as unknown as { restored?: boolean }).restored), true, "the page came from the back/forward cache");
    const text = await waitForText(p, ["Services (2)", "api", "web"]);
    assert.match(text, /Services \(2\)/);
    // Its event stream is open again.
    await live(p);
  } finally {
    await context.close();
  }
});
