#!/usr/bin/env python3
"""One measured Herald fan-out (for bench/fanout.sh): starts `herald serve`
on a data folder that already holds the subscribers, publishes one story
through the admin API as an editor does (`POST /api/v1/admin/stories`, then
`…/{id}/publish`, with the editor's API token), follows `GET /api/v1/stories/{id}/push-stats`
until every queued message is settled, and prints one JSON object with:

- messages, wall seconds from just before the publish to the poll that saw
  the last message delivered (polled every 200 ms, then every 20 ms once
  95 % are settled), messages/s;
- Herald's CPU seconds (utime + stime of the server process, all threads,
  from /proc/PID/stat just before the publish and just after the end);
- peak RSS (VmHWM from /proc/PID/status, whole life of the process);
- time to the first notification: the earliest request the sink logged
  (nginx `$msec`, millisecond resolution) minus the moment just before
  the story was created; also minus the moment the publish was answered
  (the story and its job committed);
- the sink's CPU seconds over the same span (all nginx processes);
- Herald's own publish-to-delivery histogram (from /metrics).

Usage: fanout_run.py HERALD DATA CONFIG PORT STORY_JSON API_TOKEN SINK_LOG
                     SINK_PIDS(comma-separated) LOG_FILE TIMEOUT_S

Environment:
- FANOUT_WORKER_PROCESSES (default 0): 0 runs delivery inside `herald
  serve`; P > 0 runs a web-only node (`serve --workers 0`) and P
  `herald worker` processes, started before the publish. CPU is then the sum
  over every Herald process, RSS the largest worker's.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import time

from fanout_follow import follow, publish
from procstat import cpu_seconds, vm_hwm_mb

# /metrics is served only for its token: the run's own, given to Herald.
METRICS_TOKEN = "bench-fanout-metrics-token"
METRICS_AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}


def total_cpu(pids: list[int]) -> float:
    """CPU seconds of every process in `pids` still running."""
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except OSError:
            pass
    return total


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    (herald, data, config, port, story_json, api_token, sink_log, sink_pids, log_file, timeout) = sys.argv[1:11]
    with open(story_json, encoding="utf-8") as f:
        story = json.load(f)
    port, timeout = int(port), float(timeout)
    worker_processes = int(os.environ.get("FANOUT_WORKER_PROCESSES", "0"))
    pids = [int(p) for p in sink_pids.split(",") if p]
    base = f"http://127.0.0.1:{port}"
    global_args = [herald, "--data", data, "--config", config]
    common = global_args + ["--bind", f"127.0.0.1:{port}", "--base-url", base]
    env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "warn"),
               HERALD_METRICS_TOKEN=METRICS_TOKEN)
    log = open(log_file, "ab")
    serve = common + (["--workers", "0", "serve"] if worker_processes else ["serve"])
    server = subprocess.Popen(serve, stdout=log, stderr=subprocess.STDOUT, env=env)
    workers = [subprocess.Popen(global_args + ["--base-url", base, "worker"], stdout=log, stderr=subprocess.STDOUT,
                                env=env)
               for _ in range(worker_processes)]
    herald_pids = [server.pid] + [w.pid for w in workers]
    result: dict = {"ok": False, "worker_processes": worker_processes}
    try:
        conn = None
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/metrics", headers=METRICS_AUTH)
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    break
            except OSError:
                pass
            exited = any(p.poll() is not None for p in [server, *workers])
            if exited or time.monotonic() > deadline:
                raise SystemExit(f"herald did not start; see {log_file}")
            time.sleep(0.1)
        time.sleep(1.0)  # let the workers settle into their idle poll

        cpu0, sink0 = total_cpu(herald_pids), total_cpu(pids)
        offset0 = os.path.getsize(sink_log) if os.path.exists(sink_log) else 0
        t0 = time.time()
        story_id = publish(conn, api_token, story)
        t_committed = time.time()

        stats, error = follow(conn, story_id, timeout)
        if error:
            result["error"] = error
        t_end = time.time()
        cpu1, sink1 = total_cpu(herald_pids), total_cpu(pids)
        hwm = max(vm_hwm_mb(pid) for pid in ([w.pid for w in workers] or [server.pid]))

        conn.request("GET", "/metrics", headers=METRICS_AUTH)
        resp = conn.getresponse()
        metrics = resp.read().decode()
        buckets = []
        for line in metrics.splitlines():
            if line.startswith("herald_push_publish_to_delivery_seconds_bucket"):
                le = line.split('le="', 1)[1].split('"', 1)[0]
                buckets.append((le, float(line.rsplit(" ", 1)[1])))
        first_bucket = next((le for le, count in buckets if count > 0), None)

        first_ms = None
        if os.path.exists(sink_log):
            with open(sink_log, "rb") as f:
                f.seek(offset0)
                times = [float(line.split()[0]) for line in f.read().decode().splitlines() if line.strip()]
            if times:
                first_ms = (min(times) - t0) * 1000

        messages = stats.get("delivered", 0)
        wall = t_end - t0
        cpu = cpu1 - cpu0
        result.update({
            "ok": "error" not in result,
            "story_id": story_id,
            "queued": stats.get("queued"),
            "delivered": messages,
            "failed": stats.get("failed"),
            "retrying": stats.get("retrying"),
            "wall_s": round(wall, 3),
            "msgs_per_s": round(messages / wall, 1) if wall > 0 else None,
            "cpu_s": round(cpu, 2),
            "cpu_ms_per_1000": round(cpu * 1e6 / messages, 1) if messages else None,
            "cpu_us_per_msg": round(cpu * 1e6 / messages, 2) if messages else None,
            "peak_rss_mb": round(hwm, 1),
            "publish_cmd_ms": round((t_committed - t0) * 1000, 1),
            "first_notification_ms": round(first_ms, 1) if first_ms is not None else None,
            "first_after_commit_ms": round(first_ms - (t_committed - t0) * 1000, 1) if first_ms is not None else None,
            "herald_first_latency_bucket_s": first_bucket,
            "sink_cpu_s": round(sink1 - sink0, 2),
        })
    finally:
        for process in [*workers, server]:
            stop(process)
        log.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
