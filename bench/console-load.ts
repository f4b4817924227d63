/**
 * The web console's first page load: a cluster page (every service described, every task
 * described, container instances) in headless Debian chromium, against a live Berth on loopback.
 *   npm run build && node dist/bench/console-load.js [--services 100] [--tasks-per-service 1] [--loads 5]
 * Time is from navigation to the page showing every service and every task; the first load has a
 * cold cache (the bundle is fetched), the others a warm one. Prints the bundle's gzipped size too.
 * Not a test: nothing here asserts a time.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseArgs } from "node:util";
import puppeteer from "puppeteer-core";
import { CreateServiceCommand, ListTasksCommand, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { BerthProcess } from "../test/harness.js";
import { ensureTestImage, TEST_IMAGE } from "../test/images.js";
import { waitFor } from "../test/wait.js";
import { CONSOLE_DIR } from "../src/console/console-assets.js";

const { values } = parseArgs({ options: { services: { type: "string", default: "100" }, "tasks-per-service": { type: "string", default: "1" }, loads: { type: "string", default: "5" } } });
const SERVICES = Number(values.services);
const PER = Number(values["tasks-per-service"]);
const LOADS = Number(values.loads);

for (const f of readdirSync(CONSOLE_DIR)) {
  const bytes = readFileSync(join(CONSOLE_DIR, f));
  console.log(`bundle ${f}: ${(bytes.length / 1024).toFixed(1)} KB, ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1)} KB gzipped`);
}

await ensureTestImage();
const instances = Math.max(1, Math.ceil((SERVICES * PER) / 100));
const berth = await BerthProcess.start({ args: ["--instances", String(instances), "--instance-cpu", "102400", "--instance-memory", "102400"] });
const browser = await puppeteer.launch({ executablePath: process.env.BERTH_CHROMIUM ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
try {
  const ecs = berth.ecs();
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "default", networkMode: "bridge", containerDefinitions: [{ name: "app", image: TEST_IMAGE, memory: 8, command: ["sleep", "3600"], stopTimeout: 1 }] }));
  for (let i = 0; i < SERVICES; i++) {
    await ecs.send(new CreateServiceCommand({ cluster: "default", serviceName: `svc-${String(i).padStart(3, "0")}`, taskDefinition: "default", desiredCount: PER }));
  }
  const total = SERVICES * PER;
  await waitFor(`${total} running tasks`, async () => {
    let n = 0;
    let nextToken: string | undefined;
    do {
      const r = await ecs.send(new ListTasksCommand({ cluster: "default", desiredStatus: "RUNNING", nextToken }));
      n += r.taskArns?.length ?? 0;
      nextToken = r.nextToken;
    } while (nextToken);
    return n >= total || undefined;
  }, 600_000);
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const times: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    await page.goto("about:blank");
    const t0 = performance.now();
    await page.goto(`${berth.endpoint}/#/clusters/default`);
    await page.waitForFunction(
      (s: number, t: number) => {
        const text = (globalThis as unknown as { document: { querySelector(q: string): { innerText: string } | null } }).document.querySelector("main")?.innerText ?? "";
        return text.includes(`Services (${s})`) && text.includes(`Tasks (${t})`);
      },
      { timeout: 120_000, polling: "raf" },
      SERVICES, total,
    );
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`cluster page, ${SERVICES} services, ${total} tasks: first (cold) ${times[0]!.toFixed(0)} ms; warm median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms over ${LOADS} loads (${times.map((t) => t.toFixed(0)).join(", ")})`);
} catch (err) {
  console.error(`failed; the server (exit ${berth.proc.exitCode}, signal ${berth.proc.signalCode}) last wrote:\n${berth.output.slice(-15).join("\n")}`);
  throw err;
} finally {
  await browser.close();
  await berth.dispose();
}
