"""Publishing a story as the newsroom does (the admin API, as an editor with
an API token) and following its fan-out to its end through Herald's push
stats (`GET /api/v1/stories/{id}/push-stats`); shared by the benchmark
runners (fanout_run.py, storm_bench.py)."""

import http.client
import json
import time

# How often push-stats is polled (seconds): every poll costs Herald some CPU,
# counted with the fan-out's (about 1 % of it at 20 ms), so it is polled
# slowly until the fan-out is nearly over, then often, to time its end.
POLL_SLOW_S, POLL_FAST_S = 0.2, 0.02


def admin_post(conn: http.client.HTTPConnection, api_token: str, path: str, body: dict) -> dict:
    """POSTs `body` to Herald's admin API as the token's editor; the
    answer's JSON. Exits with the answer when it is not a success."""
    conn.request("POST", path, body=json.dumps(body),
                 headers={"Authorization": f"Bearer {api_token}", "Content-Type": "application/json"})
    answer = conn.getresponse()
    text = answer.read().decode()
    if answer.status not in (200, 201):
        raise SystemExit(f"POST {path}: {answer.status} {text}")
    return json.loads(text)


def publish(conn: http.client.HTTPConnection, api_token: str, story: dict) -> int:
    """Creates `story` (the admin API's story JSON) and publishes it with
    its notification, as an editor does; returns its id. The server drops
    the pages it touched and wakes its workers as it commits."""
    created = admin_post(conn, api_token, "/api/v1/admin/stories", story)
    admin_post(conn, api_token, f"/api/v1/admin/stories/{created['id']}/publish", {})
    return created["id"]


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
