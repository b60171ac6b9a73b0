// Publish → notify, end to end, against a real third-party push service: the
// npm package `web-push-testing` (pinned in interop/package.json; install it
// with `bash interop/install.sh`). It is a mock push service over plain HTTP
// that hands out subscriptions for an applicationServerKey, checks each
// push's VAPID Authorization (the ES256 JWT against that key, and that `k`
// is that key), decrypts the aes128gcm body with the subscription's private
// key and keeps the plaintext, which the test then fetches.
//
// Subscriptions with various topic sets are made at the push service with
// Herald's VAPID public key and registered with Herald through the API; a
// story in Politics + World News is published with the CLI while
// `herald serve` runs its delivery workers; after Herald's fan-out is done,
// each subscription that follows one of the story's topics has received
// exactly one correctly decrypted payload and the others none. One more
// follower of Politics was expired at the push service first: Herald gets 410
// for it and must delete it.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { heraldBin } from "./support/herald.mjs";
import { freePort, sleep, startChild, startPushService } from "./support/push_service.mjs";

async function addStory(global, story) {
  const add = promisify(execFile)(heraldBin, [...global, "story", "add", "-", "--publish"], {
    env: { ...process.env, RUST_LOG: "warn" },
  });
  add.child.stdin.end(JSON.stringify(story));
  await add;
}

/** Herald serving with delivery workers, sending only to `pushOrigin`. */
async function startHerald(pushOrigin) {
  const data = await mkdtemp(path.join(tmpdir(), "herald-push-service-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = path.join(data, "herald.toml");
  // shard_size 2: the fan-out below spans several shards.
  await writeFile(
    config,
    [
      "[push]",
      'vapid_subject = "mailto:test@example.org"',
      `allowed_hosts = ["${pushOrigin}"]`,
      "workers = 2",
      "shard_size = 2",
      "retry_base_ms = 100",
      "",
    ].join("\n"),
  );
  const global = ["--config", config, "--data", data, "--bind", `127.0.0.1:${port}`, "--base-url", base];
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
  let stories = 0;
  return {
    base,
    log: server.log,
    /** Publishes a story with the CLI; returns its id (1, 2, … in a fresh data folder). */
    async publish(story) {
      await addStory(global, story);
      stories += 1;
      return stories;
    },
    async get(apiPath, token) {
      const res = await fetch(`${base}${apiPath}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      return { status: res.status, body: await res.json() };
    },
    async post(apiPath, body) {
      const res = await fetch(`${base}${apiPath}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    /**
     * Waits until the story's fan-out is over — no job pending, every shard
     * done, no retry waiting — and returns its final stats.
     *
     * Two reads in a row must say so: push-stats reads the counts and the
     * shards in two separate queries, so one answer can show every shard
     * done next to counts from before the last shard's batch was recorded
     * (and a retry that batch scheduled). Shards never leave "done", so the
     * counts of a read that starts after one where all shards were done are
     * complete.
     */
    async fanOutDone(storyId, limitMs = 30_000) {
      const deadline = Date.now() + limitMs;
      const finished = (s) => s.pending_jobs === 0 && s.retrying === 0 && s.shards.every((sh) => sh.state === "done");
      let previous = false;
      for (;;) {
        const { status, body } = await this.get(`/api/v1/stories/${storyId}/push-stats`);
        assert.equal(status, 200, `push-stats of story ${storyId}: ${JSON.stringify(body)}`);
        if (finished(body)) {
          if (previous) return body;
          previous = true;
          continue;
        }
        previous = false;
        if (Date.now() > deadline) {
          throw new Error(`the fan-out of story ${storyId} did not finish in ${limitMs} ms: ${JSON.stringify(body)}\n${server.log()}`);
        }
        await sleep(100);
      }
    },
    async stop() {
      await server.stop();
      await rm(data, { recursive: true, force: true });
    },
  };
}

let pushService;
let herald;

before(async () => {
  pushService = await startPushService();
  herald = await startHerald(pushService.origin);
});

after(async () => {
  await herald?.stop();
  await pushService?.stop();
});

test("every subscription that follows the story gets exactly one decrypted notification from a real push service", async () => {
  // The topics exist once a story names them; that story's fan-out (to
  // nobody) is over before anyone subscribes.
  const seedId = await herald.publish({
    slug: "seed-story",
    headline: "Seed",
    standfirst: "Creates the topics.",
    body_markdown: "Seed.",
    topics: ["Politics", "World News", "Sport", "Science"],
  });
  const seedStats = await herald.fanOutDone(seedId);
  assert.equal(seedStats.queued, 0, `nobody follows anything yet: ${JSON.stringify(seedStats)}`);

  const key = await herald.get("/api/v1/push/vapid-public-key");
  assert.equal(key.status, 200);
  const applicationServerKey = key.body.public_key;
  assert.match(applicationServerKey, /^[A-Za-z0-9_-]{87}$/, "a P-256 public key, base64url");

  // name → [topics followed, should it receive the story?]
  const plan = {
    politics: [["politics"], true],
    "politics+world-news": [["politics", "world-news"], true],
    sport: [["sport"], false],
    "world-news+breaking": [["world-news", "breaking"], true],
    none: [[], false],
    "science+sport": [["science", "sport"], false],
    "world-news": [["world-news"], true],
  };
  const devices = {};
  for (const [name, [topics, expected]] of Object.entries(plan)) {
    const sub = await pushService.subscribe(applicationServerKey);
    assert.ok(sub.endpoint.startsWith(`${pushService.origin}/notify/`), `endpoint ${sub.endpoint}`);
    const subscription = { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys };
    const res = await herald.post("/api/v1/push/subscriptions", { subscription, topics });
    assert.equal(res.status, 201, `registering ${name}: ${JSON.stringify(res.body)}`);
    assert.equal(typeof res.body.token, "string");
    assert.deepEqual(res.body.topics.map((t) => t.slug).sort(), [...topics].sort(), `topics of ${name}`);
    devices[name] = { clientHash: sub.clientHash, token: res.body.token, expected };
  }

  // A follower whose subscription the push service has expired: it answers
  // 410, and Herald deletes the subscription.
  const expiredSub = await pushService.subscribe(applicationServerKey);
  const expired = await herald.post("/api/v1/push/subscriptions", {
    subscription: { endpoint: expiredSub.endpoint, expirationTime: null, keys: expiredSub.keys },
    topics: ["politics"],
  });
  assert.equal(expired.status, 201, JSON.stringify(expired.body));
  await pushService.expire(expiredSub.clientHash);

  const story = {
    slug: "coalition-talks-collapse",
    headline: "Coalition talks collapse — “no deal” after 30 hours",
    standfirst: "Négociations rompues: the parties blame each other; a new vote is likely 🗳️.",
    body_markdown: "The talks ended at dawn.\n\nMore follows.",
    topics: ["Politics", "World News"],
  };
  const publishedAt = Date.now();
  const storyId = await herald.publish(story);
  const stats = await herald.fanOutDone(storyId);

  const matching = Object.values(devices).filter((d) => d.expected).length;
  assert.equal(stats.queued, matching + 1, `queued: the matching subscriptions and the expired one: ${JSON.stringify(stats)}`);
  assert.equal(stats.delivered, matching, `delivered: ${JSON.stringify(stats)}`);
  assert.equal(stats.gone, 1, `gone: the expired subscription: ${JSON.stringify(stats)}`);
  assert.equal(stats.failed, 0, `failed: ${JSON.stringify(stats)}\n${herald.log()}\n${pushService.log()}`);
  assert.ok(stats.shards.length >= 2, `several shards: ${JSON.stringify(stats.shards)}`);

  const storyUrl = `${herald.base}/stories/${story.slug}`;
  for (const [name, device] of Object.entries(devices)) {
    const messages = await pushService.messages(device.clientHash);
    if (!device.expected) {
      assert.deepEqual(messages, [], `${name} follows none of the story's topics and must get nothing`);
      continue;
    }
    assert.equal(messages.length, 1, `${name} must get exactly one notification: ${JSON.stringify(messages)}`);
    // A Declarative Web Push message (W3C Push API): what Safari shows
    // without a service worker, and what Herald's worker shows elsewhere.
    const message = JSON.parse(messages[0]);
    assert.equal(message.web_push, 8030, `${name}: a declarative push message`);
    assert.equal(message.mutable, true, `${name}: the service worker may see it first`);
    const payload = message.notification;
    assert.equal(payload.title, story.headline, `${name}: title`);
    assert.equal(payload.body, story.standfirst, `${name}: body`);
    assert.equal(payload.navigate, `${storyUrl}?from=notification`, `${name}: navigate, marked for click counting`);
    assert.equal(payload.tag, String(storyId), `${name}: tag`);
    assert.deepEqual(payload.data, { herald: { story: storyId } }, `${name}: Herald's data under its own key`);
    assert.deepEqual([payload.lang, payload.dir], ["en", "ltr"], `${name}: language and direction`);
    assert.equal(payload.icon, `${herald.base}/icons/icon-192.png`, `${name}: icon`);
    assert.equal(typeof payload.timestamp, "number", `${name}: timestamp`);
    assert.ok(
      Math.abs(payload.timestamp - publishedAt) < 60_000,
      `${name}: timestamp ${payload.timestamp} is the publication time (~${publishedAt})`,
    );
    assert.ok(!("image" in payload), `${name}: no image on this story`);
    const icon = await fetch(payload.icon);
    assert.equal(icon.headers.get("content-type"), "image/png", `${name}: the icon is there`);
    await icon.body?.cancel();
    const res = await fetch(payload.navigate);
    assert.equal(res.status, 200, `${name}: the notification's url opens the story`);
    await res.body?.cancel();
  }

  // The expired subscription received nothing and is gone from Herald.
  assert.deepEqual(await pushService.messages(expiredSub.clientHash), []);
  const gone = await herald.get("/api/v1/push/subscriptions", expired.body.token);
  assert.equal(gone.status, 401, `the expired subscription is deleted: ${JSON.stringify(gone.body)}`);
  // The live ones are still there.
  const kept = await herald.get("/api/v1/push/subscriptions", devices.politics.token);
  assert.equal(kept.status, 200, JSON.stringify(kept.body));

  // Nothing more arrives later: no duplicate from a retry or a second worker.
  await sleep(500);
  for (const [name, device] of Object.entries(devices)) {
    const messages = await pushService.messages(device.clientHash);
    assert.equal(messages.length, device.expected ? 1 : 0, `${name} after a pause: ${messages.length} messages`);
  }
});
