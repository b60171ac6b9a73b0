// A story's stats page in real headless Chromium. Herald's own workers
// deliver a story's notification, then an update of it, to a push service
// of this test's own on loopback (201 for every message, 410 for one
// subscription); the editor opens /newsroom/stories/1/stats at 1280 and
// 390 px: axe-core finds no WCAG 2.2 AA violation, the two notifications
// are listed apart, nothing is cut (the tables scroll inside their own
// box), and the disclosure under the chart opens its table. Screenshots go
// to $HERALD_SCREENSHOTS (default <tmp>/herald-screenshots).
//
// Needs `bash tests/browser/install.sh` and `cargo build --bin herald`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createECDH, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { heraldBin, launchChromium } from "./support/herald.mjs";
import { EDITOR_EMAIL, EDITOR_PASSWORD, createAccount, logIn, logInWithFetch } from "./support/newsroom.mjs";
import { freePort, sleep } from "./support/push_service.mjs";

const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const screenshots = process.env.HERALD_SCREENSHOTS ?? path.join(tmpdir(), "herald-screenshots");
const run = promisify(execFile);
const env = { ...process.env, RUST_LOG: "warn" };

let site;
let sink;
let browser;

/** A push service that takes every message (201), except for `gone` (410). */
async function startSink() {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(req.url.endsWith("/gone") ? 410 : 201);
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}

async function startSite(pushPort) {
  const data = await mkdtemp(path.join(tmpdir(), "herald-stats-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = path.join(data, "herald.toml");
  await writeFile(
    config,
    `[push]\nvapid_subject = "mailto:tests@example.org"\nallowed_hosts = ["http://127.0.0.1:${pushPort}"]\n`,
  );
  const global = ["--config", config, "--data", data, "--bind", `127.0.0.1:${port}`, "--base-url", base];
  let log = "";
  const child = spawn(heraldBin, [...global, "serve"], { stdio: ["ignore", "pipe", "pipe"], env: { ...env, NO_COLOR: "1" } });
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`herald did not start:\n${log}`);
    await sleep(100);
  }
  return {
    base,
    global,
    log: () => log,
    async stop() {
      child.kill("SIGTERM");
      await exited;
      await rm(data, { recursive: true, force: true });
    },
  };
}

/** Adds and publishes a story with the command line. */
async function addStory(json) {
  const add = run(heraldBin, [...site.global, "story", "add", "-", "--publish"], { env });
  add.child.stdin.end(JSON.stringify(json));
  await add;
}

/** Subscribes a device of the sink, with fresh keys, following `topics`. */
async function subscribe(device, topics) {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const res = await fetch(`${site.base}/api/v1/push/subscriptions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      subscription: {
        endpoint: `http://127.0.0.1:${sink.port}/push/${device}`,
        keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") },
      },
      topics,
    }),
  });
  assert.equal(res.status, 201, await res.text());
}

before(async () => {
  sink = await startSink();
  site = await startSite(sink.port);
  await createAccount(site.global, EDITOR_EMAIL, "editor", EDITOR_PASSWORD, "Eda Editor");
  // The topic exists once a story names it; readers then follow it.
  await addStory({ slug: "harbour-reopens", headline: "Harbour reopens after the storm", body_markdown: "Boats are back.", topics: ["Coast"] });
  for (const device of ["one", "two", "three", "gone"]) await subscribe(device, ["coast"]);
  const newsroom = await logInWithFetch(site.base, EDITOR_EMAIL, EDITOR_PASSWORD);
  // Story 1 was published before anyone followed: no one to send to. The
  // second story goes to the four; then an update of it to the three left.
  await addStory({ slug: "ferry-timetable", headline: "Ferry timetable restored", body_markdown: "Every hour.", topics: ["Coast"] });
  const token = (await run(heraldBin, [...site.global, "token", "create", "--user", EDITOR_EMAIL], { env })).stdout.trim();
  const stats2 = async () => (await newsroom.get("/newsroom/stories/2/stats?part=body")).html;
  for (let i = 0; ; i++) {
    const html = await stats2();
    if (!html.includes("data-running") && html.includes('data-field="delivered">3<')) break;
    if (i > 150) throw new Error(`the first notification did not finish:\n${html}\n${site.log()}`);
    await sleep(200);
  }
  const update = await fetch(`${site.base}/api/v1/admin/stories/2/push`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ title: "Ferries: the full timetable", body: "Every hour, from six." }),
  });
  assert.ok(update.status < 300, `update: ${update.status} ${await update.text()}`);
  for (let i = 0; ; i++) {
    const html = await stats2();
    const rows = html.match(/class="nr-stats-job"/g) ?? [];
    if (!html.includes("data-running") && rows.length === 2 && !html.includes("Waiting to send")) break;
    if (i > 150) throw new Error(`the update did not finish:\n${html}\n${site.log()}`);
    await sleep(200);
  }
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.stop();
  await sink?.close();
});

async function axeViolations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }),
    WCAG_TAGS,
  );
  assert.ok(result.passes.length > 0, "axe checked nothing");
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

for (const [name, viewport] of [
  ["desktop", { width: 1280, height: 900 }],
  ["mobile", { width: 390, height: 844 }],
]) {
  test(`the stats page at ${viewport.width} px: accessible, the jobs apart, the table behind the disclosure`, async () => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await logIn(page, site.base, EDITOR_EMAIL, EDITOR_PASSWORD);
    // Reached from the dashboard's row.
    await page.getByRole("link", { name: "stats of Ferry timetable restored" }).click();
    await page.waitForURL((url) => url.pathname === "/newsroom/stories/2/stats");
    assert.deepEqual(await axeViolations(page), []);

    const jobs = page.locator("tr.nr-stats-job");
    assert.equal(await jobs.count(), 2);
    assert.match(await jobs.nth(0).locator("th").innerText(), /^Original notification/);
    assert.match(await jobs.nth(1).locator("th").innerText(), /^Update 1/);
    assert.equal(await jobs.nth(0).locator('[data-field="delivered"]').innerText(), "3");
    assert.equal(await jobs.nth(0).locator('[data-field="gone"]').innerText(), "1");
    assert.equal(await jobs.nth(1).locator('[data-field="delivered"]').innerText(), "3");
    assert.equal(await page.locator("table.nr-stats-hosts tbody th").innerText(), "127.0.0.1");
    assert.ok(!(await page.content()).includes(`/push/one`), "an endpoint on the page");

    // Nothing is cut: the page does not scroll sideways; wide tables
    // scroll inside their own box.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window`);

    // The chart says what it is; its numbers are behind the disclosure.
    const chart = page.getByRole("img", { name: /Notifications delivered per/ });
    assert.equal(await chart.count(), 1);
    const table = page.locator("details#timeline-numbers table");
    assert.equal(await table.isVisible(), false);
    await page.locator("details#timeline-numbers summary").focus();
    await page.keyboard.press("Enter");
    assert.equal(await table.isVisible(), true);
    const delivered = await table.locator("tbody td").allInnerTexts();
    const sum = delivered.map(Number).filter(Number.isFinite).reduce((a, b) => a + b, 0);
    assert.equal(sum, 6, `the table's deliveries: ${delivered}`);
    assert.deepEqual(await axeViolations(page), [], "with the table open");

    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: path.join(screenshots, `newsroom-story-stats-${name}.png`), fullPage: true });
    await context.close();
  });
}
