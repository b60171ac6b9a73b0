#!/usr/bin/env python3
"""Stores N push subscribers, each with pending reminders that are due now,
straight into Herald's SQLite database, in one transaction (for
bench/digest.sh).

Usage: digest_seed.py DB N SINK_BASE KEYS_JSON STORY_SLUG...

- DB is the SQLite file. It must already exist with Herald's schema and the
  stories named (digest.sh adds them with `herald story add --publish`);
  their fan-out jobs are marked done here, so that starting a worker sends
  nothing but the digests.
- Subscriber n (1..N) gets id n, the endpoint SINK_BASE/push/<n>, follows
  every topic of the stories, and one reminder per story (held for its
  quiet hours, due a minute ago): the sweep has N digests of as many stories
  each to compute, claim and send.
- All subscribers share one P-256 key pair and auth secret (KEYS_JSON,
  written by fanout_keys.py): Herald still encrypts every message with a
  fresh ephemeral key and salt, so the work per message is the real one.
"""

import json
import sqlite3
import sys
import time


def main() -> None:
    db, n, sink_base, keys_json, *slugs = sys.argv[1:]
    n = int(n)
    with open(keys_json, encoding="utf-8") as f:
        keys = json.load(f)
    p256dh, auth = keys["p256dh"], keys["auth"]
    sink_base = sink_base.rstrip("/")
    now = int(time.time())
    started = time.monotonic()

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    stories = []
    for slug in slugs:
        row = conn.execute("SELECT id FROM stories WHERE slug = ?", (slug,)).fetchone()
        if row is None:
            sys.exit(f"digest_seed: no story {slug!r} in {db}")
        stories.append(row[0])
    marks = ",".join("?" * len(stories))
    topics = [r[0] for r in conn.execute(
        f"SELECT DISTINCT topic_id FROM story_topics WHERE story_id IN ({marks})", stories)]
    conn.execute("BEGIN")
    conn.execute(f"UPDATE push_jobs SET state = 'done', queued = 0, finished_at = ? "
                 f"WHERE story_id IN ({marks})", [now * 1000, *stories])
    conn.executemany(
        "INSERT INTO push_subscriptions (id, endpoint, p256dh, auth, expiration_time, "
        "token_hash, paused, created_at, last_seen_at) VALUES (?, ?, ?, ?, NULL, ?, 0, ?, ?)",
        ((i, f"{sink_base}/push/{i}", p256dh, auth, f"bench-token-{i:016x}", now, now)
         for i in range(1, n + 1)),
    )
    conn.executemany(
        "INSERT INTO push_follows (subscription_id, topic_id, created_at) VALUES (?, ?, ?)",
        ((i, t, now) for i in range(1, n + 1) for t in topics),
    )
    conn.executemany(
        "INSERT INTO push_reminders (subscription_id, story_id, reason, due_at, created_at) "
        "VALUES (?, ?, 'quiet_hours', ?, ?)",
        ((i, s, now - 60, now - 3600) for i in range(1, n + 1) for s in stories),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"seeded {n} subscribers with {len(stories)} due reminders each "
          f"in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
