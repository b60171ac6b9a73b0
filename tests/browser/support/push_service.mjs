// A real third-party push service for browser tests: the npm package
// `web-push-testing` (installed by `bash interop/install.sh`), which hands
// out subscriptions, checks VAPID, decrypts what it receives and keeps the
// plaintexts. And a gate in front of it: a small proxy that holds every
// push until the test opens it, so that a test can look at the fan-out
// while it is under way.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { repoRoot } from "./herald.mjs";

const PACKAGE = path.join(repoRoot, "interop", "node_modules", "web-push-testing");
const MAIN = path.join(PACKAGE, "src", "bin", "server.js");

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a child process and waits until `ready()` resolves true. */
export async function startChild(name, command, args, options, ready) {
  let log = "";
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if (await ready()) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before serving:\n${log}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${name} did not start within 30 s:\n${log}`);
    }
    await sleep(100);
  }
  return {
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** web-push-testing on a free port. */
export async function startPushService() {
  if (!existsSync(MAIN)) {
    throw new Error(
      `the npm package web-push-testing is not installed (${MAIN} is missing): ` +
        "run `bash interop/install.sh` from the repository root",
    );
  }
  const { version } = JSON.parse(readFileSync(path.join(PACKAGE, "package.json"), "utf8"));
  const port = await freePort();
  // The endpoints it hands out are http://localhost:<port>/notify/<clientHash>.
  const origin = `http://localhost:${port}`;
  const call = async (route, body) => {
    const res = await fetch(`${origin}${route}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body ?? {}),
    });
    const text = await res.text();
    const json = (res.headers.get("content-type") ?? "").includes("application/json");
    return { status: res.status, body: json ? JSON.parse(text) : text };
  };
  const child = await startChild(
    `web-push-testing ${version}`,
    process.execPath,
    [MAIN, String(port)],
    { env: process.env },
    async () => (await call("/status")).status === 200,
  );
  return {
    origin,
    version,
    log: child.log,
    stop: child.stop,
    /** A new subscription for `applicationServerKey`: {endpoint, keys, clientHash}. */
    async subscribe(applicationServerKey) {
      // userVisibleOnly is a string here: web-push-testing accepts only "true"/"false".
      const res = await call("/subscribe", { userVisibleOnly: "true", applicationServerKey });
      assert.equal(res.status, 200, `web-push-testing /subscribe: ${JSON.stringify(res.body)}`);
      return res.body.data;
    },
    /** Makes the push service answer 410 Gone for this subscription from now on. */
    async expire(clientHash) {
      const res = await call(`/expire-subscription/${clientHash}`);
      assert.equal(res.status, 200, `web-push-testing /expire-subscription: ${JSON.stringify(res.body)}`);
    },
    /** The decrypted plaintexts the subscription has received, in order. */
    async messages(clientHash) {
      const res = await call("/get-notifications", { clientHash });
      assert.equal(res.status, 200, `web-push-testing /get-notifications: ${JSON.stringify(res.body)}`);
      return res.body.data.messages;
    },
  };
}

/**
 * A proxy to `target` (an http origin) that holds every request until
 * `open()`; then it forwards those held and every later one as they come.
 * Subscriptions registered with Herald name the gate's origin instead of
 * the push service's (see `through`).
 */
export async function startGate(target) {
  let opened = false;
  const held = [];
  let received = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      received += 1;
      if (!opened) await new Promise((release) => held.push(release));
      const url = new URL(req.url, target);
      const forward = http.request(
        url,
        { method: req.method, headers: { ...req.headers, host: url.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      forward.end(Buffer.concat(chunks));
    });
  });
  // No host: both IPv4 and IPv6 loopback reach it, whatever "localhost" is.
  await new Promise((resolve) => server.listen(0, resolve));
  const origin = `http://localhost:${server.address().port}`;
  return {
    origin,
    /** `endpoint` (at the push service) as reached through the gate. */
    through(endpoint) {
      const url = new URL(endpoint);
      return `${origin}${url.pathname}${url.search}`;
    },
    /** How many requests reached the gate so far. */
    received: () => received,
    open() {
      opened = true;
      for (const release of held.splice(0)) release();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(resolve);
      }),
  };
}
