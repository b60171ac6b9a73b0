// The reader's side of notifications in real headless Chromium: the soft
// prompt, OK → Allow → a registered subscription, Follow buttons, the
// preferences page, unsubscribe, and the service worker's push and click
// handlers.
//
// The browser's own push registration needs Google's servers, which this
// machine cannot reach: the test replaces only PushManager.prototype.subscribe
// and getSubscription, with a subscription whose endpoint is a local push
// service (allow-listed for this run) and whose keys are real P-256 keys made
// here. Everything else — permission, the service worker, the page script,
// the API, the database — is real.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { createECDH, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { heraldBin } from "./support/herald.mjs";

const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

let site;
let browser;

async function startSite() {
  const data = await mkdtemp(path.join(tmpdir(), "herald-push-"));
  const port = await freePort();
  const pushPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = path.join(data, "herald.toml");
  await writeFile(
    config,
    `[prompt]\ndelay_seconds = 1\nsnooze_days = 7\n[push]\nallowed_hosts = ["http://127.0.0.1:${pushPort}"]\n`,
  );
  const global = ["--config", config, "--data", data, "--bind", `127.0.0.1:${port}`, "--base-url", base];
  const story = JSON.stringify({
    slug: "push-test-story",
    headline: "Ferry service resumes",
    body_markdown: "Boats run again.\n\n".repeat(40),
    topics: ["World News", "Politics"],
  });
  const add = promisify(execFile)(heraldBin, [...global, "story", "add", "-", "--publish"], {
    env: { ...process.env, RUST_LOG: "warn" },
  });
  add.child.stdin.end(story);
  await add;
  const other = JSON.stringify({ slug: "science-story", headline: "Comet seen", body_markdown: "Bright.", topics: ["Science"] });
  const add2 = promisify(execFile)(heraldBin, [...global, "story", "add", "-", "--publish"], {
    env: { ...process.env, RUST_LOG: "warn" },
  });
  add2.child.stdin.end(other);
  await add2;

  let log = "";
  const child = spawn(heraldBin, [...global, "serve"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: "warn", NO_COLOR: "1" },
  });
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`herald did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    pushEndpoint: (id) => `http://127.0.0.1:${pushPort}/push/${id}`,
    log: () => log,
    async api(method, apiPath, token, body) {
      const headers = { "content-type": "application/json" };
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(`${base}/api/v1/push/${apiPath}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: res.status === 204 ? null : await res.json() };
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
      await rm(data, { recursive: true, force: true });
    },
  };
}

before(async () => {
  site = await startSite();
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await site?.stop();
});

/** A browser context whose push registration returns a local subscription. */
async function pushContext({ grant }) {
  const context = await browser.newContext();
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    return url.hostname === "127.0.0.1" ? route.continue() : route.abort("blockedbyclient");
  });
  if (grant) await context.grantPermissions(["notifications"], { origin: site.base });
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const fake = {
    endpoint: site.pushEndpoint(randomBytes(8).toString("hex")),
    p256dh: ecdh.getPublicKey().toString("base64url"),
    auth: randomBytes(16).toString("base64url"),
  };
  // Only subscribe and getSubscription are replaced (see the file's header).
  await context.addInitScript((sub) => {
    const key = "herald.test.subscribed";
    const make = () => ({
      endpoint: sub.endpoint,
      expirationTime: null,
      toJSON() {
        return { endpoint: sub.endpoint, expirationTime: null, keys: { p256dh: sub.p256dh, auth: sub.auth } };
      },
      unsubscribe() {
        localStorage.removeItem(key);
        return Promise.resolve(true);
      },
    });
    PushManager.prototype.subscribe = function (options) {
      if (!options || options.userVisibleOnly !== true || !options.applicationServerKey) {
        return Promise.reject(new Error("subscribe called without userVisibleOnly and a key"));
      }
      localStorage.setItem(key, "1");
      return Promise.resolve(make());
    };
    PushManager.prototype.getSubscription = function () {
      return Promise.resolve(localStorage.getItem(key) ? make() : null);
    };
  }, fake);
  return { context, fake };
}

async function token(page) {
  return page.evaluate(() => localStorage.getItem("herald.token"));
}

test("Not now hides the prompt and it stays away", async () => {
  const { context } = await pushContext({ grant: false });
  const page = await context.newPage();
  await page.goto(`${site.base}/stories/push-test-story`);
  const prompt = page.getByRole("dialog");
  assert.equal(await prompt.isVisible(), false, "not on first paint");
  await prompt.waitFor({ state: "visible", timeout: 5000 });
  assert.match(await prompt.innerText(), /Never miss your favourite new stories/);
  await page.getByRole("button", { name: "Not now", exact: true }).click();
  assert.equal(await prompt.isVisible(), false);
  await page.reload();
  await page.waitForTimeout(2500);
  assert.equal(await page.getByRole("dialog").isVisible(), false, "snoozed after Not now");
  await context.close();
});

test("OK → Allow registers the subscription with the story's topics and Breaking news", async () => {
  const { context, fake } = await pushContext({ grant: false });
  const page = await context.newPage();
  await page.goto(`${site.base}/stories/push-test-story`);
  await page.getByRole("dialog").waitFor({ state: "visible", timeout: 5000 });
  // The reader presses OK, then Allow in the browser's own request.
  await context.grantPermissions(["notifications"], { origin: site.base });
  await page.getByRole("button", { name: "OK", exact: true }).click();
  await page.getByRole("status").filter({ hasText: "You now follow" }).waitFor({ timeout: 10_000 });
  const t = await token(page);
  assert.ok(t, "the token is kept");
  const mine = await site.api("GET", "subscriptions", t);
  assert.equal(mine.status, 200);
  assert.equal(mine.body.endpoint, fake.endpoint);
  assert.deepEqual(mine.body.topics.map((x) => x.slug).sort(), ["breaking", "politics", "world-news"]);
  // The follow buttons show the new state.
  const follow = page.getByRole("button", { name: "Following Politics" });
  assert.equal(await follow.getAttribute("aria-pressed"), "true");
  assert.equal(await page.getByRole("dialog").isVisible(), false);

  // Follow and unfollow a topic from its page.
  await page.goto(`${site.base}/topics/science`);
  const science = page.locator(".topic-head .follow-button");
  await science.waitFor({ state: "visible" });
  await page.waitForFunction(() => document.querySelector(".topic-head .follow-button").textContent.includes("Follow Science"));
  await science.click();
  await page.waitForFunction(() => document.querySelector(".topic-head .follow-button").getAttribute("aria-pressed") === "true");
  let topics = (await site.api("GET", "subscriptions/topics", t)).body.topics.map((x) => x.slug);
  assert.ok(topics.includes("science"), topics.join());
  await science.click();
  await page.waitForFunction(() => document.querySelector(".topic-head .follow-button").getAttribute("aria-pressed") === "false");
  topics = (await site.api("GET", "subscriptions/topics", t)).body.topics.map((x) => x.slug);
  assert.ok(!topics.includes("science"), topics.join());

  // The preferences page shows and changes the state.
  await page.goto(`${site.base}/notifications`);
  await page.locator("#prefs-on").waitFor({ state: "visible" });
  const politics = page.locator(".topic-toggle[data-topic=politics]");
  await page.waitForFunction(() => document.querySelector(".topic-toggle[data-topic=politics]").getAttribute("aria-pressed") === "true");
  await politics.click();
  await page.waitForFunction(() => document.querySelector(".topic-toggle[data-topic=politics]").getAttribute("aria-pressed") === "false");
  topics = (await site.api("GET", "subscriptions/topics", t)).body.topics.map((x) => x.slug);
  assert.deepEqual(topics.sort(), ["breaking", "world-news"]);
  await page.getByRole("button", { name: "Pause all notifications" }).click();
  await page.getByRole("button", { name: "Resume notifications" }).waitFor();
  assert.equal((await site.api("GET", "subscriptions", t)).body.paused, true);

  // Unsubscribe removes the record and the browser's subscription.
  await page.getByRole("button", { name: "Unsubscribe" }).click();
  await page.locator("#prefs-off").waitFor({ state: "visible" });
  assert.equal((await site.api("GET", "subscriptions", t)).status, 401);
  assert.equal(await token(page), null);
  assert.equal(await page.evaluate(() => localStorage.getItem("herald.test.subscribed")), null);
  await context.close();
});

test("the service worker shows every push and opens the story on a click", async () => {
  const { context } = await pushContext({ grant: true });
  const clicks = [];
  await context.route("**/api/v1/push/clicks", async (route) => {
    clicks.push(route.request().postDataJSON());
    await route.continue();
  });
  const page = await context.newPage();
  await page.goto(`${site.base}/notifications`);
  await page.getByRole("button", { name: "Turn on notifications" }).click();
  await page.locator("#prefs-on").waitFor({ state: "visible" });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));

  const shown = await worker.evaluate(async () => {
    const payload = { title: "Ferry service resumes", body: "Boats run again.", url: "/stories/push-test-story", tag: "1", timestamp: 1700000000000 };
    self.dispatchEvent(new PushEvent("push", { data: JSON.stringify(payload) }));
    self.dispatchEvent(new PushEvent("push", { data: "{}" }));
    await new Promise((r) => setTimeout(r, 500));
    const list = await self.registration.getNotifications();
    return list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data && n.data.url }));
  });
  const story = shown.find((n) => n.tag === "1");
  assert.ok(story, JSON.stringify(shown));
  assert.equal(story.title, "Ferry service resumes");
  assert.equal(story.body, "Boats run again.");
  assert.equal(story.url, `${site.base}/stories/push-test-story`);
  assert.ok(shown.some((n) => n.title === "New story"), "an empty payload still shows a notification");

  // Opening or focusing a window needs the user's gesture on a system
  // notification, which headless Chromium cannot make: those two browser
  // calls are recorded instead, and everything else runs for real.
  const click = () =>
    worker.evaluate(async () => {
      const calls = [];
      self.clients.openWindow = (url) => { calls.push(["open", url]); return Promise.resolve(null); };
      WindowClient.prototype.focus = function () { calls.push(["focus", this.url]); return Promise.resolve(this); };
      const [n] = (await self.registration.getNotifications()).filter((x) => x.tag === "1");
      const event = new NotificationEvent("notificationclick", { notification: n });
      let done = Promise.resolve();
      event.waitUntil = (p) => { done = p; };
      self.dispatchEvent(event);
      await done;
      return calls;
    });
  assert.deepEqual(await click(), [["open", `${site.base}/stories/push-test-story`]]);
  // With a tab already on the story, that tab is focused instead.
  const storyPage = await context.newPage();
  await storyPage.goto(`${site.base}/stories/push-test-story`);
  await worker.evaluate(async () => {
    self.dispatchEvent(new PushEvent("push", { data: JSON.stringify({ title: "Again", url: "/stories/push-test-story", tag: "1" }) }));
    await new Promise((r) => setTimeout(r, 300));
  });
  assert.deepEqual(await click(), [["focus", `${site.base}/stories/push-test-story`]]);
  for (let i = 0; i < 50 && clicks.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(clicks, [{ story_id: 1 }, { story_id: 1 }]);
  await context.close();
});
