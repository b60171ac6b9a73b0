// The reader's site in real headless Chromium: axe-core finds no WCAG 2.2 AA
// violation at desktop and mobile widths; the skip link comes first and moves
// focus to main; keyboard focus is visible; a story reads with JavaScript off;
// a YouTube embed loads no third-party frame until the reader asks for it.
// The reader's pages are checked in the light and the dark colour scheme
// (prefers-color-scheme), and dark mode must really be dark.
// Screenshots of the home and story pages go to $HERALD_SCREENSHOTS (default
// <tmp>/herald-screenshots) for a human to look at.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { axeViolations } from "./support/axe.mjs";
import { startHerald, pagesToCheck, FIXTURE_SLUG, LIVE_SLUG } from "./support/herald.mjs";

const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  mobile: { width: 375, height: 740 },
};
/** The reader's colour schemes, as browser-context options. */
const SCHEMES = {
  light: { colorScheme: "light" },
  dark: { colorScheme: "dark" },
};
const STORY = `/stories/${FIXTURE_SLUG}`;
const screenshots = process.env.HERALD_SCREENSHOTS ?? path.join(tmpdir(), "herald-screenshots");

let site;
let browser;

before(async () => {
  site = await startHerald();
  // Playwright gives the browser a fresh temporary profile of its own.
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  await site?.stop();
});

/**
 * A new browser context whose requests may reach only the herald under test:
 * anything else (YouTube, example.org) is aborted and recorded.
 */
async function newContext(options = {}) {
  const context = await browser.newContext(options);
  const blocked = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1") return route.continue();
    blocked.push(url.href);
    return route.abort("blockedbyclient");
  });
  return { context, blocked };
}

/** " in dark mode" after a test's name for the dark scheme, nothing for light. */
const inScheme = (scheme) => (scheme === "light" ? "" : ` in ${scheme} mode`);

/**
 * The page's colours as the reader sees them: the text colour of body and the
 * first opaque background from body up (the canvas), with their relative
 * luminances (WCAG 2.2), and the color-scheme the page declares.
 */
async function pageColours(page) {
  return page.evaluate(() => {
    const rgb = (css) => css.match(/[\d.]+/g).map(Number);
    const luminance = ([r, g, b]) => {
      const lin = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    let background = "rgba(0, 0, 0, 0)";
    for (let el = document.body; el; el = el.parentElement) {
      const bg = getComputedStyle(el).backgroundColor;
      if (rgb(bg)[3] !== 0) {
        background = bg;
        break;
      }
    }
    const text = getComputedStyle(document.body).color;
    return {
      background,
      text,
      backgroundLuminance: luminance(rgb(background)),
      textLuminance: luminance(rgb(text)),
      meta: document.querySelector('meta[name="color-scheme"]')?.content ?? null,
      colorScheme: getComputedStyle(document.documentElement).colorScheme,
    };
  });
}

for (const [scheme, colours] of Object.entries(SCHEMES)) {
  for (const [label, viewport] of Object.entries(VIEWPORTS)) {
    test(`axe finds no WCAG 2.2 AA violations at ${label} width${inScheme(scheme)}`, async () => {
      const { context } = await newContext({ viewport, ...colours });
      const page = await context.newPage();
      const problems = [];
      try {
        for (const [name, urlPath, status] of await pagesToCheck(site)) {
          const res = await page.goto(site.base + urlPath, { waitUntil: "load" });
          assert.equal(res.status(), status, `${urlPath} answered ${res.status()}`);
          for (const v of await axeViolations(page)) problems.push(`${name} ${urlPath}: ${v}`);
          // Nothing may stick out sideways on a phone.
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          if (overflow > 0) problems.push(`${name} ${urlPath}: scrolls sideways by ${overflow}px`);
          // The scheme is the reader's: a dark page with light text in dark
          // mode, the opposite in light mode; both schemes declared up front
          // so the browser paints the right canvas before the first frame.
          const c = await pageColours(page);
          const dark = c.backgroundLuminance < 0.05 && c.textLuminance > 0.5;
          const light = c.backgroundLuminance > 0.8 && c.textLuminance < 0.05;
          if (scheme === "dark" ? !dark : !light) {
            problems.push(`${name} ${urlPath}: not ${scheme}: text ${c.text} on ${c.background}`);
          }
          if (c.meta !== "light dark") problems.push(`${name} ${urlPath}: meta color-scheme ${c.meta}`);
          if (c.colorScheme !== "light dark") {
            problems.push(`${name} ${urlPath}: :root color-scheme ${c.colorScheme}`);
          }
        }
      } finally {
        await context.close();
      }
      assert.deepEqual(problems, [], "accessibility problems");
    });
  }
}

// The notification controls in the states a reader meets after a while or
// after following topics: the soft prompt shown, Follow buttons pressed, the
// preferences page with its topics. Those states need time, permission and a
// push service, so the page is put in them directly; axe judges the result.
for (const [scheme, colours] of Object.entries(SCHEMES)) {
  test(`axe finds no violations in the prompt, pressed Follow buttons and the preferences page${inScheme(scheme)}`, async () => {
    const problems = [];
    for (const [label, viewport] of Object.entries(VIEWPORTS)) {
      const { context } = await newContext({ viewport, ...colours });
      const page = await context.newPage();
      try {
        for (const urlPath of [STORY, "/topics/science", "/notifications"]) {
          await page.goto(site.base + urlPath, { waitUntil: "load" });
          await page.evaluate(() => {
            const prompt = document.getElementById("push-prompt");
            if (prompt) prompt.hidden = false;
            for (const id of ["prefs-unsupported", "prefs-off"]) {
              const section = document.getElementById(id);
              if (section) section.hidden = true;
            }
            const on = document.getElementById("prefs-on");
            if (on) on.hidden = false;
            document.querySelectorAll(".follow-button, .topic-toggle").forEach((button, i) => {
              button.hidden = false;
              button.setAttribute("aria-pressed", i % 2 === 0 ? "true" : "false");
            });
          });
          for (const v of await axeViolations(page)) problems.push(`${label} ${urlPath}: ${v}`);
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          if (overflow > 0) problems.push(`${label} ${urlPath}: scrolls sideways by ${overflow}px`);
          if (urlPath === STORY) {
            await mkdir(screenshots, { recursive: true });
            const suffix = scheme === "light" ? "" : `-${scheme}`;
            const file = path.join(screenshots, `story-push-${label}${suffix}.png`);
            await page.screenshot({ path: file });
            console.log(`screenshot: ${file}`);
          }
        }
      } finally {
        await context.close();
      }
    }
    assert.deepEqual(problems, [], "accessibility problems");
  });
}

test("the skip link is the first focusable element and moves focus to main", async () => {
  const { context } = await newContext({ viewport: VIEWPORTS.desktop });
  const page = await context.newPage();
  try {
    for (const [, urlPath] of await pagesToCheck(site)) {
      await page.goto(site.base + urlPath);
      await page.keyboard.press("Tab");
      const first = await page.evaluate(() => ({
        tag: document.activeElement.tagName,
        href: document.activeElement.getAttribute("href"),
        text: document.activeElement.textContent.trim(),
        visible: (() => {
          const r = document.activeElement.getBoundingClientRect();
          return r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < window.innerHeight;
        })(),
      }));
      assert.deepEqual(
        first,
        { tag: "A", href: "#main", text: "Skip to content", visible: true },
        `${urlPath}: first Tab`,
      );
      await page.keyboard.press("Enter");
      const focused = await page.evaluate(() => document.activeElement.id);
      assert.equal(focused, "main", `${urlPath}: the skip link did not move focus to main`);
      // The next Tab continues inside main, not back at the header.
      await page.keyboard.press("Tab");
      const inMain = await page.evaluate(() => !!document.activeElement.closest("main"));
      assert.ok(inMain, `${urlPath}: Tab after the skip link left main`);
    }
  } finally {
    await context.close();
  }
});

test("keyboard focus is always visible", async () => {
  const { context } = await newContext({ viewport: VIEWPORTS.desktop });
  const page = await context.newPage();
  try {
    for (const urlPath of ["/", STORY]) {
      await page.goto(site.base + urlPath);
      // Tab through the first dozen focusable elements: header, nav, main.
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press("Tab");
        const focus = await page.evaluate(() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {
            what: `${el.tagName.toLowerCase()} ${el.getAttribute("href") ?? el.textContent.trim().slice(0, 40)}`,
            outlineStyle: style.outlineStyle,
            outlineWidth: parseFloat(style.outlineWidth),
            body: el === document.body,
          };
        });
        if (focus.body) break;
        assert.ok(
          focus.outlineStyle !== "none" && focus.outlineWidth >= 2,
          `${urlPath}: Tab ${i + 1} focused ${focus.what} with outline ${focus.outlineStyle} ${focus.outlineWidth}px`,
        );
      }
    }
  } finally {
    await context.close();
  }
});

test("a story reads with JavaScript disabled", async () => {
  const { context } = await newContext({ viewport: VIEWPORTS.mobile, javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto(site.base + STORY);
    assert.equal(
      (await page.locator("h1").textContent()).trim(),
      "Lighthouse keepers return to Gull Point for a winter of repairs",
    );
    const body = await page.locator(".story-body").innerText();
    assert.match(body, /Two keepers arrived at Gull Point on Monday/);
    assert.match(body, /The light has not been staffed for twelve years\./);
    assert.ok(await page.locator(".featured-image img").isVisible(), "featured image shown");
    // The embed is a plain link to the video, and there is no player button.
    const link = page.locator("figure.embed-youtube a.embed-link");
    assert.equal(await link.getAttribute("href"), "https://www.youtube.com/watch?v=GullPoint01");
    assert.equal(await page.locator("figure.embed-youtube button").count(), 0);
    assert.equal(await page.locator("iframe").count(), 0);
  } finally {
    await context.close();
  }
});

/**
 * The page's cumulative layout shift so far (Lighthouse's CLS), from the
 * browser's own entries, after `settle` ms more for late scripts.
 */
function layoutShift(page, settle = 300) {
  return page.evaluate(
    (settle) =>
      new Promise((resolve) => {
        let total = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
        }).observe({ type: "layout-shift", buffered: true });
        setTimeout(() => resolve(total), settle);
      }),
    settle,
  );
}

test("a story and a topic page do not move when their Follow buttons appear", async () => {
  // The script shows the buttons once it knows the browser can follow; on a
  // phone the topic's button takes a line of its own under the heading, and
  // the live story's sits beside its Live badge, above the headline.
  for (const viewport of [VIEWPORTS.mobile, VIEWPORTS.desktop]) {
    const { context } = await newContext({ viewport });
    const page = await context.newPage();
    try {
      for (const [path, button] of [
        [`/stories/${LIVE_SLUG}`, ".follow-story"],
        ["/topics/science", ".topic-head .follow-button"],
        [STORY, ".follow-list .follow-button"],
      ]) {
        await page.goto(site.base + path, { waitUntil: "load" });
        await page.locator(button).first().waitFor({ state: "visible" });
        const shift = await layoutShift(page, 500);
        assert.ok(shift < 0.01, `${path} at ${viewport.width} px: layout shift ${shift}`);
      }
    } finally {
      await context.close();
    }
  }
});

test("the preferences page shows one state, without a jump, with JavaScript on or off", async () => {
  for (const javaScriptEnabled of [false, true]) {
    const { context } = await newContext({ viewport: VIEWPORTS.mobile, javaScriptEnabled });
    const page = await context.newPage();
    try {
      await page.goto(site.base + "/notifications", { waitUntil: "load" });
      const unsupported = page.locator("#prefs-unsupported");
      const off = page.locator("#prefs-off");
      // Without script the page says it cannot take notifications here and
      // offers feeds; with it (Chromium has push) it offers to turn them on.
      assert.equal(await unsupported.isVisible(), !javaScriptEnabled, `JavaScript ${javaScriptEnabled}: "cannot receive"`);
      assert.equal(await off.isVisible(), javaScriptEnabled, `JavaScript ${javaScriptEnabled}: "Turn on"`);
      if (javaScriptEnabled) {
        // Nothing moved while the script chose the state.
        const shift = await layoutShift(page);
        assert.ok(shift < 0.01, `layout shift ${shift}`);
      }
    } finally {
      await context.close();
    }
  }
});

test("a YouTube embed is a link card until the reader asks for the player", async () => {
  const { context, blocked } = await newContext({ viewport: VIEWPORTS.desktop });
  const page = await context.newPage();
  try {
    await page.goto(site.base + STORY, { waitUntil: "load" });
    const figure = page.locator("figure.embed-youtube");
    assert.equal(await figure.count(), 1);
    assert.ok(await figure.locator("a.embed-link").isVisible(), "the link card is shown");
    assert.equal(await page.locator("iframe").count(), 0, "no iframe before the click");
    assert.deepEqual(blocked, [], "no third-party request before the click");

    const button = figure.getByRole("button", { name: /Play the video here/ });
    // The player's request is made (the CSP allows the frame) and aborted by
    // the route above, so no real network is used.
    const playerRequest = page.waitForEvent("request", (r) =>
      r.url().startsWith("https://www.youtube-nocookie.com/embed/GullPoint01"),
    );
    await button.click();
    await playerRequest;
    const frame = figure.locator("iframe");
    await frame.waitFor({ state: "attached" });
    const src = await frame.getAttribute("src");
    assert.ok(
      src.startsWith("https://www.youtube-nocookie.com/embed/GullPoint01"),
      `iframe src ${src}`,
    );
    assert.ok(await frame.getAttribute("title"), "the iframe has a title");
  } finally {
    await context.close();
  }
});

test("screenshots of the home and story pages", async () => {
  await mkdir(screenshots, { recursive: true });
  const shots = [
    ...Object.entries(VIEWPORTS).map(([label, viewport]) => [label, viewport, {}]),
    // Dark mode at a desktop and a 390 px phone.
    ["desktop-dark", VIEWPORTS.desktop, SCHEMES.dark],
    ["phone-dark", { width: 390, height: 844 }, SCHEMES.dark],
  ];
  for (const [label, viewport, colours] of shots) {
    const { context } = await newContext({ viewport, ...colours });
    const page = await context.newPage();
    try {
      for (const [name, urlPath] of [["home", "/"], ["story", STORY]]) {
        await page.goto(site.base + urlPath, { waitUntil: "load" });
        // Lazy images below the fold: load them all before the full-page shot.
        await page.evaluate(() =>
          Promise.all(
            [...document.images].map((img) => {
              img.loading = "eager";
              return img.complete ? null : new Promise((r) => (img.onload = img.onerror = r));
            }),
          ),
        );
        const file = path.join(screenshots, `${name}-${label}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`screenshot: ${file}`);
      }
    } finally {
      await context.close();
    }
  }
});

// The newsroom, logged in as an editor: every page, the editor after a
// refused save (errors beside their inputs), at desktop and mobile widths;
// and the skip link first on each page.
test("axe finds no violations on the newsroom pages, logged in", async () => {
  const { createAccount, logIn, newsroomPagesToCheck, EDITOR_EMAIL, EDITOR_PASSWORD } = await import(
    "./support/newsroom.mjs"
  );
  await createAccount(site.global, EDITOR_EMAIL, "editor", EDITOR_PASSWORD, "Eda Editor");
  const problems = [];
  // The newsroom is checked at a 390 px phone too, and in dark mode at the
  // desktop and phone widths.
  const phone = { width: 390, height: 844 };
  const widths = {
    ...Object.fromEntries(Object.entries(VIEWPORTS).map(([label, viewport]) => [label, { viewport }])),
    phone: { viewport: phone },
    "desktop-dark": { viewport: VIEWPORTS.desktop, ...SCHEMES.dark },
    "phone-dark": { viewport: phone, ...SCHEMES.dark },
  };
  for (const [label, options] of Object.entries(widths)) {
    const { context } = await newContext(options);
    const page = await context.newPage();
    try {
      await logIn(page, site.base, EDITOR_EMAIL, EDITOR_PASSWORD);
      const visits = newsroomPagesToCheck().map(([name, urlPath, status]) => [name, urlPath, status, null]);
      // The editor after a refused save: an error summary, errors by their inputs.
      visits.push(["newsroom-editor-errors", "/newsroom/stories/new", 200, async () => {
        await page.locator("#body_markdown").fill("A body without a headline.");
        await page.locator("#image-fieldset summary").click();
        await page.locator("#image_url").fill("https://example.org/i.jpg");
        // The search and social panel, opened by its own error.
        await page.locator("#seo-panel summary").click();
        await page.locator("#seo_title").fill("A title far too long for search results. ".repeat(3));
        const [answer] = await Promise.all([
          // The form's own POST, not the live preview's (which the typing
          // above may fire at the same moment).
          page.waitForResponse(
            (r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/newsroom/stories/new",
          ),
          page.getByRole("button", { name: "Save draft" }).click(),
        ]);
        assert.equal(answer.status(), 422, "the save is refused");
        await page.waitForLoadState("load");
        assert.ok(await page.locator(".nr-error-summary").isVisible(), "the error summary");
        assert.ok(await page.locator("#seo_title-error").isVisible(), "the search title's error");
      }]);
      for (const [name, urlPath, status, act] of visits) {
        const res = await page.goto(site.base + urlPath, { waitUntil: "load" });
        assert.equal(res.status(), status, `${urlPath} answered ${res.status()}`);
        if (act) await act();
        for (const v of await axeViolations(page)) problems.push(`${label} ${name} ${urlPath}: ${v}`);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        if (overflow > 0) problems.push(`${label} ${name}: scrolls sideways by ${overflow}px`);
        if (options.colorScheme === "dark") {
          const c = await pageColours(page);
          if (!(c.backgroundLuminance < 0.05 && c.textLuminance > 0.5)) {
            problems.push(`${label} ${name}: not dark: text ${c.text} on ${c.background}`);
          }
          if (["newsroom-dashboard", "newsroom-edit-story", "newsroom-revision"].includes(name)) {
            await mkdir(screenshots, { recursive: true });
            const file = path.join(screenshots, `${name}-${label}.png`);
            await page.screenshot({ path: file, fullPage: true });
            console.log(`screenshot: ${file}`);
          }
        }
        if (label === "desktop" && !act) {
          await page.keyboard.press("Tab");
          const first = await page.evaluate(() => document.activeElement.getAttribute("href"));
          if (first !== "#main") problems.push(`${name}: the first Tab reaches ${first}, not the skip link`);
        }
      }
    } finally {
      await context.close();
    }
  }
  assert.deepEqual(problems, [], "accessibility problems");
});

// The rest of the newsroom, at 1280 px and 390 px: the login page, an
// invite's page and the page of a used one, logged out; the login code step
// of an account with two-factor on; and, as an admin, the Users page with a
// new invite's link and the invites waiting, the destructive confirmation
// page, the audience confirmation (<dialog>, opened) over the editor, and
// the two-factor setup with its QR code.
test("axe finds no violations on the admin, confirmation, two-factor and invite pages", async () => {
  const { createAccount, inviteAccount, logIn, totpCode } = await import("./support/newsroom.mjs");
  const PASSWORD = "correct horse battery staple";
  const desktop = { width: 1280, height: 800 };
  const phone = { width: 390, height: 844 };
  // Both widths, in the light and the dark scheme.
  const NEWSROOM_VIEWPORTS = {
    desktop: { viewport: desktop },
    phone: { viewport: phone },
    "desktop-dark": { viewport: desktop, ...SCHEMES.dark },
    "phone-dark": { viewport: phone, ...SCHEMES.dark },
  };
  const problems = [];
  const check = async (page, label, name) => {
    for (const v of await axeViolations(page)) problems.push(`${label} ${name}: ${v}`);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    if (overflow > 0) problems.push(`${label} ${name}: scrolls sideways by ${overflow}px`);
  };
  /** Submits the form of `button` and waits for the page it answers with. */
  const submit = async (page, button) => {
    await Promise.all([page.waitForEvent("load"), button.click()]);
  };

  for (const [label, options] of Object.entries(NEWSROOM_VIEWPORTS)) {
    // Logged out.
    const { context: outside } = await newContext(options);
    try {
      const page = await outside.newPage();
      await page.goto(`${site.base}/newsroom/login`);
      await check(page, label, "login");
      const link = await inviteAccount(site.global, `ivy.${label}@example.org`, "editor", "Ivy Invitee");
      let res = await page.goto(link);
      assert.equal(res.status(), 200, `${link} answered ${res.status()}`);
      await check(page, label, "invite");
      // A weak password: the page again with its errors.
      await page.locator("#password").fill("password1234");
      await page.locator("#confirm_password").fill("password1234");
      await submit(page, page.getByRole("button", { name: "Set password and log in" }));
      assert.ok(await page.locator(".nr-error-summary").isVisible(), "the error summary");
      await check(page, label, "invite-errors");
      await page.locator("#password").fill(PASSWORD);
      await page.locator("#confirm_password").fill(PASSWORD);
      await Promise.all([
        page.waitForURL((url) => url.pathname === "/newsroom"),
        page.getByRole("button", { name: "Set password and log in" }).click(),
      ]);
      res = await page.goto(link);
      assert.equal(res.status(), 410);
      await check(page, label, "invite-used");
      res = await page.goto(`${site.base}/newsroom/invite/unknown`);
      assert.equal(res.status(), 404);
      await check(page, label, "invite-unknown");
    } finally {
      await outside.close();
    }

    // An admin (one per width: two-factor ends up on).
    const ADMIN = `ada.${label}@example.org`;
    await createAccount(site.global, ADMIN, "admin", PASSWORD, "Ada Admin");
    const { context } = await newContext(options);
    try {
      const page = await context.newPage();
      await logIn(page, site.base, ADMIN, PASSWORD);
      await page.goto(`${site.base}/newsroom/users`);
      await check(page, label, "users");
      await page.locator("#email").fill(`zoe.${label}@example.org`);
      await submit(page, page.getByRole("button", { name: "Invite", exact: true }));
      assert.ok(await page.locator("#new-invite-link").isVisible(), "the new link");
      assert.ok(await page.locator("#invites-heading").isVisible(), "the invites waiting");
      await check(page, label, "users-new-invite");
      await submit(page, page.getByRole("button", { name: `Revoke the invite for zoe.${label}@example.org` }));
      assert.match(await page.locator("h1").textContent(), /^Revoke the invite for/);
      await check(page, label, "confirm-page");

      // The audience confirmation over the editor, open (and modal).
      await page.goto(`${site.base}/newsroom/stories/1`);
      await page.locator("#update_title").fill("Keepers stay for the winter");
      await submit(page, page.getByRole("button", { name: "Send an update" }));
      assert.ok(await page.locator("dialog[open]").isVisible(), "the dialog is open");
      await check(page, label, "confirm-dialog");

      // Two-factor: the setup with its QR code, then the login code step.
      await page.goto(`${site.base}/newsroom/account`);
      await submit(page, page.getByRole("button", { name: "Set up two-factor login" }));
      assert.ok(await page.locator(".nr-qr-box svg").isVisible(), "the QR code");
      await check(page, label, "two-factor-setup");
      const key = (await page.locator("#totp-secret").textContent()).trim();
      await page.locator("#code").fill(totpCode(key));
      await submit(page, page.getByRole("button", { name: "Turn two-factor login on" }));
      await context.clearCookies();
      await page.goto(`${site.base}/newsroom/login`);
      await page.locator("#email").fill(ADMIN);
      await page.locator("#password").fill(PASSWORD);
      await Promise.all([
        page.waitForURL((url) => url.pathname === "/newsroom/login/code"),
        page.getByRole("button", { name: "Log in" }).click(),
      ]);
      await check(page, label, "login-code");
    } finally {
      await context.close();
    }
  }
  assert.deepEqual(problems, [], "accessibility problems");
});
