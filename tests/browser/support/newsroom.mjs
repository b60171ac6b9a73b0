// Newsroom accounts for the browser tests: an account made with the CLI
// (`herald user add`, the password on stdin), a login through the real
// login form — in a browser page, or with fetch for tests that only read
// pages — and the newsroom pages every check visits.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { heraldBin } from "./herald.mjs";

export const EDITOR_EMAIL = "editor@example.org";
export const EDITOR_PASSWORD = "correct horse battery staple";

/** Adds an account with `herald user add`, on the data folder `global` names. */
export async function createAccount(global, email, role, password, name) {
  const args = [...global, "user", "add", email, "--role", role];
  if (name) args.push("--name", name);
  const run = promisify(execFile)(heraldBin, args, { env: { ...process.env, RUST_LOG: "warn" } });
  run.child.stdin.end(`${password}\n`);
  await run;
}

/** Logs in through the login form in `page`; resolves on the dashboard. */
export async function logIn(page, base, email, password) {
  await page.goto(`${base}/newsroom/login`);
  await page.locator("#email").fill(email);
  await page.locator("#password").fill(password);
  await Promise.all([
    page.waitForURL((url) => url.pathname === "/newsroom"),
    page.getByRole("button", { name: "Log in" }).click(),
  ]);
}

/** The cookies of a Set-Cookie list, as one Cookie header. */
function cookieHeader(jar, response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const [name] = pair.split("=");
    jar.set(name.trim(), pair.trim());
  }
  return [...jar.values()].join("; ");
}

/**
 * Logs in with fetch and returns `get(path)` → {status, html} with the
 * session's cookie, for checks that read newsroom pages.
 */
export async function logInWithFetch(base, email, password) {
  const jar = new Map();
  const form = await fetch(`${base}/newsroom/login`);
  let cookies = cookieHeader(jar, form);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error("the login page has no csrf field");
  const res = await fetch(`${base}/newsroom/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies },
    body: new URLSearchParams({ email, password, csrf, next: "/newsroom" }),
  });
  if (res.status !== 303) throw new Error(`login as ${email} answered ${res.status}: ${await res.text()}`);
  cookies = cookieHeader(jar, res);
  return {
    cookies: () => [...jar.values()],
    async get(path) {
      const page = await fetch(`${base}${path}`, { headers: { cookie: cookies }, redirect: "manual" });
      return { status: page.status, html: await page.text() };
    },
  };
}

/**
 * The newsroom pages the accessibility and validity checks visit, as
 * [name, path, expected status], for an editor on a site whose story 1
 * exists (the browser tests' fixture story).
 */
export function newsroomPagesToCheck() {
  return [
    ["newsroom-dashboard", "/newsroom", 200],
    ["newsroom-stories", "/newsroom/stories", 200],
    ["newsroom-new-story", "/newsroom/stories/new", 200],
    ["newsroom-edit-story", "/newsroom/stories/1", 200],
    ["newsroom-revisions", "/newsroom/stories/1/revisions", 200],
    ["newsroom-revision", "/newsroom/stories/1/revisions/1", 200],
    ["newsroom-topics", "/newsroom/topics", 200],
    ["newsroom-topic", "/newsroom/topics/science", 200],
  ];
}
