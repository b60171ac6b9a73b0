// Newsroom accounts for the browser tests: an account made with the CLI
// (`herald user add`, the password on stdin), an invite link made with it
// (`herald user invite`), a login through the real login form — in a
// browser page, or with fetch for tests that only read pages — the current
// TOTP code of a two-factor key, and the newsroom pages every check visits.

import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
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

/** Invites `email` with `herald user invite`; resolves to the link it prints. */
export async function inviteAccount(global, email, role, name) {
  const args = [...global, "user", "invite", email, "--role", role];
  if (name) args.push("--name", name);
  const { stdout } = await promisify(execFile)(heraldBin, args, {
    env: { ...process.env, RUST_LOG: "warn" },
  });
  return stdout.trim();
}

/** The RFC 6238 code (SHA-1, 6 digits, 30 s) of the base32 `key` now. */
export function totpCode(key) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of key.replace(/=+$/, "").toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  }
  const secret = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000)));
  const mac = createHmac("sha1", secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const number = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(number % 1_000_000).padStart(6, "0");
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
    ["newsroom-preview", "/newsroom/stories/1/preview", 200],
    ["newsroom-tokens", "/newsroom/tokens", 200],
    ["newsroom-account", "/newsroom/account", 200],
  ];
}
