// Site search as a reader uses it, in real headless Chromium: type in the
// header's search box, press Enter, read the results (the terms marked);
// the same without JavaScript; axe-core finds no WCAG 2.2 AA violation on
// the results page at desktop (1280 px) and phone (390 px) widths, and
// nothing scrolls sideways.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { axeViolations } from "./support/axe.mjs";
import { startHerald, FIXTURE_SLUG, launchChromium } from "./support/herald.mjs";

const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
};

let site;
let browser;

before(async () => {
  site = await startHerald();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.stop();
});

/** Types a search in the header's box and presses Enter; returns the results' headlines. */
async function searchFromHeader(page, words) {
  await page.goto(site.base + `/stories/${FIXTURE_SLUG}`, { waitUntil: "load" });
  const box = page.getByRole("searchbox", { name: "Search stories" });
  await box.fill(words);
  await Promise.all([page.waitForURL(/\/search\?q=/), box.press("Enter")]);
  return page.locator(".search-result h2").allTextContents();
}

for (const javaScriptEnabled of [true, false]) {
  test(`typing in the header's box and pressing Enter shows results (JavaScript ${javaScriptEnabled ? "on" : "off"})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    try {
      const headlines = await searchFromHeader(page, "lighthouse keepers");
      assert.ok(headlines.length >= 1, "at least one result");
      assert.match(headlines[0], /lighthouse/i);
      assert.equal(new URL(page.url()).searchParams.get("q"), "lighthouse keepers");
      assert.match(await page.locator("#search-summary").textContent(), /stor(y matches|ies match)/);
      assert.ok((await page.locator(".search-result mark").count()) > 0, "the terms are marked");
      // The box keeps the query, to change it.
      assert.equal(await page.locator("#site-search-q").inputValue(), "lighthouse keepers");
      // The headline leads to the story.
      await Promise.all([page.waitForURL(/\/stories\//), page.locator(".search-result h2 a").first().click()]);
      assert.equal((await page.locator("h1").textContent()).trim(), headlines[0].trim());
    } finally {
      await context.close();
    }
  });
}

for (const [label, viewport] of Object.entries(VIEWPORTS)) {
  test(`axe finds no violations on the search pages at ${label} width`, async () => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const problems = [];
    try {
      await searchFromHeader(page, "lighthouse");
      const pages = [page.url(), site.base + "/search", site.base + "/search?q=zzzzqqq", site.base + "/search?q=%22%22"];
      for (const url of pages) {
        const res = await page.goto(url, { waitUntil: "load" });
        assert.equal(res.status(), 200, url);
        for (const v of await axeViolations(page)) problems.push(`${url}: ${v}`);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        if (overflow > 0) problems.push(`${url}: scrolls sideways by ${overflow}px`);
      }
    } finally {
      await context.close();
    }
    assert.deepEqual(problems, [], "accessibility problems");
  });
}
