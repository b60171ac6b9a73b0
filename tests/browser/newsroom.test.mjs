// The newsroom in real headless Chromium, end to end: an editor (made with
// `herald user add`) logs in, creates a topic, writes a story with an
// uploaded image and a YouTube embed, sees the embed card in the live
// preview and the notification's preview with its byte budget, and
// publishes with a notification. Two subscriptions at a real third-party
// push service (web-push-testing, behind a gate that holds pushes until the
// test opens it) follow the topic. The dashboard shows the fan-out under
// way with nothing delivered, then — without a reload — both deliveries once
// the gate opens. The story is on the site and in /feed.xml, and each
// device received the notification with the editor's title.
//
// Needs `bash tests/browser/install.sh` and `bash interop/install.sh`, and
// `cargo build --bin herald`; run with `node --test tests/browser/`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { heraldBin, launchChromium } from "./support/herald.mjs";
import { png } from "./support/images.mjs";
import { EDITOR_EMAIL, EDITOR_PASSWORD, createAccount, logIn } from "./support/newsroom.mjs";

const ADMIN_EMAIL = "ada@example.org";
const INVITEE_PASSWORD = "tidal barge lantern quay";
import { freePort, sleep, startChild, startGate, startPushService } from "./support/push_service.mjs";

const HEADLINE = "Lighthouse keepers vote to stay at Gull Point";
const SLUG = "lighthouse-keepers-vote-to-stay-at-gull-point";
const PUSH_TITLE = "Keepers stay at Gull Point";

/** Herald serving with delivery workers, sending only to `pushOrigin`, with an editor. */
async function startHerald(pushOrigin) {
  const data = await mkdtemp(path.join(tmpdir(), "herald-newsroom-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = path.join(data, "herald.toml");
  await writeFile(
    config,
    [
      "[push]",
      'vapid_subject = "mailto:test@example.org"',
      `allowed_hosts = ["${pushOrigin}"]`,
      "workers = 2",
      "retry_base_ms = 100",
      "",
    ].join("\n"),
  );
  const global = ["--config", config, "--data", data, "--bind", `127.0.0.1:${port}`, "--base-url", base];
  await createAccount(global, EDITOR_EMAIL, "editor", EDITOR_PASSWORD, "Eda Editor");
  let server;
  try {
    server = await startChild(
      "herald",
      heraldBin,
      [...global, "serve"],
      { env: { ...process.env, RUST_LOG: "warn", NO_COLOR: "1" } },
      async () => (await fetch(`${base}/healthz`)).ok,
    );
  } catch (err) {
    await rm(data, { recursive: true, force: true });
    throw err;
  }
  return {
    base,
    global,
    log: server.log,
    async stop() {
      await server.stop();
      await rm(data, { recursive: true, force: true });
    },
  };
}

/** Waits for `check()` to be true, or fails with `what`. */
async function eventually(what, check, limitMs = 30_000) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

let pushService;
let gate;
let herald;
let browser;

before(async () => {
  pushService = await startPushService();
  gate = await startGate(pushService.origin);
  herald = await startHerald(gate.origin);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await herald?.stop();
  await gate?.close();
  await pushService?.stop();
});

test("an editor writes, previews and publishes a story with a push, and watches it delivered", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Nothing but Herald: a YouTube request would be a bug in the preview.
  const blocked = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1") return route.continue();
    blocked.push(url.href);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));

  await logIn(page, herald.base, EDITOR_EMAIL, EDITOR_PASSWORD);

  // A topic, from the topics page.
  await page.goto(`${herald.base}/newsroom/topics`);
  await page.locator("#name").fill("Coast");
  await page.locator("#description").fill("Life along the shore.");
  await Promise.all([page.waitForURL(/done=created/), page.getByRole("button", { name: "Create the topic" }).click()]);
  assert.ok(await page.getByRole("link", { name: "Coast", exact: true }).isVisible());

  // Two readers follow it, at a real push service, reached through the gate.
  const key = await (await fetch(`${herald.base}/api/v1/push/vapid-public-key`)).json();
  const devices = [];
  for (let i = 0; i < 2; i++) {
    const sub = await pushService.subscribe(key.public_key);
    const res = await fetch(`${herald.base}/api/v1/push/subscriptions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        subscription: { endpoint: gate.through(sub.endpoint), expirationTime: null, keys: sub.keys },
        topics: ["coast"],
      }),
    });
    assert.equal(res.status, 201, `registering device ${i}: ${await res.text()}`);
    devices.push(sub.clientHash);
  }

  // Write the story.
  await page.goto(`${herald.base}/newsroom/stories/new`);
  await page.locator("#headline").fill(HEADLINE);
  assert.equal(await page.locator("#slug").inputValue(), SLUG, "the slug follows the headline");
  await page.locator("#standfirst").fill("The two keepers will spend the winter repairing the light.");
  await page
    .locator("#body_markdown")
    .fill(
      "The keepers met on **Monday**.\n\nhttps://www.youtube.com/watch?v=GullPoint01\n\nThe vote was unanimous.",
    );
  // The live preview, by the site's renderer: the embed is a link card.
  const card = page.locator("#body-preview figure.embed-youtube");
  await card.waitFor({ state: "visible" });
  assert.equal(await card.getAttribute("data-embed-id"), "GullPoint01");
  assert.equal(await page.locator("#body-preview strong").textContent(), "Monday");
  assert.equal(await page.locator("#body-preview iframe").count(), 0);

  // The featured image, folded in the sidebar: description first, then the upload.
  await page.locator("#image-fieldset summary").click();
  await page.locator("#image_alt").fill("The lighthouse at Gull Point at dusk");
  await page.locator("#image_credit").fill("Ana Photographer");
  await page.locator("#image_file").setInputFiles({ name: "gull-point.png", mimeType: "image/png", buffer: png(800, 450) });
  await page.getByRole("button", { name: "Upload the image" }).click();
  await page.locator("#upload-status", { hasText: "Uploaded" }).waitFor();
  const src = await page.locator("#image_url").inputValue();
  assert.match(src, /^\/media\//, "the upload's address is filled in");
  assert.ok(await page.locator("#image-thumb img").isVisible(), "a thumbnail");

  await page.getByLabel("Coast", { exact: true }).check();

  // The push panel: on by default, a title of our own, previewed with its size.
  assert.match(await page.locator("#push-panel summary").textContent(), /Notification: on/);
  await page.locator("#push-panel summary").click();
  assert.ok(await page.locator("#push_send").isChecked());
  await page.locator("#push_title").fill(PUSH_TITLE);
  await page.locator('[data-push-show="title"]', { hasText: PUSH_TITLE }).waitFor();
  await page.locator('[data-push-show="budget"]', { hasText: /^\d+ of \d+ bytes/ }).waitFor();

  // Publishing asks first, naming whom the notification reaches now.
  await page.getByRole("button", { name: "Publish now" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor({ state: "visible" });
  assert.equal(
    (await dialog.getByRole("heading").textContent()).trim(),
    "Publish and notify 2 readers who follow Coast?",
  );
  assert.ok(await dialog.evaluate((d) => d.matches(":modal")), "modal: the editor must answer");
  // Cancel (Escape): nothing published, nothing sent, the form as typed.
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.equal(await page.locator("#push_title").inputValue(), PUSH_TITLE);
  assert.equal(await page.locator("#image_url").inputValue(), src);
  assert.equal((await fetch(`${herald.base}/stories/${SLUG}`)).status, 404);
  await sleep(300);
  assert.equal(gate.received(), 0, "nothing sent");
  // Again, and confirm this time.
  await page.getByRole("button", { name: "Publish now" }).click();
  await dialog.waitFor({ state: "visible" });
  await Promise.all([
    page.waitForURL(/done=published/),
    dialog.getByRole("button", { name: "Publish and notify" }).click(),
  ]);
  assert.match(
    await page.locator(".nr-flash-success").textContent(),
    /Published\. The notification is on its way to 2 readers\./,
  );
  const storyId = Number(new URL(page.url()).pathname.split("/").pop());
  assert.ok(storyId > 0, page.url());

  // The fan-out is under way: both pushes are held at the gate.
  await eventually("both pushes to reach the gate", () => gate.received() >= 2);
  await page.goto(`${herald.base}/newsroom`);
  const row = page.locator(`tr[data-story-id="${storyId}"]`);
  assert.equal(await row.getAttribute("data-live"), "true", "the dashboard watches the fan-out");
  const delivered = row.locator('[data-field="delivered"]');
  assert.equal(await delivered.textContent(), "0", "nothing delivered yet");

  // Deliver: the numbers change on the open page, without a reload.
  gate.open();
  await delivered.filter({ hasText: /^2$/ }).waitFor({ timeout: 30_000 });
  assert.equal(await row.locator('[data-field="queued"]').textContent(), "2");
  await row.locator('[data-field="state"]', { hasText: "Sent" }).waitFor();
  assert.match(await page.locator("#delivery-status").textContent(), /Finished sending/);

  // Each reader got the editor's title, linking to the story.
  for (const clientHash of devices) {
    const messages = await pushService.messages(clientHash);
    assert.equal(messages.length, 1, JSON.stringify(messages));
    const { notification } = JSON.parse(messages[0]);
    assert.equal(notification.title, PUSH_TITLE);
    assert.equal(notification.navigate, `${herald.base}/stories/${SLUG}?from=notification`);
  }

  // On the site (once its page cache has noticed) and in the feed.
  let story;
  await eventually("the story on the site", async () => {
    story = await page.goto(`${herald.base}/stories/${SLUG}`);
    return story.status() === 200;
  });
  assert.equal((await page.locator("h1").textContent()).trim(), HEADLINE);
  assert.equal(await page.locator("figure.embed-youtube").getAttribute("data-embed-id"), "GullPoint01");
  const image = page.locator(".featured-image img");
  assert.equal(await image.getAttribute("alt"), "The lighthouse at Gull Point at dusk");
  assert.match(await page.locator(".featured-image").textContent(), /Ana Photographer/);
  let feed = "";
  await eventually("the story in /feed.xml", async () => {
    feed = await (await fetch(`${herald.base}/feed.xml`)).text();
    return feed.includes(HEADLINE);
  });
  assert.ok(feed.includes(`/stories/${SLUG}`), "the feed links to the story");

  assert.deepEqual(blocked, [], "no third-party request");
  assert.deepEqual(problems, [], "no script errors");
  await context.close();
});

test("an admin invites a person, who sets a password from the link and lands in the newsroom", async () => {
  await createAccount(herald.global, ADMIN_EMAIL, "admin", EDITOR_PASSWORD, "Ada Admin");
  const adminContext = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    permissions: ["clipboard-read", "clipboard-write"],
  });
  let link;
  try {
    const page = await adminContext.newPage();
    await logIn(page, herald.base, ADMIN_EMAIL, EDITOR_PASSWORD);
    await page.goto(`${herald.base}/newsroom/users`);
    await page.locator("#email").fill("ivy@example.org");
    await page.locator("#name").fill("Ivy Invitee");
    await page.locator("#role").selectOption("editor");
    await Promise.all([
      page.waitForEvent("load"),
      page.getByRole("button", { name: "Invite", exact: true }).click(),
    ]);
    // The link, shown once, under the site's base URL; the box has focus.
    link = await page.locator("#new-invite-link").inputValue();
    assert.match(link, new RegExp(`^${herald.base}/newsroom/invite/[A-Za-z0-9_-]{43}$`));
    assert.ok(await page.evaluate(() => document.activeElement.classList.contains("nr-new-invite")));
    // Copy puts it on the clipboard and says so.
    await page.getByRole("button", { name: "Copy the link" }).click();
    await page.locator('[data-copy-status="new-invite-link"]').filter({ hasText: "Copied." }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    // Waiting on the list, and the link is not shown again.
    await page.goto(`${herald.base}/newsroom/users`);
    assert.equal(await page.locator("#new-invite-link").count(), 0);
    const row = page.locator("#invites-heading + div tbody tr");
    assert.match(await row.innerText(), /ivy@example\.org\s+Ivy Invitee\s+editor/);
  } finally {
    await adminContext.close();
  }

  // The invitee, on a phone, in a browser of their own: keyboard only.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  try {
    const page = await phone.newPage();
    await page.goto(link);
    assert.equal(await page.locator("h1").textContent(), `Join the ${await siteName(page)} newsroom`);
    assert.equal(await page.locator("#email").inputValue(), "ivy@example.org");
    await page.locator("#password").focus();
    await page.keyboard.type("password1234");
    await page.keyboard.press("Tab");
    await page.keyboard.type("password1234");
    await Promise.all([page.waitForEvent("load"), page.keyboard.press("Enter")]);
    // Refused with the rule, focus on the summary; the link still works.
    assert.match(await page.locator("#password-error").textContent(), /commonly used passwords/);
    assert.equal(await page.evaluate(() => document.activeElement.classList.contains("nr-error-summary")), true);
    await page.locator("#password").focus();
    await page.keyboard.type(INVITEE_PASSWORD);
    await page.keyboard.press("Tab");
    await page.keyboard.type(INVITEE_PASSWORD);
    await Promise.all([
      page.waitForURL((url) => url.pathname === "/newsroom"),
      page.keyboard.press("Enter"),
    ]);
    assert.match(await page.locator(".nr-user").innerText(), /Ivy Invitee\s*\(editor\)/);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.equal(overflow, 0, "the newsroom fits the phone");
    // Once only.
    const again = await page.goto(link);
    assert.equal(again.status(), 410);
    assert.equal(await page.locator("h1").textContent(), "This invite was already used");
  } finally {
    await phone.close();
  }
});

/** The site's name, as the newsroom's header shows it. */
async function siteName(page) {
  const brand = (await page.locator(".nr-brand span").textContent()).trim();
  return brand.replace(/ newsroom$/, "");
}
