#!/usr/bin/env python3
"""pywebpush sending COUNT notifications to the benchmark sink, used as its
README shows -- webpush(subscription_info, data, vapid_private_key,
vapid_claims) per subscription, no session passed -- with the concurrency a
user would add: a ThreadPoolExecutor of THREADS.

Usage: fanout_py.py KEYS_JSON SINK_BASE COUNT THREADS PAYLOAD_FILE
Prints one JSON object: messages, delivered, failed, wall_s, cpu_s (process
user + system, all threads), peak_rss_mb.
"""

import json
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from pywebpush import WebPushException, webpush

keys_file, sink_base, count, threads, payload_file = sys.argv[1:6]
count, threads = int(count), int(threads)
with open(keys_file, encoding="utf-8") as f:
    keys = json.load(f)
with open(payload_file, encoding="utf-8") as f:
    payload = f.read()


def send(n: int) -> tuple[bool, str | None]:
    subscription_info = {
        "endpoint": f"{sink_base}/push/{n}",
        "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]},
    }
    try:
        resp = webpush(
            subscription_info,
            payload,
            vapid_private_key=keys["vapid_private"],
            vapid_claims={"sub": "mailto:bench@example.org"},
            ttl=86400,
        )
        return resp.status_code == 201, None
    except WebPushException as e:
        return False, str(e)
    except Exception as e:  # noqa: BLE001 - counted and reported, not raised
        return False, repr(e)


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


cpu0, t0 = cpu(), time.monotonic()
delivered = failed = 0
first_error = None
with ThreadPoolExecutor(max_workers=threads) as pool:
    for ok, err in pool.map(send, range(1, count + 1), chunksize=64):
        if ok:
            delivered += 1
        else:
            failed += 1
            first_error = first_error or err
wall, used = time.monotonic() - t0, cpu() - cpu0
print(json.dumps({
    "messages": count, "delivered": delivered, "failed": failed, "first_error": first_error,
    "wall_s": wall, "cpu_s": used,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
