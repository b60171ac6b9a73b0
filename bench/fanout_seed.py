#!/usr/bin/env python3
"""Stores N push subscribers following one topic, straight into Herald's SQLite
database, in one transaction (for bench/fanout.sh).

Usage: fanout_seed.py DB N TOPIC_SLUG SINK_BASE KEYS_JSON SHARD BATCH

- DB must already exist with Herald's schema and the topic (fanout.sh adds a
  draft seed story in that topic first, which creates both).
- Subscriber n (1..N) gets id n and the endpoint SINK_BASE/push/<n>, except
  the first BATCH subscribers of every SHARD-sized id range, whose endpoint is
  SINK_BASE/push/f/<n>: the sink logs those requests (and only those), so the
  first request of any shard's first batch, i.e. the first notification,
  is timed without logging every request.
- All subscribers share one P-256 key pair and auth secret (KEYS_JSON, written
  by fanout_keys.py): Herald still encrypts every message with a fresh
  ephemeral key and salt, so the work per message is the real one.
"""

import json
import sqlite3
import sys
import time


def main() -> None:
    db, n, topic_slug, sink_base, keys_json, shard, batch = sys.argv[1:8]
    n, shard, batch = int(n), int(shard), int(batch)
    with open(keys_json, encoding="utf-8") as f:
        keys = json.load(f)
    p256dh, auth = keys["p256dh"], keys["auth"]
    sink_base = sink_base.rstrip("/")
    now = int(time.time())

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    row = conn.execute("SELECT id FROM topics WHERE slug = ?", (topic_slug,)).fetchone()
    if row is None:
        sys.exit(f"fanout_seed: no topic {topic_slug!r} in {db}")
    topic_id = row[0]

    def endpoint(i: int) -> str:
        marked = (i - 1) % shard < batch
        return f"{sink_base}/push/f/{i}" if marked else f"{sink_base}/push/{i}"

    started = time.monotonic()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO push_subscriptions (id, endpoint, p256dh, auth, expiration_time, "
        "token_hash, paused, created_at, last_seen_at) VALUES (?, ?, ?, ?, NULL, ?, 0, ?, ?)",
        ((i, endpoint(i), p256dh, auth, f"bench-token-{i:016x}", now, now) for i in range(1, n + 1)),
    )
    conn.executemany(
        "INSERT INTO push_follows (subscription_id, topic_id, created_at) VALUES (?, ?, ?)",
        ((i, topic_id, now) for i in range(1, n + 1)),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"seeded {n} subscribers following {topic_slug!r} in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
