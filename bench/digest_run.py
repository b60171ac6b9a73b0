#!/usr/bin/env python3
"""One measured digest sweep (for bench/digest.sh): starts `herald worker`
on a data folder whose subscribers all have reminders due, waits until its
sweeper has handled every digest, and prints one JSON object with:

- digests sent (accepted by the sink), and put off or given up, if any;
- wall seconds from the worker's start to the sweep's end (its log line),
  and digests/s;
- claim seconds: the sweeper's own time in `claim_due_digests` (leasing the
  due reminders through the `due_at` index and reading their stories,
  topics and follows), i.e. the digests' computation without the sending;
- the worker's CPU seconds (utime + stime, all threads, /proc/PID/stat) and
  peak RSS (VmHWM, /proc/PID/status).

Usage: digest_run.py HERALD DATA CONFIG N LOG_FILE TIMEOUT_S
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

from procstat import cpu_seconds, vm_hwm_mb
ANSI = re.compile(r"\x1b\[[0-9;]*m")
FIELD = re.compile(r"(\w+)=(\d+)")


def sweeps(log_file: str) -> dict:
    """The sums of every "reminder sweep" line's counts so far."""
    totals: dict = {}
    with open(log_file, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = ANSI.sub("", line)
            if "reminder sweep" not in line:
                continue
            for key, value in FIELD.findall(line):
                totals[key] = totals.get(key, 0) + int(value)
    return totals


def main() -> None:
    herald, data, config, n, log_file, timeout_s = sys.argv[1:7]
    n, timeout_s = int(n), float(timeout_s)
    env = dict(os.environ, RUST_LOG="warn,herald::delivery::sweeper=info")
    with open(log_file, "w", encoding="utf-8") as log:
        started = time.monotonic()
        worker = subprocess.Popen([herald, "--data", data, "--config", config, "worker"],
                                  stdout=log, stderr=subprocess.STDOUT, env=env)
    result = {"n": n}
    try:
        while True:
            totals = sweeps(log_file)
            handled = totals.get("digests", 0) + totals.get("failed", 0) + totals.get("gone", 0)
            if handled >= n:
                break
            if worker.poll() is not None:
                result["error"] = f"the worker exited ({worker.returncode})"
                break
            if time.monotonic() - started > timeout_s:
                result["error"] = f"not done in {timeout_s:.0f} s ({handled} handled)"
                break
            time.sleep(0.5)
        wall = time.monotonic() - started
        cpu = cpu_seconds(worker.pid)
        rss = vm_hwm_mb(worker.pid)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    totals = sweeps(log_file)
    result.update({
        "digests": totals.get("digests", 0),
        "postponed": totals.get("postponed", 0),
        "failed": totals.get("failed", 0),
        "wall_s": round(wall, 2),
        "digests_per_s": round(totals.get("digests", 0) / wall, 1) if wall > 0 else None,
        "claim_s": round(totals.get("claim_ms", 0) / 1000, 2),
        "cpu_s": round(cpu, 2),
        "peak_rss_mb": round(rss, 1),
    })
    print(json.dumps(result))


if __name__ == "__main__":
    main()
