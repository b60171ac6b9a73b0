// The readers of bench/live.sh: CLIENTS concurrent event streams of one
// live story on raw sockets (no library: the client must cost less than
// the server it measures), then EVENTS entries posted through the admin
// API, one at a time. For each entry: the time from the POST to each
// stream receiving it; the server's CPU time (from /proc) over that
// delivery; meanwhile a closed-loop page load on the story page (PAGE_LOOPS
// keep-alive connections) gives the page's latency. Prints one JSON object.
//
//   node bench/live_clients.mjs   (environment: BASE, SLUG, STORY_ID,
//   TOKEN, HERALD_PID, CLIENTS, EVENTS, PAGE_LOOPS, REUSE)

import net from "node:net";
import http from "node:http";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const base = new URL(process.env.BASE);
const slug = process.env.SLUG;
const storyId = process.env.STORY_ID;
const token = process.env.TOKEN;
const pid = process.env.HERALD_PID;
const clients = Number(process.env.CLIENTS ?? 10000);
const events = Number(process.env.EVENTS ?? 10);
const pageLoops = Number(process.env.PAGE_LOOPS ?? 4);
// REUSE=1: each stream is asked for on a connection that first served
// another request (GET /healthz, pipelined), as a browser reuses the
// kept-alive connection that loaded the page.
const reuse = process.env.REUSE === "1";
const CONNECT_BATCH = 250;
const DELIVERY_TIMEOUT_MS = 30_000;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** The server's resident memory in KiB. */
function rssKib() {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  return Number(line.replace(/\D+/g, ""));
}

/** The server's CPU time so far (user + system), in seconds. */
function cpuSeconds() {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v) => (v === null ? null : Math.round(v * 10) / 10);
  return { n: sorted.length, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? null) };
}

// Arrival times per entry id, one per stream.
const arrivals = new Map();
const waiters = new Map();

function arrived(id, at) {
  let times = arrivals.get(id);
  if (!times) arrivals.set(id, (times = []));
  times.push(at);
  if (times.length === clients) waiters.get(id)?.();
}

/** Opens one stream; resolves once its answer's head says 200. */
function openStream() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: base.hostname, port: Number(base.port) });
    let head = true;
    let pending = "";
    socket.setEncoding("utf8");
    // The answers before the stream's (REUSE): skipped, by their length.
    let before = reuse ? 1 : 0;
    socket.on("connect", () => {
      const first = reuse ? `GET /healthz HTTP/1.1\r\nHost: ${base.host}\r\n\r\n` : "";
      socket.write(`${first}GET /stories/${slug}/events HTTP/1.1\r\nHost: ${base.host}\r\nAccept: text/event-stream\r\n\r\n`);
    });
    socket.on("data", (chunk) => {
      const at = performance.now();
      pending += chunk;
      while (before > 0) {
        const end = pending.indexOf("\r\n\r\n");
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        pending = pending.slice(end + 4 + length);
        before -= 1;
      }
      if (head) {
        const end = pending.indexOf("\r\n\r\n");
        if (end < 0) return;
        const status = pending.slice(9, 12);
        if (status !== "200") {
          socket.destroy();
          reject(new Error(`stream answered ${status}`));
          return;
        }
        head = false;
        pending = pending.slice(end + 4);
        resolve(socket);
      }
      // Whole events only (each ends with a blank line); the chunked
      // framing between them is noise here.
      const end = pending.lastIndexOf("\n\n");
      if (end < 0) return;
      const complete = pending.slice(0, end);
      pending = pending.slice(end + 2);
      const pattern = /event: entry\ndata: [^\n]*?"id":(\d+)/g;
      let found;
      while ((found = pattern.exec(complete))) arrived(Number(found[1]), at);
    });
    socket.on("error", reject);
  });
}

async function connectAll() {
  const sockets = [];
  let failed = 0;
  let firstError = null;
  for (let i = 0; i < clients; i += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, clients - i) }, openStream);
    for (const result of await Promise.allSettled(batch)) {
      if (result.status === "fulfilled") sockets.push(result.value);
      else {
        failed += 1;
        firstError ??= String(result.reason);
      }
    }
  }
  return { sockets, failed, firstError };
}

async function postEntry(n) {
  const res = await fetch(new URL(`/api/v1/admin/stories/${storyId}/entries`, base), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ title: `Bench update ${n}`, body_markdown: `Update **${n}** of the benchmark.` }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`POST entry: ${res.status} ${JSON.stringify(body)}`);
  return body.id;
}

/** Closed-loop page load until `stop()`; the latencies in ms. */
function pageLoad() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: pageLoops });
  const latencies = [];
  const errors = { count: 0 };
  let running = true;
  const loop = async () => {
    while (running) {
      const started = performance.now();
      await new Promise((resolve) => {
        const req = http.get({ host: base.hostname, port: base.port, path: `/stories/${slug}`, agent }, (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode === 200) latencies.push(performance.now() - started);
            else errors.count += 1;
            resolve();
          });
        });
        req.on("error", () => {
          errors.count += 1;
          resolve();
        });
      });
    }
  };
  const loops = Array.from({ length: pageLoops }, loop);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return { ...summary(latencies), errors: errors.count };
    },
  };
}

const rssBefore = rssKib();
const connectStarted = performance.now();
const { sockets, failed, firstError } = await connectAll();
const connectSeconds = (performance.now() - connectStarted) / 1000;
await new Promise((r) => setTimeout(r, 2000));
const rssWith = rssKib();

/** Posts `count` entries one at a time, each once the last reached every stream. */
async function deliver(first, count) {
  const latencies = [];
  let missing = 0;
  let cpu = 0;
  for (let n = first; n < first + count; n += 1) {
    const cpuStart = cpuSeconds();
    const posted = performance.now();
    const id = await postEntry(n);
    await new Promise((resolve) => {
      if ((arrivals.get(id)?.length ?? 0) >= sockets.length) return resolve();
      const timer = setTimeout(resolve, DELIVERY_TIMEOUT_MS);
      waiters.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    cpu += cpuSeconds() - cpuStart;
    const times = arrivals.get(id) ?? [];
    missing += sockets.length - times.length;
    for (const at of times) latencies.push(at - posted);
    await new Promise((r) => setTimeout(r, 500));
  }
  return { latencies, missing, cpu };
}

// 1. The entries alone: latency and the server's CPU per delivery.
const { latencies, missing, cpu } = await deliver(1, events);

// 2. The story page alone, then while as many entries go out again.
const pageAlone = pageLoad();
await new Promise((r) => setTimeout(r, 3000));
const pagesBefore = await pageAlone.stop();
const pages = pageLoad();
const underLoad = await deliver(events + 1, events);
const pagesDuring = await pages.stop();
for (const socket of sockets) socket.destroy();

const delivered = latencies.length;
console.log(JSON.stringify({
  clients,
  streams_open: sockets.length,
  streams_failed: failed,
  first_error: firstError,
  connect_seconds: Math.round(connectSeconds * 10) / 10,
  events,
  delivered,
  missing,
  latency_ms: summary(latencies),
  rss_mib: { before: Math.round(rssBefore / 1024), with_streams: Math.round(rssWith / 1024) },
  rss_mib_per_1000_streams: Math.round(((rssWith - rssBefore) / 1024 / Math.max(1, sockets.length)) * 1000 * 100) / 100,
  server_cpu_seconds: Math.round(cpu * 100) / 100,
  server_cpu_us_per_delivered_event: delivered ? Math.round((cpu * 1e6) / delivered * 10) / 10 : null,
  story_page_ms_alone: pagesBefore,
  story_page_ms_during: pagesDuring,
  latency_ms_under_page_load: summary(underLoad.latencies),
  missing_under_page_load: underLoad.missing,
}));
