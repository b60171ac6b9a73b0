// The reader's side of notifications in real headless Chromium: the soft
// prompt, OK → Allow → a registered subscription, Follow buttons, Follow
// this story on a live story (and the prompt offering it), the
// preferences page, unsubscribe, the service worker's push, click and
// pushsubscriptionchange handlers, and the page's repair of drift between the
// browser's subscription and the server's record.
//
// The browser's own push registration needs Google's servers, which this
// machine cannot reach: the test replaces only PushManager.prototype.subscribe
// and getSubscription, with a subscription whose endpoint is a local push
// service (allow-listed for this run) and whose keys are real P-256 keys made
// here. (A "rotated" flag in localStorage makes them return a second
// subscription, as a browser does when its push service changes the endpoint.)
// Everything else — permission, the service worker, the page script,
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
  const live = JSON.stringify({ slug: "live-flood", headline: "Flood: live", body_markdown: "Updates below.", topics: ["World News"], live: true });
  const add3 = promisify(execFile)(heraldBin, [...global, "story", "add", "-", "--publish"], {
    env: { ...process.env, RUST_LOG: "warn" },
  });
  add3.child.stdin.end(live);
  await add3;

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
  const fake = { ...localSubscription(), next: localSubscription() };
  // Only subscribe and getSubscription are replaced (see the file's header).
  await context.addInitScript((fake) => {
    const key = "herald.test.subscribed";
    const make = () => {
      const sub = localStorage.getItem("herald.test.rotated") ? fake.next : fake;
      return {
        endpoint: sub.endpoint,
        expirationTime: null,
        toJSON() {
          return { endpoint: sub.endpoint, expirationTime: null, keys: { p256dh: sub.p256dh, auth: sub.auth } };
        },
        unsubscribe() {
          localStorage.removeItem(key);
          return Promise.resolve(true);
        },
      };
    };
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

/** A subscription of the local push service, with real P-256 keys. */
function localSubscription() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return {
    endpoint: site.pushEndpoint(randomBytes(8).toString("hex")),
    p256dh: ecdh.getPublicKey().toString("base64url"),
    auth: randomBytes(16).toString("base64url"),
  };
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
  // Screen readers hear it through the polite live region; focus stays put.
  assert.match(await page.getByRole("status").textContent(), /Never miss your favourite new stories.*end of the page/);
  assert.equal(await page.evaluate(() => document.activeElement === document.body), true, "focus is not taken");
  await page.getByRole("button", { name: "Not now", exact: true }).click();
  assert.equal(await prompt.isVisible(), false);
  await page.reload();
  await page.waitForTimeout(2500);
  assert.equal(await page.getByRole("dialog").isVisible(), false, "snoozed after Not now");
  await context.close();
});

test("on an iPhone outside the Home Screen the prompt explains how to add the site instead of offering OK", async () => {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    userAgent:
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.4 Mobile/15E148 Safari/604.1",
    hasTouch: true,
  });
  // Safari there has no PushManager until the site runs from the Home Screen.
  await context.addInitScript(() => {
    delete window.PushManager;
  });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${site.base}/stories/push-test-story`);
  const prompt = page.getByRole("dialog");
  await prompt.waitFor({ state: "visible", timeout: 5000 });
  const text = await prompt.innerText();
  assert.match(text, /Add to Home Screen/);
  assert.match(text, /Open .* from your Home Screen/);
  assert.equal(await prompt.getByRole("button", { name: "OK" }).isVisible(), false, "no Allow to offer here");
  assert.match(await page.getByRole("status").textContent(), /Add to Home Screen.*Not now button is at the end of the page/);
  // The manifest that adding to the Home Screen needs is linked.
  assert.equal(await page.locator('link[rel="manifest"]').getAttribute("href"), "/manifest.webmanifest");
  // "Not now" is remembered as for the usual prompt.
  await prompt.getByRole("button", { name: "Not now" }).click();
  await page.reload();
  await page.waitForTimeout(2500);
  assert.equal(await page.getByRole("dialog").isVisible(), false, "snoozed after Not now");
  // A Follow button still says how to get there, and follows nothing.
  const follow = page.locator(".follow-button").first();
  const topic = await follow.getAttribute("data-topic-name");
  await follow.click();
  await page.getByRole("status").filter({ hasText: `To follow ${topic} on iPhone or iPad` }).waitFor({ timeout: 5000 });
  assert.match(await page.getByRole("status").textContent(), /Add to Home Screen/);
  assert.equal(await follow.getAttribute("aria-pressed"), "false");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the prompt is reached from the keyboard and Escape means Not now", async () => {
  const { context } = await pushContext({ grant: false });
  const page = await context.newPage();
  await page.goto(`${site.base}/stories/push-test-story`);
  const prompt = page.getByRole("dialog", { name: /Never miss your favourite new stories/ });
  await prompt.waitFor({ state: "visible", timeout: 5000 });
  // The prompt follows the footer: Tab from the last footer link reaches
  // its choices, then OK.
  const last = page.locator(".site-footer a").last();
  await last.focus();
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.labels[0].textContent), "World News");
  for (let i = 0; i < 3; i++) await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "OK");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Not now");
  await page.keyboard.press("Escape");
  assert.equal(await prompt.isVisible(), false);
  assert.ok(Number(await page.evaluate(() => localStorage.getItem("herald.prompt.snoozedUntil"))) > Date.now(), "snoozed");
  // Focus goes back where the reader came from, not to the top of the page.
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute("href")), await last.getAttribute("href"));
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
  // The follow buttons show the new state: pressed, and "Following".
  const follow = page.locator(".follow-button[data-topic=politics]");
  assert.equal(await follow.getAttribute("aria-pressed"), "true");
  assert.equal(await follow.textContent(), "Following Politics");
  assert.equal(await page.getByRole("dialog").isVisible(), false);

  // Follow and unfollow a topic from its page.
  await page.goto(`${site.base}/topics/science`);
  const science = page.locator(".topic-head .follow-button");
  assert.equal(await page.getByRole("button", { name: "Follow Science", exact: true }).count(), 1);
  await science.waitFor({ state: "visible" });
  await science.click();
  await page.waitForFunction(() => document.querySelector(".topic-head .follow-button").getAttribute("aria-pressed") === "true");
  assert.equal(await science.textContent(), "Following Science", "a pressed toggle says so");
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

test("the prompt lists what OK follows: untick one and it is not followed", async () => {
  const { context } = await pushContext({ grant: false });
  const page = await context.newPage();
  await page.goto(`${site.base}/stories/push-test-story`);
  const prompt = page.getByRole("dialog");
  await prompt.waitFor({ state: "visible", timeout: 5000 });
  const choices = prompt.getByRole("group", { name: "Remind me of new stories on:" });
  const labels = await choices.locator("label").allTextContents();
  assert.deepEqual(labels, ["World News", "Politics", "Breaking news"]);
  for (const box of await choices.getByRole("checkbox").all()) assert.ok(await box.isChecked(), "all ticked");
  await choices.getByLabel("World News").uncheck();
  await context.grantPermissions(["notifications"], { origin: site.base });
  await prompt.getByRole("button", { name: "OK", exact: true }).click();
  await page.getByRole("status").filter({ hasText: "You now follow" }).waitFor({ timeout: 10_000 });
  const said = await page.getByRole("status").textContent();
  assert.match(said, /Politics/);
  assert.doesNotMatch(said, /World News/);
  const mine = await site.api("GET", "subscriptions", await token(page));
  assert.deepEqual(mine.body.topics.map((x) => x.slug).sort(), ["breaking", "politics"]);
  await context.close();
});

test("a reader who blocked notifications is told how to allow them", async () => {
  const context = await browser.newContext();
  await context.route("**/*", (route) =>
    new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort("blockedbyclient"));
  // The reader once chose Block: the browser answers "denied" without asking.
  await context.addInitScript(() => {
    Object.defineProperty(Notification, "permission", { get: () => "denied" });
    Notification.requestPermission = () => Promise.resolve("denied");
  });
  const page = await context.newPage();
  await page.goto(`${site.base}/topics/science`);
  const follow = page.locator(".topic-head .follow-button");
  await follow.waitFor({ state: "visible" });
  await follow.click();
  await page.getByRole("status").filter({ hasText: "Notifications are blocked for this site" }).waitFor({ timeout: 5000 });
  assert.match(await page.getByRole("status").textContent(), /site's settings.*set Notifications to Allow/);
  assert.equal(await follow.getAttribute("aria-pressed"), "false");
  await context.close();
});

test("a push service that never answers is told after 10 s, with Try again; a private window is named", async () => {
  const { context } = await pushContext({ grant: true });
  // First the push service hangs, then (in a "private window") it refuses.
  await context.addInitScript(() => {
    PushManager.prototype.subscribe = function () {
      if (localStorage.getItem("herald.test.private")) {
        return Promise.reject(new DOMException("Registration failed - permission denied", "NotAllowedError"));
      }
      return new Promise(() => {});
    };
  });
  const page = await context.newPage();
  await page.goto(`${site.base}/topics/science`);
  const follow = page.locator(".topic-head .follow-button");
  await follow.waitFor({ state: "visible" });
  const started = Date.now();
  await follow.click();
  const status = page.getByRole("status");
  await status.filter({ hasText: "push service did not answer" }).waitFor({ timeout: 20_000 });
  assert.ok(Date.now() - started >= 9_000, "not before the 10 s wait");
  const retry = status.getByRole("button", { name: "Try again" });
  assert.ok(await retry.isVisible());
  await page.evaluate(() => localStorage.setItem("herald.test.private", "1"));
  await retry.click();
  await status.filter({ hasText: "cannot receive notifications here" }).waitFor({ timeout: 5000 });
  assert.match(await status.textContent(), /private window/);
  assert.doesNotMatch(await status.textContent(), /Registration failed/, "not the browser's raw words");
  assert.equal(await follow.getAttribute("aria-pressed"), "false");
  await context.close();
});

test("the service worker shows every push and opens the story on a click", async () => {
  const { context } = await pushContext({ grant: true });
  const clicks = [];
  await context.route("**/api/v1/push/clicks", async (route) => {
    // Sent with the subscription's token: only its own clicks count.
    const auth = route.request().headers()["authorization"] ?? "";
    clicks.push({ ...route.request().postDataJSON(), token: auth.startsWith("Bearer ") });
    await route.continue();
  });
  const page = await context.newPage();
  await page.goto(`${site.base}/notifications`);
  await page.getByRole("button", { name: "Turn on notifications" }).click();
  await page.locator("#prefs-on").waitFor({ state: "visible" });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));

  // A Declarative Web Push message as Herald sends it (the payload tests
  // check that shape): Chromium has no declarative support, so the worker
  // shows it, the way Safari shows it without any worker. A flat message
  // queued by an older Herald still shows.
  const shown = await worker.evaluate(async (base) => {
    const message = {
      web_push: 8030,
      notification: {
        title: "Ferry service resumes", body: "Boats run again.",
        navigate: `${base}/stories/push-test-story?from=notification`, tag: "1",
        lang: "en", dir: "ltr", timestamp: 1700000000000, data: { herald: { story: 1 } },
      },
      mutable: true,
    };
    self.dispatchEvent(new PushEvent("push", { data: JSON.stringify(message) }));
    self.dispatchEvent(new PushEvent("push", { data: JSON.stringify({ title: "Old shape", url: "/stories/old", tag: "2" }) }));
    self.dispatchEvent(new PushEvent("push", { data: "{}" }));
    await new Promise((r) => setTimeout(r, 500));
    const list = await self.registration.getNotifications();
    return list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, lang: n.lang, dir: n.dir, timestamp: n.timestamp, data: n.data }));
  }, site.base);
  const story = shown.find((n) => n.tag === "1");
  assert.ok(story, JSON.stringify(shown));
  assert.equal(story.title, "Ferry service resumes");
  assert.equal(story.body, "Boats run again.");
  assert.equal(story.dir, "ltr");
  assert.equal(story.lang, "en");
  assert.equal(story.timestamp, 1700000000000);
  assert.deepEqual(story.data, { url: `${site.base}/stories/push-test-story?from=notification`, herald: { story: 1 } });
  const old = shown.find((n) => n.tag === "2");
  assert.deepEqual([old?.title, old?.data.url, old?.data.herald], ["Old shape", `${site.base}/stories/old`, { kind: "", story: 2 }]);
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
  // The worker counts the click itself, so it opens the story without the
  // mark that makes a page count it.
  assert.deepEqual(await click(), [["open", `${site.base}/stories/push-test-story`]]);
  // With a tab already on the story, that tab is focused instead.
  const storyPage = await context.newPage();
  await storyPage.goto(`${site.base}/stories/push-test-story`);
  await worker.evaluate(async () => {
    const again = { web_push: 8030, notification: { title: "Again", navigate: "/stories/push-test-story?from=notification", tag: "1", data: { herald: { story: 1 } } } };
    self.dispatchEvent(new PushEvent("push", { data: JSON.stringify(again) }));
    await new Promise((r) => setTimeout(r, 300));
  });
  assert.deepEqual(await click(), [["focus", `${site.base}/stories/push-test-story`]]);
  const clicksReach = async (n) => {
    for (let i = 0; i < 200 && clicks.length < n; i++) await new Promise((r) => setTimeout(r, 100));
  };
  await clicksReach(2);
  assert.deepEqual(clicks, [{ story_id: 1, token: true }, { story_id: 1, token: true }]);

  // Safari shows the declarative message itself and opens its link with no
  // worker: the page counts that click, and the mark leaves the address.
  const fromSafari = await context.newPage();
  await fromSafari.goto(`${site.base}/stories/push-test-story?from=notification#top`);
  await clicksReach(3);
  assert.deepEqual(clicks[2], { story_id: 1, token: true });
  assert.equal(fromSafari.url(), `${site.base}/stories/push-test-story#top`);
  // A story opened any other way counts no click.
  // The page reports a click just before it marks the story opened: once
  // that is seen, a click would have been too.
  const opened = fromSafari.waitForRequest((r) => r.url().endsWith("/api/v1/push/subscriptions/opened"), { timeout: 20_000 });
  await fromSafari.goto(`${site.base}/stories/push-test-story`);
  await opened;
  await fromSafari.waitForTimeout(300);
  assert.equal(clicks.length, 3);
  await context.close();
});

/** Turns notifications on from the preferences page; follows `topics` too. */
async function subscribedPage(context, topics) {
  const page = await context.newPage();
  await page.goto(`${site.base}/notifications`);
  await page.getByRole("button", { name: "Turn on notifications" }).click();
  await page.locator("#prefs-on").waitFor({ state: "visible" });
  const t = await token(page);
  assert.ok(t, "the token is kept");
  const put = await site.api("PUT", "subscriptions/topics", t, { topics });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  return { page, token: t };
}

const slugs = (answer) => answer.body.topics.map((x) => x.slug).sort();

test("a visit moves the server's record to the browser's changed endpoint, keeping follows", async () => {
  const { context, fake } = await pushContext({ grant: true });
  const { page, token: before } = await subscribedPage(context, ["breaking", "politics", "science"]);
  assert.equal((await site.api("GET", "subscriptions", before)).body.endpoint, fake.endpoint);

  // The browser's push service has changed the subscription behind our back.
  await page.evaluate(() => localStorage.setItem("herald.test.rotated", "1"));
  await page.goto(`${site.base}/stories/push-test-story`);
  // Re-registering gives a new token.
  await page.waitForFunction((old) => {
    const t = localStorage.getItem("herald.token");
    return t !== null && t !== old;
  }, before, { timeout: 10_000 });
  const after = await token(page);
  const mine = await site.api("GET", "subscriptions", after);
  assert.equal(mine.status, 200);
  assert.equal(mine.body.endpoint, fake.next.endpoint);
  assert.deepEqual(slugs(mine), ["breaking", "politics", "science"]);
  assert.equal((await site.api("GET", "subscriptions", before)).status, 401, "the old token is spent");
  // The service worker's copy of the token is the new one too.
  const cached = await page.evaluate(async () => (await (await caches.open("herald-push")).match("/__herald/token")).text());
  assert.equal(cached, after);
  await page.waitForFunction(() =>
    document.querySelector(".follow-button[data-topic=politics]").getAttribute("aria-pressed") === "true");
  assert.equal(await page.getByRole("button", { name: "Follow World News", exact: true }).getAttribute("aria-pressed"), "false");
  await context.close();
});

test("a visit after the server dropped the record turns notifications off in the page", async () => {
  const { context } = await pushContext({ grant: true });
  const { page, token: t } = await subscribedPage(context, ["breaking", "politics"]);
  assert.equal((await site.api("DELETE", "subscriptions", t)).status, 204);

  await page.goto(`${site.base}/stories/push-test-story`);
  await page.waitForFunction(() => localStorage.getItem("herald.token") === null, null, { timeout: 10_000 });
  const politics = page.locator(".follow-button[data-topic=politics]");
  assert.equal(await politics.getAttribute("aria-pressed"), "false");
  assert.equal(await politics.textContent(), "Follow Politics");
  // The browser's subscription goes too, so no later visit re-registers it
  // silently with nothing followed.
  assert.equal(await page.evaluate(() => localStorage.getItem("herald.test.subscribed")), null);
  await page.goto(`${site.base}/notifications`);
  await page.locator("#prefs-off").waitFor({ state: "visible" });
  await page.waitForLoadState("networkidle");
  assert.equal(await token(page), null);

  // Follow starts over: the reader is subscribed again, following that topic.
  await page.goto(`${site.base}/stories/push-test-story`);
  await politics.click();
  await page.getByRole("status").filter({ hasText: "You now follow" }).waitFor({ timeout: 10_000 });
  const again = await site.api("GET", "subscriptions", await token(page));
  assert.deepEqual(slugs(again), ["breaking", "politics"]);
  assert.equal(await politics.getAttribute("aria-pressed"), "true");
  await context.close();
});

test("pushsubscriptionchange moves the record to the new subscription, keeping follows", async () => {
  const { context, fake } = await pushContext({ grant: true });
  const { page, token: before } = await subscribedPage(context, ["breaking", "science"]);
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));

  // The event's oldSubscription and newSubscription must be real
  // PushSubscription objects, which only the browser's push service (Google's,
  // unreachable here) can make: the constructor refuses anything else. So the
  // event is dispatched without them, as browsers do when the old subscription
  // has expired, and the worker's own pushManager.subscribe — only it — returns
  // a local subscription with real keys, as the page's fake does.
  const outcome = await worker.evaluate(async (next) => {
    let refused = false;
    try {
      new PushSubscriptionChangeEvent("pushsubscriptionchange", { newSubscription: { endpoint: next.endpoint } });
    } catch (e) {
      refused = e instanceof TypeError;
    }
    const calls = [];
    self.registration.pushManager.subscribe = (options) => {
      calls.push({ userVisibleOnly: options.userVisibleOnly, keyLength: options.applicationServerKey.byteLength });
      return Promise.resolve({
        endpoint: next.endpoint,
        expirationTime: null,
        toJSON: () => ({ endpoint: next.endpoint, expirationTime: null, keys: { p256dh: next.p256dh, auth: next.auth } }),
      });
    };
    const event = new PushSubscriptionChangeEvent("pushsubscriptionchange", {});
    let done = Promise.resolve();
    event.waitUntil = (p) => { done = p; };
    self.dispatchEvent(event);
    await done;
    const cached = await (await caches.open("herald-push")).match("/__herald/token");
    return { refused, calls, token: cached ? await cached.text() : null };
  }, fake.next);
  assert.ok(outcome.refused, "a fake newSubscription is refused by the constructor");
  assert.deepEqual(outcome.calls, [{ userVisibleOnly: true, keyLength: 65 }]);
  assert.ok(outcome.token && outcome.token !== before, "the worker keeps the new token");
  const mine = await site.api("GET", "subscriptions", outcome.token);
  assert.equal(mine.status, 200);
  assert.equal(mine.body.endpoint, fake.next.endpoint);
  assert.deepEqual(slugs(mine), ["breaking", "science"]);
  assert.equal((await site.api("GET", "subscriptions", before)).status, 401);

  // The page, which holds the old token, takes the worker's on its next visit
  // and stays subscribed (its browser subscription is the new one too).
  await page.evaluate(() => localStorage.setItem("herald.test.rotated", "1"));
  await page.goto(`${site.base}/notifications`);
  await page.locator("#prefs-on").waitFor({ state: "visible" });
  await page.waitForFunction(() =>
    document.querySelector(".topic-toggle[data-topic=science]").getAttribute("aria-pressed") === "true");
  assert.equal(await token(page), outcome.token);
  assert.equal((await site.api("GET", "subscriptions", outcome.token)).body.endpoint, fake.next.endpoint);
  await context.close();
});

test("reminder settings: the browser's zone, per-topic digest, checks that name the field, and saving", async () => {
  const { context } = await pushContext({ grant: true });
  const { page, token: t } = await subscribedPage(context, ["politics", "breaking"]);
  // Registering told the server this browser's time zone.
  const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  const first = await site.api("GET", "subscriptions/preferences", t);
  assert.equal(first.body.time_zone, zone);
  await page.reload();
  await page.locator("#prefs-on").waitFor({ state: "visible" });
  await page.locator('[data-topic-mode="politics"]').waitFor({ state: "visible" });
  await page.waitForFunction(() => document.getElementById("max-per-day").value !== "");
  assert.equal(await page.getByLabel("Most notifications a day").inputValue(), "6");
  assert.equal(await page.locator('[data-topic-mode="science"]').isVisible(), false, "only followed topics");
  assert.equal(await page.getByLabel("No notifications during quiet hours").isChecked(), false);
  assert.equal(await page.locator("#quiet-start").isDisabled(), true);

  // A mistake is named at its field, focused, and nothing is saved.
  await page.getByLabel("Most notifications a day").fill("99");
  await page.getByRole("button", { name: "Save these settings" }).click();
  const max = page.getByLabel("Most notifications a day");
  assert.equal(await max.getAttribute("aria-invalid"), "true");
  assert.match(await page.locator("#max-per-day-error").innerText(), /0 to 50/);
  assert.equal(await page.evaluate(() => document.activeElement.id), "max-per-day");
  assert.equal((await site.api("GET", "subscriptions/preferences", t)).body.max_per_day, 6);

  await max.fill("3");
  await page.getByLabel("No notifications during quiet hours").check();
  await page.locator("#quiet-start").fill("22:00");
  await page.locator("#quiet-end").fill("07:00");
  await page.getByLabel("Your time zone").fill("Asia/Kolkata");
  await page.getByLabel("Politics", { exact: true }).selectOption("digest");
  await page.getByLabel("Daily digest at").fill("18:30");
  await page.getByLabel(/Breaking news may reach me/).uncheck();
  await page.getByRole("button", { name: "Save these settings" }).click();
  await page.getByRole("status").filter({ hasText: "Your settings are saved." }).waitFor({ state: "attached" });
  assert.equal(await max.getAttribute("aria-invalid"), null, "the error is cleared");
  const saved = await site.api("GET", "subscriptions/preferences", t);
  assert.deepEqual(saved.body, {
    max_per_day: 3, quiet_hours: { start: "22:00", end: "07:00" }, time_zone: "Asia/Kolkata",
    digest_topics: ["politics"], digest_time: "18:30", breaking_overrides: false,
  });

  // What the server refuses is shown at its field too.
  await page.getByLabel("Your time zone").fill("Mars/Olympus_Mons");
  await page.getByRole("button", { name: "Save these settings" }).click();
  assert.equal(await page.getByLabel("Your time zone").getAttribute("aria-invalid"), "true");
  assert.equal((await site.api("GET", "subscriptions/preferences", t)).body.time_zone, "Asia/Kolkata");

  // After a reload the page shows what was saved.
  await page.reload();
  await page.locator('[data-topic-mode="politics"]').waitFor({ state: "visible" });
  await page.waitForFunction(() => document.getElementById("max-per-day").value === "3");
  assert.equal(await page.getByLabel("Politics", { exact: true }).inputValue(), "digest");
  assert.equal(await page.getByLabel("Daily digest at").inputValue(), "18:30");
  assert.equal(await page.getByLabel(/Breaking news may reach me/).isChecked(), false);
  await context.close();
});

test("Follow this story on a live story follows it, and the server lists it", async () => {
  const { context } = await pushContext({ grant: true });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${site.base}/stories/live-flood`);
  const follow = page.locator(".live-status .follow-story");
  await follow.waitFor({ state: "visible", timeout: 5000 });
  assert.equal(await follow.textContent(), "Follow this story");
  assert.equal(await follow.getAttribute("aria-pressed"), "false");
  await follow.click();
  await page.waitForFunction(() => document.querySelector(".follow-story").getAttribute("aria-pressed") === "true");
  assert.equal(await follow.textContent(), "Following this story");
  await page.getByRole("status").filter({ hasText: "You now follow this story" }).waitFor({ timeout: 5000 });
  const t = await token(page);
  assert.ok(t, "subscribed on the way");
  let listed = await site.api("GET", "subscriptions/stories", t);
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.stories.map((s) => s.slug), ["live-flood"]);
  assert.equal(listed.body.stories[0].live, true);

  // A later visit shows the state the server keeps; pressing again unfollows.
  await page.reload();
  await page.waitForFunction(() => document.querySelector(".follow-story").getAttribute("aria-pressed") === "true");
  await follow.click();
  await page.waitForFunction(() => document.querySelector(".follow-story").getAttribute("aria-pressed") === "false");
  assert.equal(await follow.textContent(), "Follow this story");
  listed = await site.api("GET", "subscriptions/stories", t);
  assert.deepEqual(listed.body.stories, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test("on a live story the soft prompt offers the story's key events first", async () => {
  const { context } = await pushContext({ grant: false });
  const page = await context.newPage();
  await page.goto(`${site.base}/stories/live-flood`);
  const prompt = page.getByRole("dialog");
  await prompt.waitFor({ state: "visible", timeout: 5000 });
  const choices = prompt.getByRole("group", { name: "Remind me of new stories on:" });
  assert.deepEqual(await choices.locator("label").allTextContents(), ["Key events in this story", "World News", "Breaking news"]);
  await choices.getByLabel("World News").uncheck();
  await context.grantPermissions(["notifications"], { origin: site.base });
  await prompt.getByRole("button", { name: "OK", exact: true }).click();
  await page.getByRole("status").filter({ hasText: "You now follow Breaking news and this story" }).waitFor({ timeout: 10_000 });
  await page.waitForFunction(() => document.querySelector(".follow-story").getAttribute("aria-pressed") === "true");
  const t = await token(page);
  assert.deepEqual((await site.api("GET", "subscriptions/stories", t)).body.stories.map((s) => s.slug), ["live-flood"]);
  assert.deepEqual((await site.api("GET", "subscriptions/topics", t)).body.topics.map((x) => x.slug), ["breaking"]);
  await context.close();
});

