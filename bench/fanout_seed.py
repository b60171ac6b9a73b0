#!/usr/bin/env python3
"""Stores N push subscribers following one topic, straight into Herald's
database (SQLite, or PostgreSQL through `psql`), in one transaction (for
bench/fanout.sh).

Usage: fanout_seed.py DB N TOPIC_SLUG SINK_BASE KEYS_JSON SHARD BATCH

- DB is the SQLite file, or a postgres:// URL (`psql` must be installed).
  It must already exist with Herald's schema and the topic (fanout.sh adds
  a draft seed story in that topic first, which creates both).
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
import subprocess
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

    def endpoint(i: int) -> str:
        marked = (i - 1) % shard < batch
        return f"{sink_base}/push/f/{i}" if marked else f"{sink_base}/push/{i}"

    started = time.monotonic()
    if db.startswith(("postgres://", "postgresql://")):
        seed_postgres(db, n, topic_slug, endpoint, p256dh, auth, now)
    else:
        seed_sqlite(db, n, topic_slug, endpoint, p256dh, auth, now)
    print(f"seeded {n} subscribers following {topic_slug!r} in {time.monotonic() - started:.1f} s")


def seed_sqlite(db, n, topic_slug, endpoint, p256dh, auth, now) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    row = conn.execute("SELECT id FROM topics WHERE slug = ?", (topic_slug,)).fetchone()
    if row is None:
        sys.exit(f"fanout_seed: no topic {topic_slug!r} in {db}")
    topic_id = row[0]
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


def psql(url: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", *args], check=True, **kwargs)


def seed_postgres(url, n, topic_slug, endpoint, p256dh, auth, now) -> None:
    found = psql(url, "-At", "-c", f"SELECT id FROM topics WHERE slug = '{topic_slug}'",
                 capture_output=True, text=True).stdout.strip()
    if not found:
        sys.exit(f"fanout_seed: no topic {topic_slug!r} in {url}")
    topic_id = int(found)
    # One psql session, one transaction (-1): two COPYs streamed from this
    # process, then the identity moved past the ids given here.
    script = subprocess.Popen(["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", "-"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    out = script.stdin
    out.write("COPY push_subscriptions (id, endpoint, p256dh, auth, token_hash, paused, created_at, "
              "last_seen_at) FROM STDIN;\n")
    for i in range(1, n + 1):
        out.write(f"{i}\t{endpoint(i)}\t{p256dh}\t{auth}\tbench-token-{i:016x}\t0\t{now}\t{now}\n")
    out.write("\\.\nCOPY push_follows (subscription_id, topic_id, created_at) FROM STDIN;\n")
    for i in range(1, n + 1):
        out.write(f"{i}\t{topic_id}\t{now}\n")
    out.write(f"\\.\nSELECT setval(pg_get_serial_sequence('push_subscriptions', 'id'), {n});\n")
    out.close()
    if script.wait() != 0:
        sys.exit("fanout_seed: psql failed")
    psql(url, "-c", "ANALYZE", stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
