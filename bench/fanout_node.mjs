// Node's `web-push` sending COUNT notifications to the benchmark sink, used as
// its README shows (setVapidDetails, then sendNotification per subscription)
// with the concurrency a user would add: CONCURRENCY promises in flight.
// web-push only speaks https (it calls https.request whatever the endpoint's
// scheme), so it goes to the sink's TLS port; NODE_EXTRA_CA_CERTS makes Node
// trust the sink's self-signed certificate. Node 20's global agent keeps
// connections alive.
//
// Usage: node fanout_node.mjs KEYS_JSON SINK_BASE COUNT CONCURRENCY PAYLOAD_FILE
// Prints one JSON object: messages, delivered, failed, wall_s, cpu_s, peak_rss_mb.
import { readFileSync } from 'node:fs';
import webpush from 'web-push';

const [keysFile, sinkBase, countArg, concurrencyArg, payloadFile] = process.argv.slice(2);
const keys = JSON.parse(readFileSync(keysFile, 'utf8'));
const count = Number(countArg);
const concurrency = Number(concurrencyArg);
const payload = readFileSync(payloadFile, 'utf8');

webpush.setVapidDetails('mailto:bench@example.org', keys.vapid_public, keys.vapid_private);
const options = { TTL: 86400, urgency: 'normal', topic: 'story-2' };

let next = 1;
let delivered = 0;
let failed = 0;
let firstError = null;
async function lane() {
  while (next <= count) {
    const n = next++;
    const subscription = {
      endpoint: `${sinkBase}/push/${n}`,
      keys: { p256dh: keys.p256dh, auth: keys.auth },
    };
    try {
      const res = await webpush.sendNotification(subscription, payload, options);
      if (res.statusCode === 201) delivered++; else failed++;
    } catch (e) {
      failed++;
      firstError ??= String(e.message ?? e);
    }
  }
}

const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: concurrency }, lane));
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  messages: count, delivered, failed, first_error: firstError,
  wall_s: wall, cpu_s: (cpu.user + cpu.system) / 1e6,
  peak_rss_mb: process.resourceUsage().maxRSS / 1024,
}));
