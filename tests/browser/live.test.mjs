// A live story's page as a reader follows it, in real headless Chromium,
// while an editor posts through the admin API: new entries wait behind a
// "N new updates" button (the page does not move), which the reader opens
// from the keyboard; the newest then has the focus and its key event leads
// the "Key events" list; an edit changes an entry where it stands, a
// deletion takes it away, and the end of coverage is shown. axe-core finds
// no WCAG 2.2 AA violation with the button showing, at desktop and phone
// widths. The stream has a connection of its own (the server's lean path),
// and comes back after the server restarts, resuming after the last event
// the page had.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { axeViolations } from "./support/axe.mjs";
import { startHerald, heraldBin, launchChromium, LIVE_SLUG } from "./support/herald.mjs";
import { createAccount, logIn, EDITOR_EMAIL, EDITOR_PASSWORD } from "./support/newsroom.mjs";

const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
};

let site;
let browser;
let token;

before(async () => {
  site = await startHerald();
  await createAccount(site.global, EDITOR_EMAIL, "editor", EDITOR_PASSWORD, "Eda Editor");
  const { stdout } = await promisify(execFile)(
    heraldBin,
    [...site.global, "token", "create", "--user", EDITOR_EMAIL, "--name", "live test"],
    { env: { ...process.env, RUST_LOG: "warn" } },
  );
  token = stdout.trim();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.stop();
});

/** Calls the admin API as the editor; resolves to the JSON answer. */
async function admin(method, path, body) {
  const res = await fetch(site.base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Opens the live story and waits until its event stream is connected. */
async function openLivePage(viewport) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const streaming = page.waitForResponse((r) => r.url().includes(`/stories/${LIVE_SLUG}/events`));
  await page.goto(`${site.base}/stories/${LIVE_SLUG}`, { waitUntil: "load" });
  const stream = await streaming;
  assert.equal(stream.status(), 200);
  // Fetched without credentials, the stream has a connection of its own,
  // which the server serves on its lean path (and closes with the stream).
  assert.equal((await stream.allHeaders())["connection"], "close");
  const storyId = Number(await page.locator("article.story").getAttribute("data-story-id"));
  return { context, page, storyId };
}

test("an editor posts a key event from the live desk with the keyboard alone", async () => {
  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    try {
      await logIn(page, site.base, EDITOR_EMAIL, EDITOR_PASSWORD);
      const storyId = Number(
        /data-story-id="(\d+)"/.exec((await site.get(`/stories/${LIVE_SLUG}`)).html)[1],
      );
      await page.goto(`${site.base}/newsroom/stories/${storyId}/live`, { waitUntil: "load" });
      assert.deepEqual(await axeViolations(page), [], `axe on the desk (${name})`);
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(sideways, false, `nothing scrolls sideways (${name})`);
      if (name !== "desktop") continue;

      // From the top of the page, by Tab alone, to the composer's title.
      for (let i = 0; i < 40 && (await page.evaluate(() => document.activeElement?.id)) !== "title"; i += 1) {
        await page.keyboard.press("Tab");
      }
      assert.equal(await page.evaluate(() => document.activeElement.id), "title", "Tab reaches the composer");
      await page.keyboard.type("Pumps arrive from Fellbridge");
      await page.keyboard.press("Tab");
      await page.keyboard.type("Six **high-volume pumps** are working at the mill.");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Space");
      assert.equal(await page.locator("#key_event").isChecked(), true);
      await page.keyboard.press("Shift+Tab");
      // A key event asks first whom it notifies; Enter confirms.
      await page.keyboard.press("Control+Enter");
      await page.locator("dialog#confirm-dialog").waitFor();
      assert.match(await page.locator("#confirm-question").textContent(), /Post this key event/);
      assert.equal(await page.locator("#title").inputValue(), "Pumps arrive from Fellbridge", "kept while asked");
      await Promise.all([page.waitForURL(/done=posted/), page.keyboard.press("Enter")]);
      assert.match(await page.locator(".nr-flash").first().textContent(), /Posted/);
      assert.equal(await page.evaluate(() => document.activeElement.id), "title", "ready for the next entry");
      const first = page.locator(".nr-desk-entry").first();
      assert.match(await first.textContent(), /Pumps arrive from Fellbridge/);
      assert.match(await first.textContent(), /Key event/);
      // On the reader's page once its cache notices (within a second).
      let shown = false;
      for (let i = 0; i < 50 && !shown; i += 1) {
        shown = /high-volume pumps/.test((await site.get(`/stories/${LIVE_SLUG}`)).html);
        if (!shown) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(shown, "on the reader's page");
      await page.screenshot({ path: "/tmp/live-desk-desktop.png" });
    } finally {
      await context.close();
    }
  }
});

test("new entries wait behind a button, edits and deletions show in place, and the end is told", async () => {
  const { context, page, storyId } = await openLivePage(VIEWPORTS.desktop);
  try {
    const button = page.locator(".live-news-button");
    assert.equal(await button.isVisible(), false, "no button before anything new");
    const firstOnPage = await page.locator(".live-entry").first().getAttribute("id");
    await page.mouse.wheel(0, 600);
    await page.waitForFunction(() => window.scrollY > 0);
    const scrolled = await page.evaluate(() => window.scrollY);

    const one = await admin("POST", `/api/v1/admin/stories/${storyId}/entries`, {
      title: "Second levee breached",
      body_markdown: "Water is now **over the road** at the mill.",
      key_event: true,
    });
    await button.waitFor({ state: "visible" });
    assert.equal((await button.textContent()).trim(), "1 new update");
    const two = await admin("POST", `/api/v1/admin/stories/${storyId}/entries`, {
      body_markdown: "Buses are leaving the school car park every ten minutes.",
    });
    await page.waitForFunction(() => document.querySelector(".live-news-button").textContent.trim() === "2 new updates");
    assert.equal(await page.locator(`#entry-${one.id}`).count(), 0, "new entries wait until asked for");
    assert.equal(await page.locator(".live-entry").first().getAttribute("id"), firstOnPage);
    assert.equal(await page.evaluate(() => window.scrollY), scrolled, "the page did not move");
    assert.equal(await page.locator(".live-news").getAttribute("aria-live"), "polite");

    // An edit of an entry already on the page changes it where it stands.
    const shownId = Number(firstOnPage.replace("entry-", ""));
    await admin("PATCH", `/api/v1/admin/stories/${storyId}/entries/${shownId}`, {
      body_markdown: "Corrected: the **east** bank went first.",
    });
    await page.locator(`#entry-${shownId} strong`, { hasText: "east" }).waitFor();
    assert.equal((await button.textContent()).trim(), "2 new updates", "an edit is not new");

    // axe-core with the button showing.
    assert.deepEqual(await axeViolations(page), []);

    // The reader opens them from the keyboard.
    await button.focus();
    await page.keyboard.press("Enter");
    await page.locator(`#entry-${one.id}`).waitFor();
    assert.equal(await button.isVisible(), false);
    const order = await page.locator(".live-entry").evaluateAll((els) => els.slice(0, 3).map((e) => e.id));
    assert.deepEqual(order, [`entry-${two.id}`, `entry-${one.id}`, firstOnPage], "newest first, at the top");
    assert.equal(await page.evaluate(() => document.activeElement.id), `entry-${two.id}`, "the focus is on the newest");
    const firstKeyEvent = page.locator(".key-events li").first();
    assert.match(await firstKeyEvent.textContent(), /Second levee breached/);
    assert.equal(await firstKeyEvent.locator("a").getAttribute("href"), `#entry-${one.id}`);

    // A deletion takes the entry and its key event away.
    await admin("DELETE", `/api/v1/admin/stories/${storyId}/entries/${one.id}`);
    await page.locator(`#entry-${one.id}`).waitFor({ state: "detached" });
    assert.equal(await page.locator(`.key-events a[href="#entry-${one.id}"]`).count(), 0);

    await page.screenshot({ path: "/tmp/live-desktop.png", fullPage: false });
  } finally {
    await context.close();
  }
});

test("the stream comes back after the server restarts and resumes after the last event it had", async () => {
  const { context, page, storyId } = await openLivePage(VIEWPORTS.desktop);
  try {
    const resumed = [];
    page.on("request", (r) => {
      if (r.url().includes(`/stories/${LIVE_SLUG}/events`)) resumed.push(r.headers()["last-event-id"]);
    });
    const button = page.locator(".live-news-button");
    await admin("POST", `/api/v1/admin/stories/${storyId}/entries`, { body_markdown: "Before the restart." });
    await page.waitForFunction(() => document.querySelector(".live-news-button").textContent.trim() === "1 new update");
    await site.restart();
    // The page tries again every 3 s (the stream's `retry`) until it is back.
    const deadline = Date.now() + 30_000;
    while (!resumed.some((id) => /^\d+$/.test(id ?? "")) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(resumed.some((id) => /^\d+$/.test(id ?? "")), `a try with Last-Event-ID: ${JSON.stringify(resumed)}`);
    // Posted until the stream is back (what was posted while it was away
    // comes from the store, after the Last-Event-ID).
    await admin("POST", `/api/v1/admin/stories/${storyId}/entries`, { body_markdown: "After the restart." });
    await page.waitForFunction(() => document.querySelector(".live-news-button").textContent.trim() === "2 new updates", null, { timeout: 30_000 });
    await button.click();
    await page.locator(".live-entry", { hasText: "After the restart." }).waitFor();
    assert.equal(await page.locator(".live-entry", { hasText: "Before the restart." }).count(), 1, "each entry once");
  } finally {
    await context.close();
  }
});

test("on a phone the button stays in view while the reader scrolls the entries", async () => {
  const { context, page, storyId } = await openLivePage(VIEWPORTS.phone);
  try {
    await page.locator(".live-entry").nth(2).scrollIntoViewIfNeeded();
    await admin("POST", `/api/v1/admin/stories/${storyId}/entries`, {
      title: "Evacuation centre full",
      body_markdown: "The leisure centre has no more beds; the town hall opens at noon.",
    });
    const button = page.locator(".live-news-button");
    await button.waitFor({ state: "visible" });
    const box = await button.boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= VIEWPORTS.phone.height, `in view: ${JSON.stringify(box)}`);
    assert.ok(box.height >= 24, "a target a finger can hit");
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(sideways, false, "nothing scrolls sideways");
    assert.deepEqual(await axeViolations(page), []);
    await page.screenshot({ path: "/tmp/live-phone.png", fullPage: false });

    // The end of coverage, told while the page is open.
    await admin("POST", `/api/v1/admin/stories/${storyId}/end-live`);
    await page.locator(".live-status.live-ended").waitFor();
    assert.match(await page.locator(".live-status").textContent(), /Coverage ended at/);
  } finally {
    await context.close();
  }
});
