// The chat page in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
// no browser is downloaded): a streamed answer grows, Stop ends it and the engine stops.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { assertLeftWithinOneStep, assertStoppedWithinOneToken, sample, untilIdle } from "./engine-metrics.js";
import { startServeProcess, type ServeProcess } from "./serve-process.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--disable-quic", "--no-first-run",
];

const answerText = (page: Page) => page.locator(".model").last().innerText();

// Page-side conditions, run in the page (this file is compiled without the DOM types, and the
// page's Content-Security-Policy rightly forbids evaluating strings).
type PageDoc = {
  querySelectorAll(s: string): ArrayLike<{ textContent: string | null }>;
  getElementById(id: string): { textContent: string | null } | null;
};
const answerLongerThan = (page: Page, n: number) =>
  page.waitForFunction((min) => {
    const all = (globalThis as unknown as { document: PageDoc }).document.querySelectorAll(".model");
    return (all[all.length - 1]?.textContent ?? "").length > min;
  }, n, { timeout: 10_000 });
const statusStartsWith = (page: Page, prefix: string) =>
  page.waitForFunction((p) => {
    const status = (globalThis as unknown as { document: PageDoc }).document.getElementById("status");
    return (status?.textContent ?? "").startsWith(p);
  }, prefix, { timeout: 10_000 });

describe("chat page in headless Chromium", { timeout: 90_000 }, () => {
  let serve: ServeProcess;
  let context: BrowserContext;
  let page: Page;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "weir-chat-"));
    serve = await startServeProcess({ args: ["--http-port=0", "--rpc-port=0", "--tokens-per-second=20", "--continuous-batching"] });
    context = await chromium.launchPersistentContext(path.join(dir, "profile"), {
      executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 900, height: 700 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${serve.httpUrl}/`);
  });
  after(async () => {
    await context?.close();
    await serve?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("streams an answer that grows, and Stop stops it and the engine", async (t) => {
    await page.getByLabel("Prompt").fill("The river");
    await page.locator("summary").click();
    await page.getByLabel("Max tokens").fill("2000");
    await page.getByLabel("Temperature").fill("0"); // greedy: this model then never reaches an end of text
    await page.getByRole("button", { name: "Send" }).click();
    await answerLongerThan(page, 10);
    const early = await answerText(page);
    await answerLongerThan(page, early.length);
    assert.equal((await sample(serve.httpUrl)).active, 1);
    assert.equal(await page.getByRole("button", { name: "Send" }).isDisabled(), true);

    // Kept when WEIR_SCREENSHOT_DIR names a folder; else it goes with the test's temp folder.
    const shot = path.join(process.env["WEIR_SCREENSHOT_DIR"] ?? dir, "chat-streaming.png");
    await page.screenshot({ path: shot });
    t.diagnostic(`screenshot while streaming: ${shot}`);

    await page.getByRole("button", { name: "Stop" }).click();
    const atStop = await sample(serve.httpUrl);
    await assertStoppedWithinOneToken(serve.httpUrl, atStop, "chat page Stop");
    const stopped = await answerText(page);
    assert.ok(stopped.length > early.length);
    // Bounded observation: at 20 tokens/s, half a second would show about ten more tokens.
    await page.waitForTimeout(500);
    assert.equal(await answerText(page), stopped, "the answer grew after Stop");
    assert.equal(await page.getByRole("status").innerText(), "Stopped.");
    assert.equal(await page.locator(".model").last().getAttribute("aria-busy"), "false");
    assert.equal(await page.getByRole("button", { name: "Send" }).isEnabled(), true);
    assert.equal(await page.getByRole("button", { name: "Stop" }).isDisabled(), true);
  });

  it("closing the tab mid-generation takes its sequence out of the batch within one step", async () => {
    const tab = await context.newPage();
    try {
      await tab.goto(`${serve.httpUrl}/`);
      await tab.getByLabel("Prompt").fill("The river");
      await tab.locator("summary").click();
      await tab.getByLabel("Max tokens").fill("2000");
      await tab.getByLabel("Temperature").fill("0");
      await tab.getByRole("button", { name: "Send" }).click();
      await answerLongerThan(tab, 10);
      const running = await sample(serve.httpUrl);
      assert.equal(running.running, 1, "one sequence in the batch");
    } finally {
      await tab.close();
    }
    const atClose = await sample(serve.httpUrl);
    await assertLeftWithinOneStep(serve.httpUrl, atClose, "closed tab");
    await assertStoppedWithinOneToken(serve.httpUrl, atClose, "closed tab");
  });

  it("runs a short answer to its end and says how it ended", async () => {
    await page.getByLabel("Max tokens").fill("12");
    await page.getByLabel("Temperature").fill("0.8");
    await page.getByLabel("Seed").fill("4");
    await page.getByLabel("Prompt").fill("In the kitchen");
    await page.getByLabel("Prompt").press("Enter");
    await statusStartsWith(page, "Done");
    const meta = await page.locator(".meta").last().innerText();
    assert.match(meta, /^\d+ tokens · (max tokens reached|end of text)$/);
    assert.equal(await page.locator(".turn").count(), 2);
    await untilIdle(serve.httpUrl);
  });

  it("shows the server's reason when it refuses a request", async () => {
    await page.getByLabel("Temperature").fill("5");
    await page.getByLabel("Prompt").fill("Hello");
    await page.getByRole("button", { name: "Send" }).click();
    await statusStartsWith(page, "Error");
    assert.match(await page.getByRole("status").innerText(), /^Error 400: temperature must be in 0\.\.2/);
    await page.getByLabel("Temperature").fill("0.8");
  });
});
