// The story editor as an editor uses it under deadline, in real headless
// Chromium: the sidebar's controls in view at 1280×800; a new story that
// becomes a draft on its own; typing kept across a click away and given
// back on return; a warning before leaving with what is not yet kept; an
// image uploaded into the body where the cursor was (by the button and by
// dropping a file on the body); the search and social fields; and the true
// preview of unsaved typing, with a shared preview link that works logged
// out until the story is published, then leads to it.
//
// Needs `bash tests/browser/install.sh` and `cargo build --bin herald`;
// run with `node --test tests/browser/`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startHerald, launchChromium } from "./support/herald.mjs";
import { png } from "./support/images.mjs";
import { EDITOR_EMAIL, EDITOR_PASSWORD, createAccount, logIn } from "./support/newsroom.mjs";

let site;
let browser;

before(async () => {
  site = await startHerald();
  await createAccount(site.global, EDITOR_EMAIL, "editor", EDITOR_PASSWORD, "Eda Editor");
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.stop();
});

/** A logged-in editor's page at `width` × `height`, collecting script errors. */
async function editorPage(width = 1280, height = 800) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  await logIn(page, site.base, EDITOR_EMAIL, EDITOR_PASSWORD);
  return { page, problems, close: () => context.close() };
}

test("publishing, schedule, topics, image and notification are in view at 1280×800", async () => {
  const { page, problems, close } = await editorPage();
  await page.goto(`${site.base}/newsroom/stories/new`);
  const controls = [
    page.getByRole("button", { name: "Save draft" }),
    page.getByRole("button", { name: "Publish now" }),
    page.getByRole("button", { name: "Schedule", exact: true }),
    page.getByRole("group", { name: "Topics" }),
    page.locator("#image-fieldset summary"),
    page.locator("#push-panel summary"),
  ];
  for (const control of controls) {
    const box = await control.boundingBox();
    assert.ok(box, `${control} is shown`);
    assert.ok(box.y >= 0 && box.y + box.height <= 800, `${control} in view without scrolling: ${JSON.stringify(box)}`);
    assert.ok(box.x > 640, `${control} in the sidebar, beside the body: ${JSON.stringify(box)}`);
  }
  const body = await page.locator("#body_markdown").boundingBox();
  assert.ok(body.x < 640, "the body on the left");
  assert.deepEqual(problems, []);
  await close();
});

test("typing is kept as a draft, across a click away, and given back", async () => {
  const { page, problems, close } = await editorPage();
  const dialogs = [];
  page.on("dialog", (d) => {
    dialogs.push(d.type());
    d.accept();
  });
  await page.goto(`${site.base}/newsroom/stories/new`);
  await page.locator("#headline").fill("Harbour wall gives way in the night");
  await page.locator("#body_markdown").fill("The wall fell at three.");
  // A headline and a body are enough: the story becomes a draft on its own.
  await page.waitForURL(/\/newsroom\/stories\/\d+$/, { timeout: 15_000 });
  await page.locator("#autosave-status", { hasText: "Draft saved" }).waitFor();
  const storyUrl = page.url();

  // More typing, kept a few seconds after it stops; then away to the dashboard.
  await page.locator("#body_markdown").press("Control+End");
  await page.locator("#body_markdown").pressSequentially("\n\nNo one was hurt.");
  await page.locator("#autosave-status", { hasText: "Changes kept" }).waitFor({ timeout: 15_000 });
  await Promise.all([page.waitForURL(`${site.base}/newsroom`), page.getByRole("link", { name: "Dashboard" }).click()]);
  assert.deepEqual(dialogs, [], "nothing to ask: everything typed was kept");

  // Back: the typing is there, said to be unsaved, with a way to drop it.
  await page.goto(storyUrl);
  assert.equal(await page.locator("#body_markdown").inputValue(), "The wall fell at three.\n\nNo one was hurt.");
  assert.match(await page.locator(".nr-flash").first().textContent(), /unsaved changes/);
  assert.ok(await page.getByRole("button", { name: "Discard my unsaved changes" }).isVisible());
  // Saving makes it the story.
  await Promise.all([page.waitForURL(/done=saved/), page.getByRole("button", { name: "Save draft" }).click()]);
  assert.equal(await page.locator("#body_markdown").inputValue(), "The wall fell at three.\n\nNo one was hurt.");
  assert.equal(await page.getByRole("button", { name: "Discard my unsaved changes" }).count(), 0);
  assert.deepEqual(problems, []);
  await close();
});

test("leaving with typing not yet kept asks first", async () => {
  const { page, problems, close } = await editorPage();
  await page.goto(`${site.base}/newsroom/stories/1`);
  const seen = [];
  page.on("dialog", (d) => {
    seen.push(d.type());
    d.dismiss(); // Stay on the page.
  });
  await page.locator("#standfirst").press("Control+End");
  await page.locator("#standfirst").pressSequentially(" And more.");
  await page.getByRole("link", { name: "Dashboard" }).click({ noWaitAfter: true });
  await page.waitForTimeout(500);
  assert.deepEqual(seen, ["beforeunload"]);
  assert.match(page.url(), /\/newsroom\/stories\/1$/, "still in the editor");
  assert.match(await page.locator("#standfirst").inputValue(), /And more\.$/);
  assert.deepEqual(problems, []);
  await close();
});

test("an image goes into the body where the cursor was, by button or by dropping it", async () => {
  const { page, problems, close } = await editorPage();
  await page.goto(`${site.base}/newsroom/stories/1`);
  const body = page.locator("#body_markdown");
  await body.fill("First paragraph.\n\nLast paragraph.");
  await body.evaluate((el) => el.setSelectionRange(16, 16)); // after "First paragraph."
  await page.getByText("Insert an image into the body").click();
  await page.locator("#insert_file").setInputFiles({ name: "harbour.png", mimeType: "image/png", buffer: png(640, 360) });
  // A description first: the upload says so.
  await page.getByRole("button", { name: "Upload and insert" }).click();
  await page.locator("#insert-status", { hasText: "Describe the image first" }).waitFor();
  await page.locator("#insert_alt").fill("The harbour wall [after] the storm");
  await page.getByRole("button", { name: "Upload and insert" }).click();
  await page.locator("#insert-status", { hasText: "Inserted" }).waitFor();
  const text = await body.inputValue();
  assert.match(
    text,
    /^First paragraph\.\n\n!\[The harbour wall after the storm\]\(\/media\/[^)]+\)\n\nLast paragraph\.$/,
    text,
  );
  // The live preview shows it, with its description.
  await page.locator('#body-preview img[alt="The harbour wall after the storm"]').waitFor();

  // A file dropped on the body waits for its description.
  await body.evaluate((el) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array([137, 80, 78, 71])], "dropped.png", { type: "image/png" }));
    el.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await page.locator("#insert-status", { hasText: "Describe “dropped.png”" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "insert_alt");
  assert.equal(await page.locator("#insert_file").evaluate((el) => el.files[0]?.name), "dropped.png");
  assert.deepEqual(problems, []);
  await close();
});

test("search and social fields: opened from the keyboard, counted while typed, used by the page's head", async () => {
  const { page, problems, close } = await editorPage();
  await page.goto(`${site.base}/newsroom/stories/1`);
  const summary = page.locator("#seo-panel summary");
  assert.equal(await summary.textContent(), "Search and social: default");
  assert.equal(await page.locator("#seo_title").isVisible(), false, "folded");
  await summary.focus();
  await page.keyboard.press("Enter");
  await page.locator("#seo_title").focus();
  await page.keyboard.type("Harbour wall: what the storm broke");
  assert.equal(await page.locator("#seo_title-count").textContent(), "34 characters");
  assert.equal(await summary.textContent(), "Search and social: custom");
  await page.keyboard.type(", and what the town will rebuild");
  assert.equal(
    await page.locator("#seo_title-count").textContent(),
    "66 characters: over 60, search results may cut it",
  );
  await page.locator("#seo_description").fill("Three houses flooded; no one was hurt.");
  await Promise.all([
    page.waitForURL(/done=/),
    page.getByRole("button", { name: "Save changes" }).click(),
  ]);
  assert.equal(
    await page.locator("#seo_title").inputValue(),
    "Harbour wall: what the storm broke, and what the town will rebuild",
  );
  const slug = await page.locator("#slug").inputValue();
  await page.goto(`${site.base}/stories/${slug}`);
  assert.equal(await page.title(), "Harbour wall: what the storm broke, and what the town will rebuild");
  assert.equal(
    await page.locator('meta[name="description"]').getAttribute("content"),
    "Three houses flooded; no one was hurt.",
  );
  assert.notEqual(await page.locator("h1").textContent(), await page.title(), "the visible headline stays");
  assert.deepEqual(problems, []);
  await close();
});

test("the true preview shows the unsaved story; a shared link works logged out until publication", async () => {
  const { page, problems, close } = await editorPage();
  await page.goto(`${site.base}/newsroom/stories/new`);
  await page.locator("#headline").fill("Ferry timetable changes from Monday");
  await page.locator("#standfirst").fill("Fewer sailings on the island route.");
  await page.locator("#body_markdown").fill("> [!PULLQUOTE]\n> We had no choice.\n\nThe operator said so.");
  await Promise.all([page.waitForURL(/done=created/), page.getByRole("button", { name: "Save draft" }).click()]);
  const storyUrl = page.url().replace(/\?.*$/, "");
  // An unsaved change shows in the preview: a new tab, the site's own template.
  await page.locator("#headline").fill("Ferry timetable changes from Tuesday");
  const [preview] = await Promise.all([
    page.context().waitForEvent("page"),
    page.getByRole("button", { name: "Preview as readers will see it" }).click(),
  ]);
  await preview.waitForLoadState("load");
  const frame = preview.frameLocator("iframe[title='The story as readers will see it']");
  assert.equal((await frame.locator("h1").textContent()).trim(), "Ferry timetable changes from Tuesday");
  assert.match(await frame.locator(".standfirst, p").first().textContent(), /Fewer sailings/);
  assert.equal(await frame.locator("blockquote.pull-quote").count(), 1, "the pull quote as the site draws it");
  await preview.getByLabel("Phone").check();
  const width = await preview.locator("iframe").evaluate((f) => f.getBoundingClientRect().width);
  assert.ok(width <= 390, `the phone width: ${width}`);
  await preview.close();

  // Share it: the link is shown once, and works without an account.
  await page.goto(storyUrl);
  await page.getByRole("button", { name: "Make a preview link" }).click();
  const link = await page.locator("#new-preview-link").inputValue();
  assert.match(link, /\/preview\/[A-Za-z0-9_-]{20,}$/);
  const stranger = await browser.newContext();
  const outside = await stranger.newPage();
  const answer = await outside.goto(link);
  assert.equal(answer.status(), 200);
  assert.match(answer.headers()["x-robots-tag"], /^noindex/);
  assert.match(await outside.locator('meta[name="robots"]').getAttribute("content"), /^noindex/);
  assert.equal((await outside.locator("h1").textContent()).trim(), "Ferry timetable changes from Monday", "the saved draft");
  const slug = "ferry-timetable-changes-from-monday";
  assert.equal((await outside.goto(`${site.base}/stories/${slug}`)).status(), 404, "not on the site yet");

  // Published (without a notification): the link leads to the story itself.
  await page.locator("#headline").fill("Ferry timetable changes from Monday");
  await page.locator("#push-panel summary").click();
  await page.locator("#push_send").uncheck();
  await Promise.all([page.waitForURL(/done=published/), page.getByRole("button", { name: "Publish now" }).click()]);
  const after = await outside.goto(link);
  assert.equal(new URL(outside.url()).pathname, `/stories/${slug}`, "redirected to the story");
  assert.equal(after.status(), 200);
  await stranger.close();
  assert.deepEqual(problems, []);
  await close();
});
