// Starts the real herald binary for the browser tests: a free loopback port,
// a fresh temporary data folder, `serve --demo`, plus one fixture story that
// carries every part of a story page (image, pull quote, YouTube embed,
// call-to-action box). Stops it and removes the folder when done.

import { spawn, execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "..", "..", "..");
export const fixtures = path.resolve(here, "..", "fixtures");

/** The fixture story's slug (see fixtures/story.json). */
export const FIXTURE_SLUG = "browser-test-lighthouse-keepers-return";

/** The demo's live story (its coverage open, with key events). */
export const LIVE_SLUG = "ashwater-bursts-banks-wrenford-evacuated";

/** The binary under test: $HERALD_BIN, or target/debug/herald in the repository. */
export const heraldBin = process.env.HERALD_BIN
  ? path.resolve(repoRoot, process.env.HERALD_BIN)
  : path.join(repoRoot, "target", "debug", "herald");

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

async function waitUntilHealthy(base, child, log) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`herald exited with ${child.exitCode} before serving:\n${log()}`);
    }
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`herald did not answer ${base}/healthz within 30 s:\n${log()}`);
}

/**
 * Starts herald and returns { base, global, get(path), restart(), stop() }.
 * The fixture story is added before the server starts, so it is there from
 * the first request.
 */
export async function startHerald() {
  const dataDir = await mkdtemp(path.join(tmpdir(), "herald-browser-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const global = ["--data", dataDir, "--bind", `127.0.0.1:${port}`, "--base-url", base];

  await promisify(execFile)(
    heraldBin,
    [...global, "story", "add", path.join(fixtures, "story.json"), "--publish"],
    { env: { ...process.env, RUST_LOG: "warn" } },
  );

  // The running server: its process, its output, its exit.
  let server = null;
  async function serve() {
    let output = "";
    const child = spawn(heraldBin, [...global, "serve", "--demo"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn", NO_COLOR: "1" },
    });
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    server = { child, exited };
    await waitUntilHealthy(base, child, () => output);
  }
  async function halt() {
    if (server && server.child.exitCode === null) {
      server.child.kill("SIGTERM");
      const timer = setTimeout(() => server.child.kill("SIGKILL"), 10_000);
      await server.exited;
      clearTimeout(timer);
    }
  }

  try {
    await serve();
  } catch (err) {
    server?.child.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }

  return {
    base,
    /** The global options that name this site, for running other `herald` commands on it. */
    global,
    async get(urlPath) {
      const res = await fetch(base + urlPath);
      return { status: res.status, html: await res.text() };
    },
    /** Stops the server and starts it again on the same port and data. */
    async restart() {
      await halt();
      await serve();
    },
    async stop() {
      await halt();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The pages every test checks, as [name, path, expected status]: the home
 * page and its page 2 (the demo has about forty stories), the fixture story,
 * a topic the fixture is on, the topic index, search results and the 404 page.
 */
export async function pagesToCheck(site) {
  const home = await site.get("/");
  if (!/href="\/\?page=2"/.test(home.html)) {
    throw new Error("the home page does not link to page 2: is the demo content seeded?");
  }
  return [
    ["home", "/", 200],
    ["home-page-2", "/?page=2", 200],
    ["story", `/stories/${FIXTURE_SLUG}`, 200],
    ["live-story", `/stories/${LIVE_SLUG}`, 200],
    ["topic", "/topics/science", 200],
    ["topics", "/topics", 200],
    ["search", "/search?q=lighthouse", 200],
    ["not-found", "/nowhere", 404],
  ];
}

/** Debian's headless Chromium ($CHROMIUM_BIN, or /usr/bin/chromium), as every browser test runs it. */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
}
