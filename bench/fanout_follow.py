"""Following one story's fan-out to its end, through Herald's push stats
(`GET /api/v1/stories/{id}/push-stats`); shared by the benchmark runners
(fanout_run.py, storm_bench.py)."""

import http.client
import json
import os
import sqlite3
import subprocess
import time

# How often push-stats is polled (seconds): every poll costs Herald some CPU,
# counted with the fan-out's (about 1 % of it at 20 ms), so it is polled
# slowly until the fan-out is nearly over, then often, to time its end.
POLL_SLOW_S, POLL_FAST_S = 0.2, 0.02


def story_id_of(data: str, slug: str) -> int:
    """The id of story `slug`: from FANOUT_DATABASE_URL with `psql` when set,
    otherwise from DATA/herald.db."""
    url = os.environ.get("FANOUT_DATABASE_URL")
    if url:
        out = subprocess.run(["psql", url, "-X", "-At", "-c", f"SELECT id FROM stories WHERE slug = '{slug}'"],
                             check=True, capture_output=True, text=True).stdout
        return int(out.strip())
    db = sqlite3.connect(f"file:{data}/herald.db?mode=ro", uri=True)
    story_id = db.execute("SELECT id FROM stories WHERE slug = ?", (slug,)).fetchone()[0]
    db.close()
    return story_id


def follow(conn: http.client.HTTPConnection, story_id: int, timeout: float) -> tuple[dict, str | None]:
    """Polls the story's push stats until every queued message is settled
    (delivered, gone or failed, none retrying, no job pending). Returns the
    last stats and, when it gave up, why."""
    last_progress, last_delivered = time.monotonic(), -1
    end = time.monotonic() + timeout
    while True:
        conn.request("GET", f"/api/v1/stories/{story_id}/push-stats")
        resp = conn.getresponse()
        stats = json.loads(resp.read())
        settled = stats["delivered"] + stats["gone"] + stats["failed"]
        if stats["pending_jobs"] == 0 and stats["queued"] > 0 and settled >= stats["queued"] and stats["retrying"] == 0:
            return stats, None
        now = time.monotonic()
        if stats["delivered"] != last_delivered:
            last_delivered, last_progress = stats["delivered"], now
        if now > end:
            return stats, f"timed out after {timeout:.0f} s"
        if now - last_progress > 20:
            return stats, "no message delivered for 20 s (sink unreachable or certificate refused?)"
        nearly_over = stats["queued"] > 0 and settled >= 0.95 * stats["queued"]
        time.sleep(POLL_FAST_S if nearly_over else POLL_SLOW_S)
